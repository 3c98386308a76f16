import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.text.cleaning import (
    derive_title,
    is_furniture,
    is_outlet_like,
    is_title_like,
    is_title_repeat,
    normalize_text,
    parse_article,
    reads_as_sentence,
    sentence_ends,
)
from articles.text.encoding import UnreadableText, decode_bytes

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


def seed(prefix: str):
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return parse_article(decode_bytes(path.read_bytes()).text)


# --- the five seeds, as read by hand ---------------------------------------------------


def test_seed_000_title_said_three_times_once_reworded():
    article = seed("000")
    assert article.title == (
        "Peskov: NATO is in conflict with Russia, Macron is not calling and they are not "
        "listening to Russia"
    )
    assert not article.title_derived
    assert article.published is None
    assert article.published_source == ""
    assert article.dropped == (
        article.title,
        "Peskov: NATO is in conflict with Russia, Macron does not call and do not listen to Russia",
        "Advertisement'; }",
    )
    assert "title repeated 3 times: kept the first" in article.notes


def test_seed_000_keeps_the_photo_caption_and_drops_the_advert():
    body = seed("000").body
    assert body.startswith("Dmitry Peskov, spokesman for Russian President Vladimir Putin.\n\n")
    assert "Advertisement" not in body
    assert body.endswith("but that's more it won't”.")
    assert body.count("\n\n") == 9


def test_seed_001_date_line_under_the_title():
    article = seed("001")
    assert article.title == "Kremlin spokesman: NATO is ‘de facto at war with Russia’"
    assert not article.title_derived
    assert article.published == datetime.datetime(2023, 2, 28, 15, 7)
    assert article.published_source == 'date line "15:07 28.02.2023"'
    assert article.dropped == ("15:07 28.02.2023 •", "read more in our Telegram-channel")
    assert article.body.startswith("NATO countries showing united front")
    assert "Telegram" not in article.body


def test_seed_002_no_title_and_a_leading_date():
    article = seed("002")
    assert article.title_derived
    assert article.title == (
        "NATO has entered into a direct armed confrontation with Russia through the supply of "
        "weapons to…"
    )
    assert article.published == datetime.date(2023, 2, 28)
    assert article.published_source == 'text "date 2023-02-28"'
    assert article.body.startswith("NATO has entered into a direct armed confrontation")
    assert article.dropped == ()
    assert article.body.count("\n\n") == 4


def test_seed_003_title_twice_and_footer_furniture():
    article = seed("003")
    assert article.title == (
        "Putin to Macron: West Does Not Consider Our Interest, But We Continue Dialogue"
    )
    assert not article.title_derived
    assert article.published is None
    assert article.dropped == (article.title, "Leave a Reply", "Back to top")
    assert article.body.startswith("A telephone conversation between French President")
    assert article.body.endswith("which is said to send planes to Bulgaria.")


def test_seed_004_date_first_then_title_then_outlet_name():
    article = seed("004")
    assert article.title == "Kremlin spokesman Dmitry Peskov: NATO Falling Into ‘Wartime Ecstasy’"
    assert not article.title_derived
    assert article.published == datetime.date(2024, 5, 27)
    assert article.published_source == 'date line "Monday, May 27, 2024"'
    assert article.dropped == (
        "Monday, May 27, 2024",
        "NATO falling into ‘wartime ecstasy’ – Kremlin",
        "RT",
        "No comments:",
    )
    assert article.body.startswith("The US-led NATO bloc has not only been directly involved")
    assert article.body.endswith("the top diplomat told reporters on Friday.")


def test_seed_004_no_break_spaces_become_plain_spaces():
    body = seed("004").body
    assert "\u00a0" not in body
    assert "falling into “wartime ecstasy,” Kremlin spokesman" in body


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_bodies_keep_every_curly_quote(prefix):
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    raw_text = path.read_text(encoding="utf-8")
    body = seed(prefix).body
    for mark in "“”‘’":
        # Titles and dropped lines may hold some; the body never gains any.
        assert body.count(mark) <= raw_text.count(mark)
    assert body.count("“") == body.count("”")


