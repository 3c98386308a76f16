from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.text.quotes import extract_quotes

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"


def seed(prefix: str) -> str:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\xa0", " ")


def quotes_of(body: str):
    return extract_quotes(body).quotes


def find(body: str, fragment: str):
    matches = [q for q in quotes_of(body) if fragment in q.text]
    assert len(matches) == 1, [q.text for q in quotes_of(body)]
    return matches[0]


# --- quote marks ------------------------------------------------------------------------------


def test_curly_double_quote_is_found_without_its_marks():
    body = "“We do not want war,” Lavrov said."
    (q,) = quotes_of(body)
    assert q.text == "We do not want war,"
    assert body[q.start : q.end] == q.text


def test_straight_double_quote_is_found():
    (q,) = quotes_of('"We do not want war," Lavrov said.')
    assert q.text == "We do not want war,"


def test_single_quotes_inside_double_quotes_are_part_of_the_text():
    body = "“NATO is falling into 'wartime ecstasy.' This is the reality,” Peskov stated."
    (q,) = quotes_of(body)
    assert "'wartime ecstasy.'" in q.text


def test_apostrophes_are_not_quote_marks():
    body = "Russia’s position didn’t change, Peskov said. “We don’t want war,” he added."
    (q,) = quotes_of(body)
    assert q.text == "We don’t want war,"


def test_unbalanced_quote_stops_at_the_paragraph_end():
    body = "“This never closes, Peskov said.\n\nA second paragraph that is not a quote at all."
    qs = quotes_of(body)
    assert all(q.end <= body.index("\n\n") for q in qs)
    assert qs and qs[0].text == "This never closes, Peskov said."


def test_stray_closing_mark_is_ignored():
    assert quotes_of("Peskov said nothing” at all.") == ()


def test_empty_quotes_are_not_quotes():
    assert quotes_of("He said “ ” and left.") == ()


def test_body_without_quotes_gives_nothing():
    ex = extract_quotes("Peskov said NATO is at war with Russia.")
    assert ex.quotes == () and ex.speakers == ()


# --- attribution ------------------------------------------------------------------------------


def test_speaker_after_quote():
    q = find("“NATO is at war with us,” Peskov said.", "NATO")
    assert (q.speaker, q.cue) == ("Peskov", "said")


def test_cue_before_speaker_after_quote():
    q = find("“NATO is at war with us,” said Dmitry Peskov in an interview.", "NATO")
    assert (q.speaker, q.cue) == ("Dmitry Peskov", "said")


def test_told_keeps_its_object_in_the_cue():
    q = find("“NATO is at war with us,” Kremlin spokesman Dmitry Peskov told Izvestia.", "NATO")
    assert q.speaker == "Dmitry Peskov"
    assert q.cue == "told Izvestia"


def test_speaker_before_quote_with_colon():
    q = find("Minister Lavrov: “We don’t want war, but we will defend ourselves.”", "war")
    assert q.speaker == "Lavrov"


def test_according_to():
    body = (
        "The West, according to Peskov, shows “relatively uncompromising condemnation of Russia”."
    )
    q = find(body, "condemnation")
    assert q.speaker == "Peskov"
    assert q.cue == "according to"


def test_organisation_can_speak():
    q = find("The Kremlin said that “the West is not taking our interests into account”.", "West")
    assert q.speaker == "Kremlin"


def test_he_said_interruption_gives_two_attributed_quotes():
    body = (
        "Kremlin spokesman Dmitry Peskov has said so.\n\n"
        "“If they wanted, they could have sat down at the table,” he said. "
        "“There would have been very complex talks, but they refused.”"
    )
    first, second = quotes_of(body)
    assert first.speaker == second.speaker == "Dmitry Peskov"
    assert first.cue == "said"


def test_continuation_paragraph_keeps_the_speaker():
    body = (
        "“We will never compromise on this,” Peskov said.\n\n"
        "“The constitution exists and it cannot be ignored by anyone.”"
    )
    assert [q.speaker for q in quotes_of(body)] == ["Peskov", "Peskov"]


def test_pronoun_resolves_to_most_recent_speaker_not_to_a_name_inside_quotes():
    body = (
        "“Their weapons, as Putin pointed out, go to Ukraine for free,” said Dmitry Peskov. "
        "“Nothing can be covered up here, nothing at all,” he added."
    )
    assert [q.speaker for q in quotes_of(body)] == ["Dmitry Peskov", "Dmitry Peskov"]


def test_role_noun_resolves_to_the_person_introduced_with_that_role():
    body = (
        "Kremlin spokesman Dmitry Peskov spoke to Izvestia. Stoltenberg spoke too.\n\n"
        "“China is a huge, powerful country,” the spokesman said."
    )
    q = find(body, "China")
    assert q.speaker == "Dmitry Peskov"


def test_full_name_surname_and_role_are_one_speaker():
    body = (
        "“NATO is at war with us,” Kremlin spokesman Dmitry Peskov said. "
        "“There have been no initiatives recently,” the spokesman said. "
        "“You have to call a spade a spade,” Peskov added."
    )
    ex = extract_quotes(body)
    assert {q.speaker for q in ex.quotes} == {"Dmitry Peskov"}
    (speaker,) = ex.speakers
    assert speaker.name == "Dmitry Peskov"
    assert "Peskov" in speaker.aliases
    assert speaker.role == "Kremlin spokesman"


