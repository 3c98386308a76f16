import datetime
import itertools
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from articles.text.signatures import minhash, shingles
from articles.text.story import (
    LEAD_WEIGHT,
    RELATED_THRESHOLD,
    SUGGEST_THRESHOLD,
    TITLE_WEIGHT,
    StoryScorer,
    blocking_keys,
    compare,
    profile_from_dict,
    profile_to_dict,
    score_batch,
    share_a_quote,
    story_profile,
    term_of,
)

REPO = Path(__file__).resolve().parents[2]

PESKOV = (
    "Kremlin spokesman Dmitry Peskov told the Izvestia newspaper that NATO has become a party "
    "to the conflict in Ukraine. Peskov said the alliance supplies weapons to Kiev free of "
    "charge. “NATO intelligence works against Russia around the clock,” Peskov said. "
    "He added that the New START treaty could not be discussed while France and Britain keep "
    "their nuclear arsenals outside it."
)
QUAKE = (
    "A magnitude 6.1 earthquake struck central Chile on Sunday, the Geological Survey said. "
    "Residents of Valparaiso fled their homes as buildings shook. Officials in Santiago reported "
    "no deaths but dozens of injuries. The quake was felt as far away as Mendoza in Argentina."
)
BUDGET = (
    "The city council of Leeds approved a new budget for schools and parks on Tuesday. "
    "Councillor Amanda Greaves said the libraries would stay open. The opposition called the "
    "plan reckless and promised to vote against the tax rise in March."
)


def profiles_with_stats(*texts):
    profiles = [story_profile(title, body) for title, body in texts]
    doc_freq = Counter()
    for profile in profiles:
        doc_freq.update(profile.terms.keys())
    return profiles, doc_freq


def evidence(a_text, b_text, others=(QUAKE, BUDGET), **kwargs):
    texts = [("", a_text), ("", b_text)] + [("", o) for o in others]
    profiles, doc_freq = profiles_with_stats(*texts)
    return compare(
        profiles[0],
        profiles[1],
        doc_freq,
        len(profiles),
        minhash(shingles(a_text)),
        minhash(shingles(b_text)),
        **kwargs,
    )


# --- term_of


def test_term_of_drops_plural_and_possessive():
    assert term_of("Weapons") == "weapon"
    assert term_of("Peskov's") == "peskov"
    assert term_of("countries") == "country"


def test_term_of_keeps_short_words_and_numbers():
    assert term_of("bus") == "bus"
    assert term_of("1990s") == "1990s"
    assert term_of("U.S.") == "us"


# --- story_profile


def test_profile_finds_names_mid_sentence():
    profile = story_profile("", PESKOV)
    assert profile.names["peskov"] >= 3
    assert "izvestia" in profile.names
    assert profile.name_forms["peskov"] == "Peskov"


def test_sentence_initial_capital_is_not_a_name_by_itself():
    profile = story_profile("", "Residents fled. Officials met in Santiago.")
    assert "resident" not in profile.names
    assert "santiago" in profile.names


def test_role_words_are_not_names():
    profile = story_profile("", "He met the Kremlin Spokesman and the President on Monday.")
    assert "spokesman" not in profile.names
    assert "president" not in profile.names
    assert "kremlin" in profile.names


def test_profile_counts_title_and_lead_words_more_than_later_words():
    body = "The earthquake hit. Nobody died. Houses fell. Later, the earthquake was over."
    profile = story_profile("Earthquake in Chile", body)
    assert profile.terms["earthquake"] == TITLE_WEIGHT + LEAD_WEIGHT + 1
    assert profile.terms["house"] == 1


def test_profile_keeps_numbers_and_quotes():
    profile = story_profile("", QUAKE + " It was 2010.")
    assert "2010" in profile.numbers
    quoted = story_profile("", PESKOV).quotes
    assert quoted == ("NATO intelligence works against Russia around the clock,",)


def test_profile_normalises_speakers_and_keeps_date():
    day = datetime.date(2023, 2, 28)
    profile = story_profile("", PESKOV, day, speakers=["Dmitry Peskov", " ", "dmitry peskov"])
    assert profile.speakers == ("dmitry peskov",)
    assert profile.published == day


def test_empty_article_gives_empty_profile():
    profile = story_profile("", "")
    assert profile.terms == {} and profile.names == {} and profile.word_count == 0
    assert blocking_keys(profile) == []


# --- blocking_keys


def test_blocking_keys_put_repeated_names_first():
    keys = blocking_keys(story_profile("", PESKOV))
    assert keys[0] == "n:peskov"
    assert all(k.startswith(("n:", "t:")) for k in keys)


def test_blocking_keys_respect_limit_and_are_unique():
    keys = blocking_keys(story_profile("", PESKOV + QUAKE + BUDGET), limit=5)
    assert len(keys) == 5
    assert len(set(keys)) == 5


def test_blocking_keys_without_names_fall_back_to_long_words():
    keys = blocking_keys(story_profile("", "the earthquake destroyed buildings and earthquake"))
    assert "t:earthquake" in keys