# --- normalize_text ---------------------------------------------------------------------


def test_crlf_and_cr_become_lf():
    assert normalize_text("a\r\nb\rc\n") == "a\nb\nc\n"


def test_nbsp_and_other_unicode_spaces_become_spaces():
    assert normalize_text("a\u00a0b\u2009c\u202fd\u3000e") == "a b c d e"


def test_tab_becomes_space():
    assert normalize_text("a\tb") == "a b"


def test_zero_width_characters_are_removed():
    assert normalize_text(f"Pes{INVISIBLE}kov") == "Peskov"


def test_control_characters_are_removed_but_newlines_kept():
    assert normalize_text("a\x00b\x07c\x1b\nd\x7f\x9b") == "abc\nd"


def test_other_line_breaks_become_newlines():
    assert normalize_text("a\u2028b\x0cc\x85d") == "a\nb\nc\nd"
    assert normalize_text("a\u2029b") == "a\n\nb"


def test_trailing_spaces_are_stripped_per_line():
    assert normalize_text("a  \nb \u00a0\nc ") == "a\nb\nc"


def test_nfc_composes_accents():
    assert normalize_text("cafe\u0301") == "café"


def test_quote_marks_are_not_changed():
    text = "“a” «b» „c“ 'd' \"e\" ‘f’"
    assert normalize_text(text) == text


def test_lone_surrogates_are_removed():
    assert normalize_text("a\ud800b") == "ab"


@given(st.text())
def test_normalize_text_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


# --- titles ----------------------------------------------------------------------------


def test_exact_title_repeat_collapses():
    article = parse_article("Title of the day\n\nTitle of the day\n\nBody text here.")
    assert article.title == "Title of the day"
    assert article.body == "Body text here."
    assert article.dropped == ("Title of the day",)


def test_title_repeat_is_recognised_ignoring_case_and_quotes():
    assert is_title_repeat(
        "NATO falling into ‘wartime ecstasy’", "NATO Falling Into 'Wartime Ecstasy'"
    )


def test_different_line_is_not_a_title_repeat():
    assert not is_title_repeat(
        "Dmitry Peskov, spokesman for Russian President Vladimir Putin.",
        "Kremlin spokesman Dmitry Peskov: NATO Falling Into ‘Wartime Ecstasy’",
    )


def test_two_word_line_is_not_a_repeat_of_a_longer_title():
    assert not is_title_repeat("NATO summit", "NATO summit opens in Vilnius amid Ukraine row")


def test_date_line_before_title():
    article = parse_article("May 27, 2024\n\nPeskov speaks\n\nHe said things.")
    assert article.title == "Peskov speaks"
    assert article.published == datetime.date(2024, 5, 27)
    assert article.body == "He said things."


def test_labelled_date_line_after_title():
    article = parse_article("Peskov speaks\nPublished: 28.02.2023 | 15:07\n\nHe said things.")
    assert article.published == datetime.datetime(2023, 2, 28, 15, 7)
    assert article.body == "He said things."


def test_second_date_line_is_dropped_but_first_date_kept():
    text = "Peskov speaks\nPublished: 28.02.2023\nUpdated: 01.03.2023\n\nHe said things."
    article = parse_article(text)
    assert article.published == datetime.date(2023, 2, 28)
    assert article.dropped == ("Published: 28.02.2023", "Updated: 01.03.2023")


def test_long_first_paragraph_is_not_a_title():
    first = "The Kremlin said on Tuesday that talks had stalled and that " * 5
    article = parse_article(first.strip() + "\n\nMore text.")
    assert article.title_derived
    assert article.body.startswith("The Kremlin said on Tuesday")


def test_first_line_of_several_sentences_is_not_a_title():
    article = parse_article("Talks stalled. Peskov blamed the West.\n\nMore text.")
    assert article.title_derived
    assert article.title == "Talks stalled"
    assert article.body.startswith("Talks stalled. Peskov")


def test_hard_wrapped_first_paragraph_is_not_a_title():
    article = parse_article("The Kremlin said on Tuesday that\ntalks with the West had stalled.")
    assert article.title_derived
    assert article.body == "The Kremlin said on Tuesday that\ntalks with the West had stalled."