def test_speaker_canonical_name_is_the_fullest_form():
    body = (
        "“We do not want war,” Lavrov said. "
        "“If it depends on Russia, there will be no war,” Russian Foreign Minister "
        "Sergei Lavrov said."
    )
    assert {q.speaker for q in quotes_of(body)} == {"Sergei Lavrov"}


def test_pronoun_prefers_the_latest_speaker():
    body = (
        "“This cannot be his personal opinion at all,” Peskov stated.\n\n"
        "On Friday, Stoltenberg urged allies to lift restrictions. “To deny Ukraine these "
        "weapons makes it very hard for them,” he argued."
    )
    q = find(body, "deny")
    assert q.speaker == "Stoltenberg"


def test_quote_without_any_speaker_has_none():
    q = find("“Nothing about this is normal in any way,” the sign read.", "Nothing")
    assert q.speaker is None
    assert q.cue == ""


# --- kinds and scare quotes --------------------------------------------------------------------


def test_full_statement_is_direct():
    assert find("“NATO acts as one bloc,” Peskov said.", "NATO").kind == "direct"


def test_fragment_inside_sentence_is_partial_with_speaker_from_subject():
    body = (
        "Dmitry Peskov, spokesman for Russian President Vladimir Putin, spoke today.\n\n"
        "In an interview, the spokesman accused the alliance of “actually fighting against "
        "Russia” by continuing to supply weapons."
    )
    q = find(body, "actually")
    assert q.kind == "partial"
    assert q.speaker == "Dmitry Peskov"
    assert q.cue == "accused"


@pytest.mark.parametrize(
    "body",
    [
        "Putin announced a “special military operation” with the aim of “denazifying” Ukraine.",
        "Lukashenko is on a collision course after his “re-election” last year.",
        "NATO falling into ‘wartime ecstasy’ – Kremlin",
        "Peskov said speaking to ‘Izvestia’ on Monday.",
    ],
)
def test_scare_quotes_are_not_speech(body):
    assert quotes_of(body) == ()


def test_short_quote_with_a_cue_next_to_it_is_speech():
    q = find("The remarks were rather “contradictory,” the spokesman noted.", "contradictory")
    assert q.kind == "partial"


def test_short_quote_led_to_by_speaker_and_cue_is_speech():
    q = find("Peskov said relations have “changed radically” since 2021.", "changed")
    assert q.speaker == "Peskov"


def test_quote_of_four_words_is_never_a_scare_quote():
    assert find("Officials spoke of “a very long war”.", "long war").speaker is None


# --- seeds ------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_every_seed_quote_has_a_speaker_and_valid_offsets(prefix):
    body = seed(prefix)
    quotes = quotes_of(body)
    assert quotes
    for q in quotes:
        assert body[q.start : q.end] == q.text
        assert q.speaker is not None, q.text


def test_seed_peskov_interview_is_one_speaker():
    ex = extract_quotes(seed("001"))
    assert {q.speaker for q in ex.quotes} == {"Dmitry Peskov"}
    assert len(ex.quotes) >= 12


def test_seed_stoltenberg_and_lavrov_are_told_apart():
    body = seed("004")
    assert find(body, "To deny Ukraine").speaker == "Jens Stoltenberg"
    assert find(body, "We proceed from").speaker == "Sergey Lavrov"
    assert find(body, "This cannot be").speaker == "Dmitry Peskov"


def test_seed_scare_quotes_are_left_out():
    texts = {q.text for q in quotes_of(seed("000"))} | {q.text for q in quotes_of(seed("003"))}
    for term in ("denazifying", "demilitarizing", "special military operation", "re-election"):
        assert term not in texts


def test_seed_lavrov_colon_quote():
    q = find(seed("003"), "We don’t want war")
    assert q.speaker == "Sergei Lavrov"


# --- invariants -------------------------------------------------------------------------------

MARKS = ["“", "”", '"', "‘", "’", "'", "„", "«", "»", "\n\n"]
WORDS = ["Peskov", "said", "he", "added", "the", "spokesman", "NATO", "war", ".", ",", ":", " "]


@st.composite
def article(draw):
    pieces = draw(st.lists(st.sampled_from(MARKS + WORDS) | st.text(max_size=6), max_size=80))
    return " ".join(pieces)


def check_invariants(body):
    ex = extract_quotes(body)
    previous_end = -1
    for q in ex.quotes:
        assert body[q.start : q.end] == q.text
        assert q.text and q.text == q.text.strip()
        assert q.start >= previous_end  # sorted and not overlapping
        previous_end = q.end
        assert q.kind in ("direct", "partial")
        assert q.speaker is None or q.speaker in {s.name for s in ex.speakers}


@settings(max_examples=300)
@given(article())
def test_offsets_hold_on_arbitrary_text_with_quote_marks(body):
    check_invariants(body)


@settings(max_examples=200)
@given(st.text())
def test_offsets_hold_on_any_text(body):
    check_invariants(body)


@given(st.integers(min_value=0, max_value=5000))
def test_random_quote_marks_in_a_seed_never_break_offsets(position):
    body = seed("000")
    position %= len(body)
    check_invariants(body[:position] + "“" + body[position:])


# --- attribution: names, titles, appositions, pronouns ------------------------------------------


def test_honorific_and_initials_stay_inside_the_speaker_name():
    body = '"There is a need for more oversight," said Ronald R. Fieldstone, a Miami lawyer.'
    assert find(body, "oversight").speaker == "Ronald R. Fieldstone"