def test_reports_of_one_event_share_a_blocking_key():
    other = (
        "Peskov, the spokesman of the Kremlin, said in an interview with Izvestia that NATO "
        "was at war with Russia."
    )
    keys_a = set(blocking_keys(story_profile("", PESKOV)))
    keys_b = set(blocking_keys(story_profile("", other)))
    assert keys_a & keys_b


# --- compare


def test_identical_articles_are_duplicates():
    result = evidence(PESKOV, PESKOV)
    assert result.relation == "duplicate"
    assert result.score == 1.0
    assert result.text_similarity == 1.0


def test_unrelated_articles_are_not_linked():
    result = evidence(PESKOV, QUAKE, others=(BUDGET,))
    assert result.score < RELATED_THRESHOLD
    assert result.relation == "unrelated"
    assert result.shared_passages == ()


def test_light_edit_is_a_rewrite():
    edited = PESKOV.replace("free of charge", "for nothing").replace("around the clock", "24/7")
    result = evidence(PESKOV, edited)
    assert result.relation == "rewrite"
    assert 0.3 <= result.text_similarity < 0.9


OTHER_OUTLET = (
    "Russia says NATO is a party to the Ukraine conflict. In an interview with Izvestia, "
    "Dmitry Peskov accused the alliance of giving weapons to Kiev free of charge and said "
    "NATO intelligence was working against Russia around the clock. The Kremlin spokesman "
    "also tied New START to the nuclear arsenals of France and Britain."
)


def test_other_outlet_report_is_same_story_with_evidence():
    result = evidence(PESKOV, OTHER_OUTLET)
    assert result.score >= SUGGEST_THRESHOLD
    assert result.relation in {"same story", "translation"}
    assert "Peskov" in result.shared_names and "Izvestia" in result.shared_names
    assert result.text_similarity < 0.3
    assert 1 <= len(result.shared_passages) <= 5


def test_different_languages_make_a_translation():
    result = evidence(PESKOV, OTHER_OUTLET, language_a="en", language_b="ru")
    assert result.relation == "translation"


def test_reworded_passages_in_the_same_order_make_a_translation():
    a = (
        "Peskov accused NATO members of supplying weapons to Kiev. "
        "Izvestia published the Kremlin interview about nuclear arsenals on Tuesday morning. "
        "Peskov described the Western intelligence services working against Moscow constantly. "
        "France and Britain kept their nuclear arsenals outside the START treaty negotiations."
    )
    b = (
        "To Kiev, NATO members are supplying weapons, Peskov accused. "
        "On Tuesday morning the Kremlin interview about nuclear arsenals was published by Izvestia. "
        "Constantly working against Moscow: so Peskov described Western intelligence services. "
        "Outside START treaty negotiations, Britain and France kept their nuclear arsenals."
    )
    result = evidence(a, b)
    assert result.text_similarity <= 0.1
    assert result.relation == "translation"
    assert len(result.shared_passages) >= 3


def test_days_apart_are_reported_and_lower_the_score():
    texts = [("", PESKOV), ("", PESKOV.replace("clock", "day")), ("", QUAKE)]
    profiles, doc_freq = profiles_with_stats(*texts)
    same_day = story_profile("", PESKOV, datetime.date(2023, 2, 28))
    later = story_profile("", texts[1][1], datetime.date(2024, 5, 27))
    near = story_profile("", texts[1][1], datetime.date(2023, 3, 1))
    far = compare(same_day, later, doc_freq, 3)
    close = compare(same_day, near, doc_freq, 3)
    assert far.days_apart == 454 and close.days_apart == 1
    assert far.score < close.score


def test_unknown_dates_give_no_days_apart():
    assert evidence(PESKOV, PESKOV).days_apart is None