def test_lead_sentence_ending_in_a_full_stop_is_not_a_title():
    text = "A publicist says Tara Reid has checked herself into rehab.\n\nShe is 33."
    article = parse_article(text)
    assert article.title_derived
    assert article.body == text


def test_headline_ending_in_a_full_stop_is_a_title():
    text = "Green Party candidate Jill Stein removed from N.Y. debate site by police.\n\nBody."
    article = parse_article(text)
    assert not article.title_derived
    assert article.title.startswith("Green Party candidate")
    assert article.body == "Body."


def test_title_case_headline_with_a_full_stop_is_a_title():
    article = parse_article("Poll: Wealthy Voters Abandon Republican Party for Clinton.\n\nBody.")
    assert article.title == "Poll: Wealthy Voters Abandon Republican Party for Clinton."


def test_reads_as_sentence():
    assert reads_as_sentence("Maurice Cheeks is out as Philadelphia 76ers head coach.")
    assert reads_as_sentence("Well, here's something that we all knew would happen.")
    assert not reads_as_sentence(
        "Bill Clinton calls Obamacare ‘crazy system’ during campaign stop."
    )
    assert not reads_as_sentence("Hillary Clinton Goes After Donald Trump As The New Mitt Romney.")
    assert not reads_as_sentence("Peskov: NATO is in conflict with Russia, Macron is not calling")


def test_lead_sentence_retelling_the_headline_is_not_dropped_as_a_repeat():
    text = (
        "Esther Williams, Swimming Champion, Actress, Pin-Up Icon Dies\n\n"
        "Esther Williams, swimming champion, actress, and pin-up icon, has died."
    )
    article = parse_article(text)
    assert article.body == "Esther Williams, swimming champion, actress, and pin-up icon, has died."
    assert article.dropped == ()


def test_ellipsis_inside_a_headline_does_not_end_a_sentence():
    assert sentence_ends("Lindsay Lohan Checks Out Of Rehab... To Check Into Another") == []
    assert is_title_like("Lindsay Lohan Checks Out Of Rehab… To Check Into Another")


def test_sentence_ends_skip_abbreviations_and_follow_closing_quotes():
    assert sentence_ends("Mr. Peskov spoke to the U.S. press. Then") == [35]
    assert sentence_ends("Peskov said “no.” Then") == [17]


def test_is_title_like():
    assert is_title_like("Kremlin spokesman: NATO is ‘de facto at war with Russia’")
    assert not is_title_like("x" * 201)
    assert not is_title_like("1234 5678")
    assert not is_title_like("Putin spoke", "and then he left")


def test_derived_title_is_the_first_sentence():
    assert derive_title("Peskov spoke. He said more.") == "Peskov spoke"


def test_derived_title_is_cut_at_a_word_with_an_ellipsis():
    title = derive_title("word " * 60)
    assert title.endswith("…")
    assert len(title) <= 101
    assert title[:-1] == title[:-1].rstrip()
    assert title[:-1].split()[-1] == "word"


def test_derived_title_ignores_abbreviations():
    assert derive_title("Mr. Peskov spoke to the U.S. press. Then more.") == (
        "Mr. Peskov spoke to the U.S. press"
    )


def test_file_with_only_a_title_keeps_it_as_body():
    article = parse_article("Peskov speaks\n")
    assert article.title == "Peskov speaks"
    assert article.body == "Peskov speaks"
    assert not article.title_derived


# --- dates in text -----------------------------------------------------------------------


def test_leading_labelled_date_is_taken_off_the_body():
    article = parse_article(" date 2023-02-28 NATO has entered into a confrontation. More.")
    assert article.published == datetime.date(2023, 2, 28)
    assert article.published_source == 'text "date 2023-02-28"'
    assert article.body == "NATO has entered into a confrontation. More."


def test_leading_date_set_apart_by_a_dash_is_taken():
    article = parse_article("28.02.2023 – NATO has entered into a confrontation. More.")
    assert article.published == datetime.date(2023, 2, 28)
    assert article.body == "NATO has entered into a confrontation. More."