def test_mr_before_a_name_does_not_end_the_sentence():
    body = '"We owe them honesty," Mr. Obama said, "and to say the economy is shifting."'
    assert [q.speaker for q in quotes_of(body)] == ["Mr. Obama", "Mr. Obama"]


def test_title_abbreviation_and_party_tag_are_not_part_of_the_name():
    ex = extract_quotes("“It’s a dog whistle to all Americans,” Rep. Gwen Moore (D-Wis.) said.")
    assert ex.quotes[0].speaker == "Gwen Moore"
    assert ex.speakers[0].role == "Rep."


def test_apposition_between_name_and_cue():
    body = (
        "“It’s an invasion of the state regulatory domain,” Scott Pruitt, the Republican "
        "attorney general of Oklahoma, one of the states suing the EPA, said on Tuesday."
    )
    assert find(body, "invasion").speaker == "Scott Pruitt"


def test_age_apposition():
    body = '"We are not going to stop at all," Quina Jones, 25, said as she marched.'
    assert find(body, "stop").speaker == "Quina Jones"


def test_office_with_complement_before_a_name():
    body = (
        "Secretary of State John F. Kerry said the United States would act.\n\n"
        '"We remain open to credible and authentic talks," he said.'
    )
    assert find(body, "credible").speaker == "John F. Kerry"


def test_organisation_name_with_on_is_one_speaker():
    body = (
        "The Commission on Presidential Debates says “there were issues regarding the audio "
        "in the hall.”"
    )
    assert find(body, "issues").speaker == "Commission on Presidential Debates"


def test_she_skips_a_more_recent_man():
    body = (
        "“We will vote against it,” Hillary Clinton said.\n\n"
        "“I disagree with every word of it,” Jason Miller said.\n\n"
        "“It is a matter of principle for all of us,” she added."
    )
    assert find(body, "principle").speaker == "Hillary Clinton"


def test_pronoun_gender_comes_from_an_honorific_elsewhere_in_the_article():
    body = (
        "Mrs. Brunner runs the coalition.\n\n"
        "“People look at what an area looks like after the investment,” Brunner said.\n\n"
        "“Nobody can question the result of it,” Leahy said.\n\n"
        "“It's hard to convince them what it looked like before,” she said."
    )
    assert find(body, "convince").speaker == "Brunner"


def test_pronoun_takes_the_full_named_last_speaker_of_unknown_gender():
    body = (
        "“We need clarity,” Mary Holt said.\n\n"
        "Economist Arvani Desai said the plan did not settle it.\n\n"
        "“I don't see details about who is left out,” she said."
    )
    assert find(body, "details").speaker == "Arvani Desai"


def test_pronoun_with_no_fitting_speaker_is_the_subject_named_just_before():
    body = (
        "The video was released on Friday. Maria Lopez can be heard yelling at the officers.\n\n"
        "“Don't shoot him,” she says."
    )
    assert find(body, "shoot").speaker == "Maria Lopez"


def test_subject_named_before_does_not_take_a_pronoun_of_the_other_gender():
    body = "Maria Lopez can be heard yelling at the officers.\n\n“Don't shoot,” he says."
    assert find(body, "shoot").speaker is None


def test_speaker_named_after_a_cue_that_follows_a_comma_is_a_speaker():
    body = (
        "“We will win,” Mary Park said.\n\n"
        "The race is still close, noted pollster Tom Lee.\n\n"
        "“Nobody knows yet,” he added."
    )
    assert find(body, "Nobody").speaker == "Tom Lee"


def test_cue_word_opening_a_sentence_is_not_part_of_a_name():
    q = find("Said Tom Ellis: “We will not back down.”", "back down")
    assert q.speaker == "Tom Ellis"


def test_party_adjective_alone_is_not_a_name():
    body = "The site rated 32% of Republican claims as “false” or “pants on fire.”"
    assert all(q.speaker != "Republican" for q in quotes_of(body))


def test_role_noun_without_a_person_role_is_nobody():
    body = (
        "“We will fight on every front,” Peskov said.\n\n"
        "The commission says on its website that “there were issues regarding the audio in "
        "the hall.”"
    )
    assert find(body, "issues").speaker is None


def test_dash_signature_after_a_quote_line():
    body = "“Maybe we can build a wall around Donald Trump.” ― Steve Quinlan\n“Next one here.”"
    assert find(body, "wall").speaker == "Steve Quinlan"


def test_participle_cue_gives_the_sentence_subject():
    body = (
        "During a speech earlier in the day, Trump attacked Clinton for her record, saying, "
        '"She\'s trigger-happy and very unstable."'
    )
    q = find(body, "trigger")
    assert (q.speaker, q.cue) == ("Trump", "saying")


def test_colon_after_a_reporting_outlet_carries_to_the_next_paragraph():
    body = (
        "The New York Times reports:\n\n"
        '"Just 24 percent of the contributors to the campaign so far have given $200 or less."'
    )
    assert find(body, "contributors").speaker == "New York Times"


def test_paragraph_opened_with_a_closing_mark_is_a_quote():
    body = "Letters.\n\n”Fear. I am truly afraid of what comes next.” ― Edwin G. Monroy"
    assert find(body, "afraid").speaker == "Edwin G. Monroy"


# --- short fragments: speech or scare quote ------------------------------------------------------