sentences = st.lists(
    st.sampled_from(
        [
            "Peskov told Izvestia that NATO is at war.",
            "Weapons reach Kiev free of charge.",
            "A strong earthquake struck Chile on Sunday.",
            "The council of Leeds approved a budget.",
            "Macron called Putin about Ukraine.",
            "Stoltenberg urged allies to lift restrictions.",
        ]
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60)
@given(sentences)
def test_identical_texts_are_duplicates(parts):
    text = " ".join(parts)
    result = evidence(text, text)
    assert result.text_similarity == 1.0
    assert result.relation == "duplicate"


@settings(max_examples=60)
@given(sentences, sentences)
def test_compare_is_symmetric_in_score(parts_a, parts_b):
    a, b = " ".join(parts_a), " ".join(parts_b)
    profiles, doc_freq = profiles_with_stats(("", a), ("", b), ("", QUAKE))
    sig_a, sig_b = minhash(shingles(a)), minhash(shingles(b))
    forward = compare(profiles[0], profiles[1], doc_freq, 3, sig_a, sig_b)
    backward = compare(profiles[1], profiles[0], doc_freq, 3, sig_b, sig_a)
    assert forward.score == backward.score
    assert 0.0 <= forward.score <= 1.0
    assert len(forward.shared_passages) == len(backward.shared_passages)


# --- the seed corpus


def seed_folder() -> Path:
    fixtures = REPO / "fixtures" / "seeds"
    if any(fixtures.glob("*.txt")):
        return fixtures
    return Path(__file__).resolve().parents[3] / "shared" / "seeds"  # until fixtures exist


def seed_profiles():
    profiles = {}
    for path in sorted(seed_folder().glob("*.txt")):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        profiles[path.name[:3]] = (
            story_profile(lines[0], "\n".join(lines[1:])),
            minhash(shingles("\n".join(lines))),
        )
    return profiles


def test_seeds_link_the_interview_versions_and_not_the_other_stories():
    profiles = seed_profiles()
    assert sorted(profiles) == ["000", "001", "002", "003", "004"]
    doc_freq = Counter()
    for profile, _ in profiles.values():
        doc_freq.update(profile.terms.keys())

    def link(x, y):
        (a, sig_a), (b, sig_b) = profiles[x], profiles[y]
        return compare(a, b, doc_freq, len(profiles), sig_a, sig_b)

    for x, y in itertools.combinations(["000", "001", "002"], 2):
        assert link(x, y).score >= SUGGEST_THRESHOLD, (x, y)
        assert link(x, y).relation in {"same story", "translation", "rewrite"}
    for x in ["000", "001", "002"]:
        assert link(x, "004").relation in {"related", "unrelated"}, x
    for x in ["001", "002"]:
        assert link(x, "003").score < SUGGEST_THRESHOLD, x


def test_seed_000_is_not_linked_to_the_2022_macron_call():
    profiles = seed_profiles()
    doc_freq = Counter()
    for profile, _ in profiles.values():
        doc_freq.update(profile.terms.keys())
    (a, sig_a), (b, sig_b) = profiles["000"], profiles["003"]
    # Both are quote-rich and share no statement: two stories about the same people.
    assert not share_a_quote(a.quotes, b.quotes)
    assert compare(a, b, doc_freq, len(profiles), sig_a, sig_b).score < SUGGEST_THRESHOLD


def test_the_interview_versions_share_a_reworded_quote():
    profiles = seed_profiles()
    for x, y in [("000", "001"), ("000", "002"), ("001", "002")]:
        assert share_a_quote(profiles[x][0].quotes, profiles[y][0].quotes), (x, y)


def test_a_profile_survives_a_round_trip_through_json():
    import json

    profile = story_profile("Peskov on NATO", PESKOV, datetime.date(2023, 2, 28), ["Dmitry Peskov"])
    again = profile_from_dict(json.loads(json.dumps(profile_to_dict(profile))))
    assert again == profile
    assert again.name_forms == profile.name_forms
    assert again.published == datetime.date(2023, 2, 28)


# --- many pairs: StoryScorer and score_batch


def test_a_scorer_reused_over_many_pairs_gives_what_compare_gives_pair_by_pair():
    profiles = seed_profiles()
    doc_freq = Counter()
    for profile, _ in profiles.values():
        doc_freq.update(profile.terms.keys())
    names = sorted(profiles)
    pairs = list(itertools.combinations(names, 2))
    scorer = StoryScorer(doc_freq, len(names))
    # Backwards, so the cache is filled in another order than compare's one-off scorers.
    for x, y in reversed(pairs):
        (a, sig_a), (b, sig_b) = profiles[x], profiles[y]
        assert scorer.compare(a, b, sig_a, sig_b) == compare(
            a, b, doc_freq, len(names), sig_a, sig_b
        ), (x, y)


def test_score_batch_decodes_stored_profiles_and_keeps_only_pairs_worth_suggesting():
    import json

    texts = {7: PESKOV, 3: OTHER_OUTLET, 5: QUAKE, 9: BUDGET}
    doc_freq = Counter()
    stored = {}
    for article_id, body in texts.items():
        profile = story_profile("", body)
        doc_freq.update(profile.terms.keys())
        signature = minhash(shingles(body))
        stored[article_id] = (json.dumps(profile_to_dict(profile)), json.dumps(signature), "en")
    scored = score_batch((stored, [(7, [3, 5]), (5, [9])]), (doc_freq, len(texts), {}))
    by_pair = {(a, b): (relation, score, found) for a, b, relation, score, found in scored}
    # The lower id goes first whichever article asked; the quake and the budget are not kin.
    assert set(by_pair) == {(3, 7)}
    relation, score, found = by_pair[(3, 7)]
    assert relation in {"same story", "translation"} and score >= SUGGEST_THRESHOLD
    assert found["score"] == score and "Peskov" in found["shared_names"]
    profile_3, profile_7 = (story_profile("", texts[i]) for i in (3, 7))
    assert (
        score
        == compare(
            profile_3,
            profile_7,
            doc_freq,
            len(texts),
            minhash(shingles(texts[3])),
            minhash(shingles(texts[7])),
            "en",
            "en",
        ).score
    )