def test_sentence_starting_with_a_date_keeps_its_words():
    text = "May 27, 2024 was the day Peskov spoke to Izvestia. He said more."
    article = parse_article(text)
    assert article.published is None
    assert article.body == text


def test_date_in_body_is_not_the_article_date():
    article = parse_article("Title\n\nOne paragraph.\n\n28.02.2023\n\nTwo.")
    assert article.published is None
    assert "28.02.2023" in article.body


# --- site furniture ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement",
        "Advertisement'; }",
        "ADVERTISEMENT",
        "Story continues below advertisement",
        "read more in our Telegram-channel",
        "Read more: Peskov says NATO is at war",
        "Subscribe to our newsletter",
        "Subscribe",
        "Sign up for our daily briefing",
        "Follow us on Twitter",
        "Share this:",
        "Share this article",
        "Share",
        "Leave a Reply",
        "Leave a comment",
        "Back to top",
        "No comments:",
        "3 comments",
        "Posted by admin at 10:30",
        "Related articles",
        "Related",
        "Tags: NATO, Russia",
        "We use cookies to improve your experience on our site.",
        "This website uses cookies. By continuing you accept our cookie policy.",
        "© 2024 Example News. All rights reserved.",
        "Skip to content",
        "Facebook",
        "You may also like",
    ],
)
def test_furniture_lines(line):
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "Peskov said readers should read more history before judging Russia.",
        "Advertisement revenue fell by a third, the company said.",
        "He told reporters to subscribe to nothing the West says.",
        "Leave a reply to the minister, Lavrov urged his deputies, and then leave the hall today.",
        "The comments were made on Tuesday.",
        "Share prices fell sharply in Moscow on Monday.",
        "Back to top form, the team won again.",
    ],
)
def test_real_sentences_are_not_furniture(line):
    assert not is_furniture(line)


def test_furniture_in_the_middle_is_dropped_and_recorded():
    text = "Title\n\nFirst paragraph.\n\nAdvertisement\n\nSecond paragraph.\n\nBack to top"
    article = parse_article(text)
    assert article.body == "First paragraph.\n\nSecond paragraph."
    assert article.dropped == ("Advertisement", "Back to top")
    assert any("Advertisement" in note for note in article.notes)


def test_furniture_words_inside_a_paragraph_are_never_cut():
    text = "Title\n\nHe said: Advertisement\nis everywhere. Read more in our Telegram-channel now."
    article = parse_article(text)
    assert "Read more in our Telegram-channel now." in article.body
    assert "is everywhere." in article.body


def test_lone_outlet_name_after_title_is_dropped():
    article = parse_article("Peskov speaks out\nRT\n\nHe said things.")
    assert article.title == "Peskov speaks out"
    assert article.dropped == ("RT",)
    assert article.body == "He said things."


def test_lone_outlet_name_before_title_is_dropped():
    article = parse_article("Reuters\n\nPeskov speaks out on NATO\n\nHe said things.")
    assert article.title == "Peskov speaks out on NATO"
    assert article.dropped == ("Reuters",)


def test_short_headline_before_the_text_is_a_title_not_an_outlet():
    article = parse_article("Putin warns NATO\n\nThe Kremlin said on Tuesday it would respond.")
    assert article.title == "Putin warns NATO"
    assert article.dropped == ()


def test_short_lines_right_after_the_title_that_run_on_are_kept():
    article = parse_article("Title\n\nLine one\nLine two\n\nNext.")
    assert article.body == "Line one\nLine two\n\nNext."


def test_short_line_in_the_body_is_kept():
    article = parse_article("Title here\n\nFirst paragraph.\n\nRT\n\nLast paragraph.")
    assert "RT" in article.body.split("\n\n")


def test_is_outlet_like():
    assert is_outlet_like("RT")
    assert is_outlet_like("The Moscow Times")
    assert not is_outlet_like("He said.")
    assert not is_outlet_like("Peskov said this, today")
    assert not is_outlet_like("NATO is at war with us")


# --- layout -----------------------------------------------------------------------------