def test_short_fragment_called_by_a_named_speaker_is_speech():
    body = "At a fundraiser in New York, Clinton called half of his supporters “deplorables.”"
    q = find(body, "deplorables")
    assert (q.speaker, q.kind) == ("Clinton", "partial")


def test_short_fragment_after_a_reporting_verb_is_speech():
    body = "Trump said the election system is “rigged” against him."
    assert find(body, "rigged").speaker == "Trump"


def test_short_fragment_without_attribution_is_a_scare_quote():
    assert quotes_of("The so-called “reset” with Moscow has long been over.") == ()


def test_term_listed_with_a_scare_quote_is_a_scare_quote():
    body = "Putin announced the aim of “demilitarizing” and “denazifying” Ukraine."
    assert quotes_of(body) == ()


def test_short_fragment_after_a_characterising_verb_goes_to_its_subject():
    body = "President Anna Novak condemned the launch as “reckless” on Friday."
    q = find(body, "reckless")
    assert (q.speaker, q.cue, q.kind) == ("Anna Novak", "condemned", "partial")


def test_pronoun_before_a_characterising_verb_is_the_named_subject():
    body = (
        "“We are ready,” Omar Diaz said.\n\n"
        "Secretary General Lena Berg condemned what she called a “brazen breach” of the rules."
    )
    assert find(body, "brazen").speaker == "Lena Berg"


def test_short_fragment_after_a_reporting_noun_is_speech():
    body = "“Wages are up,” Tom Hale said. His claim that wages were “rising fast” was wrong."
    assert find(body, "rising fast").speaker == "Tom Hale"


def test_short_quote_that_is_a_sentence_of_its_own_is_speech():
    # Also needs the writer's "The crowd cheered." to end before a quote that opens with a
    # capital (quoted words are masked when sentences are found).
    body = "“We won,” Kowal said.\n\nThe crowd cheered. “Really won.”"
    assert find(body, "Really").speaker == "Kowal"


def test_short_quote_in_a_headline_is_a_scare_quote():
    assert quotes_of("Senator Calls Rival “A Disgrace” Over Remarks\n\nText.") == ()


def test_capitalised_name_after_a_preposition_stays_a_scare_quote():
    assert quotes_of("Kowal said she wrote to “Daily Post” editors on Monday.") == ()


def test_short_fragment_after_as_a_is_speech_when_the_sentence_has_a_speaker():
    body = "Sen. Ann Lee has been pounding the mayor as a “con artist” all week."
    assert find(body, "con artist").speaker == "Ann Lee"


def test_short_fragment_after_as_a_without_a_speaker_stays_a_scare_quote():
    assert quotes_of("The tax was sold as a “fair share” in 2019.") == ()


def test_short_fragment_after_a_participle_of_saying_is_speech():
    body = "Mayor Tom Reed went door to door, urging voters to “stay home” on Sunday."
    assert find(body, "stay home").speaker == "Tom Reed"


# --- speakers across sentences --------------------------------------------------------------------


def test_inverted_cue_with_an_age_before_the_speaker():
    q = find("“We need more nurses,” said 45-year-old lawyer Ann Lee.", "nurses")
    assert (q.speaker, q.cue) == ("Ann Lee", "said")


def test_pronoun_after_a_quote_is_the_subject_that_led_into_it():
    body = (
        "“The bill is dead,” Tom Reed said.\n\n"
        "Sen. Ann Lee scolded him: “You have not read it,” she said."
    )
    assert find(body, "not read").speaker == "Ann Lee"


def test_pronoun_after_a_quote_keeps_the_latest_speaker_when_gender_disagrees():
    body = "“The bill is dead,” Ann Lee said.\n\nTom Reed answered her: “It is not,” she said."
    assert find(body, "It is not").speaker == "Ann Lee"


def test_quote_going_on_after_an_unnamed_speaker_stays_unnamed():
    body = (
        "Mayor Tom Reed said schools matter.\n\n"
        "“Our schools work,” the letter reads. “Our children thrive there.”"
    )
    q = find(body, "thrive")
    assert (q.speaker, q.cue) == (None, "reads")


def test_quote_going_on_after_a_cue_carries_that_cue():
    q = find("“We won,” Kowal said. “We really won tonight.”", "really")
    assert (q.speaker, q.cue) == ("Kowal", "said")


def test_capitalised_modifier_before_a_first_name_is_not_part_of_the_name():
    body = "Rival Mary Ruiz said the plan was “a total failure of nerve”."
    assert find(body, "failure").speaker == "Mary Ruiz"


def test_according_to_a_role_with_lower_case_modifiers():
    body = "According to veteran radio host Tom Reed, the plan smacks of “panic” and fear."
    q = find(body, "panic")
    assert (q.speaker, q.cue) == ("Tom Reed", "According to")


def test_name_opening_the_sentence_is_its_subject_not_a_place_after_a_comma():
    body = "Ann Lee spoke in Austin, Texas, arguing the delays were “intolerable.”"
    q = find(body, "intolerable")
    assert (q.speaker, q.cue) == ("Ann Lee", "arguing")


def test_quantifier_opening_a_sentence_is_not_a_name():
    body = "Another critic, Tom Reed, likened the plan to “burning the house down.”"
    assert find(body, "burning").speaker == "Tom Reed"


def test_person_of_an_organisation_is_the_person():
    q = find("“It was the least bad outcome,” Mr. Morgan of the Green Trust said.", "least")
    assert q.speaker == "Mr. Morgan"


def test_organisation_named_with_of_stays_the_organisation():
    q = find("“No,” the Federation of Teachers said.", "No")
    assert q.speaker == "Federation of Teachers"


def test_particle_is_part_of_the_name():
    q = find("“We see no link,” Mayor Ana de Souza said.", "no link")
    assert q.speaker == "Ana de Souza"


def test_role_noun_refers_to_a_name_with_a_particle():
    body = "Mayor Ana de Souza spoke on Sunday.\n\n“We see no link,” the mayor said."
    assert find(body, "no link").speaker == "Ana de Souza"


def test_possessive_apposition_between_name_and_cue():
    body = "Tom Reed (D), Lee's rival in the race, said it “breaks down barriers and walls.”"
    assert find(body, "barriers").speaker == "Tom Reed"


def test_short_line_with_a_lower_case_cue_is_not_a_headline():
    q = find("“No,” Jane Smith of Acme Corp said.", "No")
    assert (q.speaker, q.cue) == ("Jane Smith", "said")


def test_subject_before_an_apposition_speaks_with_a_participle():
    body = "Reed, a former party chairman and candidate, mocked him, tweeting, “Not again.”"
    assert find(body, "Not again").speaker == "Reed"


# --- quoted text that is not speech --------------------------------------------------------------


def test_interview_transcript_turns_are_not_quotes():
    body = (
        "Partial transcript as follows:\n\n"
        '"WALLACE: Will Gennifer Flowers be there tomorrow night at the debate?\n\n'
        '"PENCE: Gennifer Flowers will not be attending the debate tomorrow night.'
    )
    assert quotes_of(body) == ()


def test_show_titles_after_a_possessive_are_not_quotes():
    body = "Sanders told MSNBC’s “Morning Joe” that nobody would question it."
    assert quotes_of(body) == ()


def test_markup_attribute_values_are_not_quotes():
    body = 'Sanders said it <blockquote tweet-date="that in an apples-to-apples comparison">.'
    assert quotes_of(body) == ()


def test_hostile_markup_in_a_quote_is_kept_verbatim():
    body = '"<script>alert(1)</script> is not a plan," Peskov said.'
    (q,) = quotes_of(body)
    assert q.text == "<script>alert(1)</script> is not a plan,"
    assert q.speaker == "Peskov"


# --- a newcomer before "he/she said" ----------------------------------------------------------


def test_she_said_is_the_subject_brought_on_after_the_last_speaker():
    body = (
        "“We will win the county,” Lee Baker said.\n\n"
        "Kim Roe doubts it. “They are far behind,” she said."
    )
    assert find(body, "far behind").speaker == "Kim Roe"


def test_he_said_is_someone_introduced_in_apposition_after_the_last_speaker():
    body = (
        "“We will win the county,” Lee Baker said.\n\n"
        "The turnout worries Dana Cole, president of the county party.\n\n"
        "“Nobody is knocking on doors,” he said."
    )
    assert find(body, "knocking").speaker == "Dana Cole"


def test_a_subject_named_by_surname_only_is_a_newcomer_when_already_known():
    body = (
        "“It is a fraud,” Lee Baker said. Mr. Obama answered in April.\n\n"
        "“We will see,” Lee Baker said.\n\n"
        "Ultimately, Mr. Obama dismissed the criticism. “I know Lee,” he said."
    )
    assert find(body, "I know Lee").speaker == "Mr. Obama"


def test_a_newcomer_of_the_wrong_gender_is_passed_over():
    body = (
        "“We will win the county,” Tom Baker said.\n\n"
        "Jane Roe doubts it. “I am sure of it,” he said."
    )
    assert find(body, "sure of it").speaker == "Tom Baker"


def test_a_relative_s_first_name_does_not_give_a_newcomer_her_gender():
    body = (
        "Police shot Keith Ward on Monday, Sgt. Lee Baker said.\n\n"
        "Dale Ward can be heard yelling to the officers that her husband was unarmed.\n\n"
        "“Don't shoot him,” she says."
    )
    assert find(body, "shoot him").speaker == "Dale Ward"


def test_an_organisation_is_not_a_he():
    body = (
        "The United Nations Security Council called it “a clear threat to peace.”\n\n"
        "President Obama condemned the test. He said the allies will act “to show there are "
        "consequences.”"
    )
    assert find(body, "consequences").speaker == "Obama"


def test_an_acronym_in_a_name_makes_an_organisation():
    body = "NBC News first published the video on Friday.\n\n“Don't shoot him,” she says."
    assert find(body, "shoot him").speaker is None


def test_a_name_before_saying_speaks_the_quote_that_follows():
    body = (
        "The spot ends with footage of Lee Baker saying at the debate, “That makes me smart,” "
        "while the crowd cheers."
    )
    q = find(body, "smart")
    assert (q.speaker, q.cue) == ("Lee Baker", "saying")


def test_a_name_before_asking_beats_an_earlier_cue_of_its_sentence():
    body = "The ad, the campaign says, uses footage of Kim Roe asking, “Why am I not ahead?”"
    assert find(body, "ahead").speaker == "Kim Roe"


# --- excerpts, sentence openings --------------------------------------------------------------