def test_blank_line_runs_collapse_to_one_paragraph_break():
    article = parse_article("Title\n\n\n\nOne.\n \n\t\n\nTwo.")
    assert article.body == "One.\n\nTwo."


def test_single_newlines_inside_a_paragraph_are_kept():
    article = parse_article("Title\n\nLine one\nLine two\n\nNext.")
    assert article.body == "Line one\nLine two\n\nNext."


def test_leading_indentation_is_removed():
    article = parse_article("Title\n\n   Indented paragraph.\n\tTabbed line.")
    assert article.body == "Indented paragraph.\nTabbed line."


def test_windows_line_endings_and_bom_remains():
    article = parse_article("\ufeffTitle here\r\n\r\nFirst.\r\nSecond.\r\n")
    assert article.title == "Title here"
    assert article.body == "First.\nSecond."


def test_zero_width_characters_do_not_reach_title_or_body():
    article = parse_article(f"Ti{INVISIBLE}tle\n\nPes\u200bkov said.")
    assert article.title == "Title"
    assert article.body == "Peskov said."


def test_mojibake_is_kept_as_it_is():
    article = parse_article("Title\n\nRussiaâ€™s adversaries.")
    assert article.body == "Russiaâ€™s adversaries."


def test_cp1252_file_end_to_end():
    raw = b"Lavrov speaks\r\n\r\n\x93We do not want war,\x94 Lavrov said.\r\n"
    article = parse_article(decode_bytes(raw).text)
    assert article.body == "“We do not want war,” Lavrov said."


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n  ",
        "\u200b\u200b",
        "\x00\x01",
        "Advertisement\n\nBack to top",
        "May 27, 2024",
        "\u00a0\n\t",
        "...\n\n--",
    ],
)
def test_no_text_after_cleaning(text):
    with pytest.raises(UnreadableText, match="^no text after cleaning$"):
        parse_article(text)


# --- properties ---------------------------------------------------------------------------

messy_text = st.lists(
    st.sampled_from(
        list("abc XYZ.,:“”\"'\n\r\t•|-")
        + ["\u00a0", "\u200b", "\ufeff", "\x00", "\x85", "\u2028", "\u2029", "é", "e\u0301"]
        + ["Advertisement", "RT", "28.02.2023", "date 2023-02-28 ", "Back to top", "\n\n"]
    ),
    max_size=60,
).map("".join)


@given(st.one_of(st.text(max_size=300), messy_text))
def test_parse_article_returns_or_raises_unreadable_text(text):
    try:
        article = parse_article(text)
    except UnreadableText as exc:
        assert str(exc) == "no text after cleaning"
        return
    body = article.body
    assert body
    assert "\r" not in body
    assert "\u00a0" not in body
    assert "\n\n\n" not in body
    assert not any(char in body for char in INVISIBLE)
    assert body == body.strip()
    assert normalize_text(body) == body
    assert article.title
    assert "\n" not in article.title


paragraph = st.text(alphabet="abcdefgh ,", min_size=1, max_size=30).filter(
    lambda p: any(c.isalpha() for c in p)
)


@given(st.lists(paragraph, min_size=1, max_size=6))
def test_paragraphs_survive_as_blocks(paragraphs):
    sentences = [" ".join(p.split()) + "." for p in paragraphs]
    text = "Headline of the story\n\n" + "\n\n\n".join(sentences) + "\n"
    assert parse_article(text).body.split("\n\n") == sentences


@given(st.one_of(st.text(max_size=300), messy_text))
def test_nothing_is_invented(text):
    try:
        article = parse_article(text)
    except UnreadableText:
        return
    lines = {line.strip() for line in normalize_text(text).split("\n")}
    assert all(dropped in lines for dropped in article.dropped)
    if not article.title_derived:
        assert article.title in lines
    for line in article.body.replace("\n\n", "\n").split("\n"):
        assert line and any(line in original for original in lines)


def test_one_huge_line_gets_a_title_from_its_first_sentence():
    # Regression: abbreviation checks once rescanned the whole line for every full stop.
    article = parse_article("Peskov said that. " * 20000)
    assert article.title == "Peskov said that"
    assert article.title_derived