def test_a_straight_mark_opening_an_excerpt_line_is_not_a_quote():
    body = (
        "The Gazette reports:\n\n"
        '"Jo Ann Miles had been in hospital after what she called a “rant,” the nurse said.\n\n'
        "The hearing went on."
    )
    (q,) = quotes_of(body)
    assert q.text == "rant,"
    assert body[q.start : q.end] == q.text


def test_a_straight_mark_that_closes_on_its_line_is_still_a_quote():
    body = 'Reporters asked.\n\n"It comes across as “too loud,” I was told," Kim Roe said.'
    (q,) = quotes_of(body)
    assert q.text.startswith("It comes across") and q.speaker == "Kim Roe"


def test_a_transcript_turn_opened_by_a_straight_mark_stays_speech():
    body = (
        "“Shark Tank” came up.\n\n"
        '"HOST: Will she be there?\n\n'
        '"GUEST: No.\n\n'
        '"But the truth is that the campaign has a unique way of talking to people.'
    )
    assert any(q.text.startswith("But the truth") for q in quotes_of(body))


def test_an_excerpt_line_names_the_next_speaker():
    body = (
        "Lee Baker, a reporter, wrote about her.\n\n"
        '"She had been in hospital after what she called a “rant.”\n\n'
        '"Ann thought the whole thing was outrageous. She was anxious, sure.\n\n'
        "“It never crossed my mind,” she said."
    )
    assert find(body, "crossed").speaker == "Ann"


def test_a_straight_mark_opening_a_line_is_a_quote_where_no_excerpt_holds_curly_quotes():
    body = (
        "The Gazette reports:\n\n"
        '"Just 24 percent of the contributors to Mrs. Lee’s campaign have given $200 or less.\n\n'
        "“We are proud of them,” Ann Lee said."
    )
    assert find(body, "24 percent").speaker == "Gazette"


def test_a_single_name_is_she_when_the_next_sentence_says_so():
    body = (
        "“We will see,” Mrs. Baker said.\n\n"
        "Ines thought the plan was outrageous. She had warned them.\n\n"
        "“It never crossed my mind,” she said."
    )
    assert find(body, "crossed").speaker == "Ines"


def test_initials_such_as_u_s_do_not_open_a_sentence():
    body = (
        "“It is over,” Ann Lee said, pointing to the idea that U.S. Supreme Court Justice "
        "Pat Reed may have been wrong.\n\n"
        "“Here it comes,” she said."
    )
    assert find(body, "Here it comes").speaker == "Ann Lee"


def test_a_participle_after_a_blanked_excerpt_mark_finds_the_subject():
    body = (
        "“Go on,” Ann Lee said.\n\n"
        '"Tom Reed walked onto the stage, chanting “We will win! We will win!”'
    )
    assert find(body, "We will win").speaker == "Tom Reed"


# --- unnamed speakers -------------------------------------------------------------------------


def test_one_questioner_is_an_unnamed_speaker_not_the_last_named_one():
    body = (
        "Ann Lee says the army has changed.\n\n"
        "At a forum on Monday, one questioner claimed that the “forces of correctness” were "
        "hurting the army."
    )
    assert find(body, "forces").speaker is None


def test_said_one_source_is_an_unnamed_speaker():
    body = (
        "“It is partisan,” Ann Lee said.\n\n"
        "“They are in a frenzy with no plan at all,” said one Democratic source on the panel."
    )
    assert find(body, "frenzy").speaker is None


def test_claims_after_an_adjective_is_a_noun_not_a_cue():
    body = "FactCheck rated 32% of Republican claims as “false” or “pants on fire,” it said."
    assert find(body, "false").speaker == "FactCheck"


def test_a_party_tag_in_commas_after_the_subject_keeps_it_the_subject():
    body = (
        "“We will win,” Senate leader Tom Reed, R-Ky., said Tuesday.\n\n"
        "House Speaker Ann Lee, R-Wis., despite admitting her doubts about “trial lawyers,” "
        "the victims “need their day in court.”"
    )
    assert find(body, "day in court").speaker == "Ann Lee"


# --- nesting and signatures -------------------------------------------------------------------


def test_a_curly_quote_nested_in_a_curly_quote_stays_inside_it():
    body = "“I’d rather live in what he calls “hell” than live with him.” ― Ana Ruiz"
    (q,) = quotes_of(body)
    assert q.text == "I’d rather live in what he calls “hell” than live with him."
    assert q.speaker == "Ana Ruiz"


def test_a_second_opening_mark_with_one_closer_is_still_a_typo():
    body = "“It never closes, she said. “Then this one does,” Ann Lee said."
    qs = quotes_of(body)
    assert [q.text for q in qs][-1] == "Then this one does,"


def test_a_signature_at_the_end_of_a_line_signs_each_of_its_quotes():
    body = (
        "“We are done.” ― Tom Reed\n"
        "“He is a bully.” And that is all he has, “the root of all evil.” ― Ana Ruiz\n"
    )
    assert find(body, "bully").speaker == "Ana Ruiz"
    assert find(body, "root of all").speaker == "Ana Ruiz"


# --- pronouns after the writer's own report ---------------------------------------------------


def test_a_he_said_after_someone_agreed_is_that_someone():
    body = (
        "“She has no plan,” Bill Stone said.\n\n"
        "Roe largely agreed with Stone and seemed to think the outreach was phony.\n\n"
        "“A lot of it comes across as pandering,” he said."
    )
    assert find(body, "pandering").speaker == "Roe"


def test_a_name_at_an_organisation_before_a_cue_is_the_speaker():
    body = (
        "“It went well,” Chris Stone concluded.\n\n"
        "Dan Roe at the National Review agreed with Stone about the winner.\n\n"
        "“He succeeded with flying colors,” he wrote."
    )
    assert find(body, "flying colors").speaker == "Dan Roe"


def test_a_subject_with_a_long_title_is_found():
    body = (
        "Retired U.S. Air Force Gen. Norman Roe is speaking out about why he believes the "
        "plan is wrong.\n\n"
        "“It was demoralizing,” he told the host."
    )
    assert find(body, "demoralizing").speaker == "Norman Roe"


# --- quotes listed with "and" -----------------------------------------------------------------


def test_quotes_listed_after_one_cue_share_its_speaker():
    body = (
        "As Tom Reed went on about “how the system is rigged,” and “wounded families” and "
        "“our struggling citizens,” Ann Lee said yes, over and over."
    )
    assert find(body, "struggling").speaker == "Tom Reed"


def test_a_short_term_listed_with_a_kept_quote_is_kept():
    body = "Reed has gone after Lee as a “human leech who will bleed the country” and a “brat.”"
    assert [q.text for q in quotes_of(body)][-1] == "brat."


def test_a_quote_in_the_next_paragraph_is_not_listed_with_the_one_before():
    body = "Tom Reed walked on, chanting “We win! We win!”\n\n“That’s right,” Ann Lee said to him."
    assert find(body, "right").speaker == "Ann Lee"


def test_a_possessors_claim_that_names_the_speaker():
    body = (
        "After the debate FactCheck did a check on Ann Lee’s claim that there have been "
        "“thousands of shootings” in the city."
    )
    assert find(body, "thousands").speaker == "Ann Lee"


def test_a_possessors_statement_judged_later_is_not_their_quote():
    body = "FactCheck ruled that Ann Lee’s statement was “true.”"
    assert find(body, "true").speaker != "Ann Lee"


def test_a_bare_role_in_apposition_keeps_the_name_the_subject():
    body = (
        "“He is working the referees,” Tom Reed said.\n\n"
        "Jo-Anne Roe, political science professor at Acme University, described his approach "
        "as lowering expectations.\n\n"
        "“If he is asked questions he cannot answer, he deflects them,” she said."
    )
    assert find(body, "deflects").speaker == "Jo-Anne Roe"


def test_she_is_a_woman_named_after_a_speaker_of_unknown_gender():
    body = (
        "The losses would outstrip the gains, said Kim Batch.\n\n"
        "It has become an issue, with Hillary Stone — who wants higher taxes — lambasting "
        "the plan.\n\n"
        "“It would be trickle-down economics all over again,” she said."
    )
    assert find(body, "trickle-down").speaker == "Hillary Stone"


def test_she_stays_a_speaker_of_known_gender_over_a_woman_named_after():
    body = (
        "The losses would outstrip the gains, said Ann Batch.\n\n"
        "It has become an issue, with Hillary Stone lambasting the plan.\n\n"
        "“It would be trickle-down economics all over again,” she said."
    )
    assert find(body, "trickle-down").speaker == "Ann Batch"


def test_a_show_named_before_the_subject_is_not_the_subject():
    body = (
        "“We are safe,” Tom Reed said.\n\n"
        "On The Morning Show on Tuesday, Kim Lee criticized officer Betty Shell for a shooting."
        "\n\n“How many times do we have to see this?” she said."
    )
    assert find(body, "How many").speaker == "Kim Lee"


def test_said_mrs_name_after_a_comma_is_the_whole_name():
    body = "The losses would outstrip the gains, said Mrs. Batch.\n\n“It is bad,” she said."
    assert find(body, "bad").speaker == "Mrs. Batch"


# --- a quote introduced by the writer's sentence before it ------------------------------------


def test_a_quote_after_a_sentence_characterising_someone_is_theirs():
    body = (
        "Lenox was a juggernaut, Mr. Clark said.\n\n"
        "His former partner, Lawrence B. Cole, called him a master at deals. "
        "“He showed again and again an ability to close deals.”"
    )
    assert find(body, "again and again").speaker == "Lawrence B. Cole"


def test_a_quote_after_a_plain_sentence_carries_the_last_speaker_over():
    body = (
        "“We will rebuild,” Mr. Clark said.\n\n"
        "Tom Reed won the state in 2016. “It is a fine place to work.”"
    )
    assert find(body, "fine place").speaker == "Mr. Clark"


def test_a_paragraph_ending_in_a_colon_introduces_the_quote_after_it():
    body = (
        "Bernie Stone and Ann Lee spoke about jobs, FactCheck said.\n\n"
        "On July 6, 2015, Stone made the following comment:\n\n"
        "“For young people the unemployment rate is 33 percent.”"
    )
    assert find(body, "young people").speaker == "Stone"


def test_a_lone_capitalised_word_before_a_colon_is_no_speaker():
    body = "“It was a joke,” Tom Reed said.\n\nPartial transcript as follows:\n\n“We are here.”"
    assert find(body, "We are here").speaker == "Tom Reed"


# --- short quotes kept as speech --------------------------------------------------------------


def test_as_someone_put_it_attributes_a_short_quote():
    body = "Critics see him, as The Daily Planet put it in a long piece, as “the operator.”"
    q = find(body, "operator")
    assert (q.speaker, q.cue) == ("Daily Planet", "put it")


def test_compared_reports_words_so_short_quotes_after_it_are_kept():
    body = (
        "Ann Lee, the director of debate at Acme, compared him to a coach who is "
        "“working the referees” in hopes that “they’ll go easier” on him."
    )
    assert find(body, "referees").speaker == "Ann Lee"
    assert find(body, "go easier").speaker == "Ann Lee"


def test_an_exclaimed_name_is_a_chant_not_a_title():
    body = "The governor was greeted with chants of “Bobby!” at a labor conference, Ann Lee said."
    assert [q.text for q in quotes_of(body)] == ["Bobby!"]


def test_a_capitalised_term_after_of_stays_a_title():
    body = "The governor spoke at a meeting of “Women in Power” last week."
    assert quotes_of(body) == ()


def test_a_paragraph_opened_by_a_closing_mark_and_an_ellipsis_is_a_quote():
    body = (
        "Lee said the words “lump” them together.\n\n” … what I learned is that it hurts,” he said."
    )
    assert find(body, "what I learned").speaker == "Lee"


def test_stressing_reports_words_so_a_short_quote_after_it_is_kept():
    body = "Ann Lee is stressing the need to bolster defenses under “constant attack” from abroad."
    assert find(body, "constant attack").speaker == "Ann Lee"


def test_a_term_listed_after_and_an_adjective_shares_the_speaker():
    body = (
        "Tom Reed, despite admitting his concerns about “trial lawyers trying to get rich” "
        "and general “legal matters” that could be worrisome, backs the bill."
    )
    assert [q.text for q in quotes_of(body)][-1] == "legal matters"


# --- the sentence's subject over a cue inside it ----------------------------------------------


def test_a_long_leading_phrase_then_the_subject():
    body = (
        "With party leaders increasingly worried about a lack of passion for the nominee "
        "among young voters in the state, President Tom Reed is rolling out a new and more "
        "personal message: “It’s about me.”"
    )
    assert find(body, "about me").speaker == "Tom Reed"


def test_she_in_a_clause_after_the_named_subject_is_the_subject():
    body = (
        "“They are phony,” Kim Wines said.\n\n"
        "Ann Lee told the debate audience that she believes we must go on, saying that "
        "“race still determines too much” in America."
    )
    assert find(body, "race still").speaker == "Ann Lee"


def test_she_after_another_name_in_the_clause_is_not_the_subject():
    body = (
        "“They are phony,” Kim Wines said.\n\n"
        "Tom Reed said Ann Lee lies when she says that “race still determines too much.”"
    )
    assert find(body, "race still").speaker != "Tom Reed"


def test_a_participle_after_a_comma_goes_back_to_the_subject_past_a_relative_cue():
    body = (
        "Tom Reed was defensive about not paying an architect who said he was stiffed after "
        "he built a clubhouse, saying, “Maybe he didn’t do a good job.”"
    )
    assert find(body, "good job").speaker == "Tom Reed"


def test_no_carry_over_across_a_section_break():
    body = (
        "Tom Reed says of Lee, “She will sell the office.”\n\n"
        "___.\n\n"
        "5:45 p.m.\n\n"
        "Candidate Kim Roe’s doctor is calling the candidate “extremely physically fit.”"
    )
    assert find(body, "physically fit").speaker is None


def test_carry_over_within_a_section():
    body = (
        "Tom Reed says of Lee, “She will sell the office.”\n\n"
        "Reed has faced questions.\n\n"
        "“It is all lies and more lies from them.”"
    )
    assert find(body, "lies").speaker == "Tom Reed"


def test_a_possessors_document_is_an_unnamed_speaker():
    body = (
        "“The court is aware of the reports,” Judge Tom Nervo wrote.\n\n"
        "However, Ivana Roe's brief said that was not her view and dismissed those reports as "
        "“previous misinterpreted statements.”"
    )
    assert find(body, "misinterpreted").speaker is None


def test_a_conjunction_before_a_cue_is_no_speaker_phrase():
    body = (
        "Kim Roe, the nominee, bemoaned the unrest in the city and said he thought drugs were "
        "a “very big factor” in it."
    )
    assert find(body, "very big factor").speaker == "Kim Roe"


def test_a_title_after_of_or_in_is_not_speech():
    body = (
        "On Tuesday’s episode of “The Steve Morning Show,” Ann Lee said she wanted to speak. "
        "Tom Reed is taking part in “Barack Obama Election Day,” a day of action."
    )
    assert quotes_of(body) == ()


def test_an_unnamed_subject_speaks_for_no_one_by_name():
    body = (
        "“The videos show nothing,” Bamberg said.\n\n"
        "Scott's family has called on police to release the videos “as a matter of the "
        "greater good.”\n\n"
        "In August, several environmental groups granted Mr. Clark an extension, saying his "
        "“capital was less than expected.”"
    )
    assert find(body, "greater good").speaker is None
    assert find(body, "capital was").speaker is None


def test_a_named_possessor_subject_is_not_unnamed():
    body = "“It is over,” Ann Lee said.\n\nReed's lawyer, Kim Roe, has called it “a sham.”"
    assert find(body, "sham").speaker == "Kim Roe"


def test_a_possessors_claim_as_subject_is_still_the_possessors_words():
    body = "“Wages are up,” Tom Hale said.\n\nHale's claim that wages were “rising fast” was wrong."
    assert find(body, "rising fast").speaker == "Tom Hale"
