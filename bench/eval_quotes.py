"""Evaluate quote extraction and speaker attribution against PolNeAR dev gold attributions.

Run: .venv/bin/python bench/eval_quotes.py [--data /work/shared/data/quotes-dev] [--show N]

extract_quotes runs on each raw text file as it is (PolNeAR offsets refer to the raw text).

Gold quotes. PolNeAR Content spans include indirect speech; a gold quote is a *quoted segment
of a Content span*: in each fragment of a Content span (widened by one character on each side,
so quote marks just outside the span count), double quote marks (“ ” or ") are paired; each
pair gives one gold quote, the text between the marks with surrounding spaces removed. A mark
left open in the fragment runs to the fragment's end; a closing mark with no opener starts at
the fragment's start. Gold quotes of the same source phrase with no quote mark and no line
break between them are one quotation the annotators split into several Content spans, and
are joined into one gold quote. Quoted text outside any Content span (scare quotes, titles, or speech the
annotators missed) is not gold, so predicting it costs precision. Single marks are not gold.

Matching. A predicted quote and a gold quote match when their character overlap covers at
least half of each (overlap >= 0.5 * len(predicted) and >= 0.5 * len(gold)). Matching is
one-to-one, greedy by overlap. Recall = matched gold / gold; precision = matched predicted /
predicted (every quote extract_quotes returns, direct and partial).

Speaker accuracy, over matched quotes. The gold speaker is the head name of the gold Source
phrase: parenthesised text ("(D-S.C.)") is removed, the phrase is cut at its first comma,
" who " or " which ", and the head name is its last run of capitalised words (a leading
"The"/"A" dropped, and a leading word that opens sentences but names no one, "Another",
"Only", "Many"; leading titles such as "President", "Sen.", "Chief" dropped up to the last of
them: "South Korean President Park Geun-hye" -> "Park Geun-hye"; "X of Y" and "X at Y" cut to X
when X is a name, "Charles B. Rangel of New York", "Dan McLaughlin at the National Review"; a
possessor before the name dropped, "NBC’s Dante Chinni" -> "Dante Chinni"). There is no head
name when the run modifies a common noun that follows it ("the Vermont senator", "The
Republican nominee", "Clinton aides"), when it is the complement of a common noun ("His former
business partner at Lenox"), or for a possessive run followed by more words ("Clinton’s
campaign"); then a name in apposition after the first comma is the head ("Another critic,
Laurence H. Tribe,"). A pronoun source (he, she, I, we, they, him, her) takes the head name of
the nearest earlier gold Source (by position in the text, any Source span of the file, also of
attributions with no quoted text) that has one and whose gender (articles.text.speakers.
name_gender of the head part of its phrases, before any comma or "who"; a surname has the
gender of the same person's fuller names in the file, "Stumpf" that of "John Stumpf") does
not contradict the pronoun ("she" is not "Mr. Obama"), after that source's own pronoun
resolution; "he" and "she" never stand for an organisation ("NBC News", "the White House").
A source phrase that is a cue verb the annotators marked as the source ("said") or a
relative pronoun ("who", "which", "that") names no one the judge can find: not judged. Then:
- gold head name found: correct iff the predicted speaker is the same person
  (articles.text.speakers.same_person: same surname, first names not contradicting);
- gold source with no name ("a source", "officials"): correct iff the predicted speaker is None
  (not naming anyone is right; naming the wrong person is not);
- no gold source (Attribution-no-source) or a pronoun with no earlier named source: not judged,
  counted apart.
"""

import argparse
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from articles.text.quotes import extract_quotes  # noqa: E402
from articles.text.speakers import name_gender, same_person  # noqa: E402

DEFAULT_DATA = Path("/work/shared/data/quotes-dev")
PRONOUNS = {"he", "she", "i", "we", "they", "him", "her", "it"}
# "she" is never the antecedent named "Mr. Obama" or "Donald Trump", nor "he" "Hillary Clinton".
PRONOUN_GENDER = {"he": "m", "him": "m", "she": "f", "her": "f"}
# Offices and titles written before a name ("German Chancellor Angela Merkel", "Rep. Jim
# Clyburn"): part of the capitalised run but not of the name.
TITLES = frozenset(
    "president chancellor secretary minister prime gov gov. governor sen sen. senator rep rep. "
    "representative chief mayor speaker leader chairman chairwoman spokeswoman spokesman "
    "spokesperson attorney general judge rev rev. host director commissioner ambassador "
    "secretary-general state press lt lt. gen gen. del del. sens. reps.".split()
)
# Words that open a sentence, and so a source phrase, with a capital but never name anyone.
NOT_NAMES = frozenset(
    "another other others only few many most some several all both each every no one this "
    "these those that my our his her its their".split()
)
PREPOSITIONS = frozenset("of at in on for from with to".split())
HEAD_CUT = r",| who | which | that "  # where a source phrase's head part ends
# Source phrases that name no one and stand for no earlier source: a cue verb the
# annotators marked as the source ("said"), a relative pronoun whose antecedent is a phrase
# of the writer's text, not a source ("McConnell, now the majority leader, who in 2010 said").
UNRESOLVED = frozenset("said says who which that".split())
# Last words of organisations' names: a "he"/"she" never stands for them.
ORGANISATION_HEADS = frozenset(
    "news house council committee department ministry agency association party union "
    "foundation institute university college court congress senate administration company "
    "corporation bank group network times post journal tribune press service office board "
    "center centre caucus coalition alliance league federation organization organisation "
    "police army navy government campaign magazine".split()
)
CAPITAL_RUN = re.compile(r"(?:[A-Z][\w’'.\-]*)(?:\s+(?:[A-Z][\w’'.\-]*|de|van|von|al))*")


@dataclass
class GoldQuote:
    start: int
    end: int
    source: str | None  # source phrase text, None when the attribution has no source
    source_pos: int
    relation: str


def parse_ann(text: str, ann: str) -> list[GoldQuote]:
    spans: dict[str, tuple[str, list[tuple[int, int]], str]] = {}
    relations = []
    for line in ann.splitlines():
        if line.startswith("T"):
            tid, info, surface = line.split("\t", 2)
            kind, _, ranges = info.partition(" ")
            frags = [tuple(map(int, r.split())) for r in ranges.split(";")]
            spans[tid] = (kind, frags, surface)
        elif line.startswith("E"):
            eid, args = line.split("\t", 1)
            roles = dict(a.split(":", 1) for a in args.split())
            relations.append((eid, roles))
    gold = []
    for eid, roles in relations:
        content = roles.get("Content")
        if content not in spans:
            continue
        source = spans.get(roles.get("Source", ""))
        source_text = " ".join(source[2].split()) if source else None
        source_pos = source[1][0][0] if source else spans[content][1][0][0]
        for a, b in spans[content][1]:
            for s, e in quoted_segments(text, max(a - 1, 0), min(b + 1, len(text))):
                gold.append(GoldQuote(s, e, source_text, source_pos, eid))
    return gold


def merge_split(text: str, gold: list[GoldQuote]) -> list[GoldQuote]:
    """One pair of quote marks is one gold quote. Annotators sometimes split one quotation
    into several Content spans of the same source ("“Donald Trump is a disgusting fraud.
    By any definition, … He would not have done that to a John McCain …”"): the pieces
    that lie between the same marks (no quote mark between them) and have the same source
    are joined, so a prediction of the whole quotation is not counted as missing them."""
    merged: list[GoldQuote] = []
    for g in sorted(gold, key=lambda g: (g.start, g.end)):
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.source is not None
            and g.source == last.source
            and last.end <= g.start
            and not QUOTE_MARKS.search(text, last.end, g.start)
            and "\n" not in text[last.end : g.start]
        ):
            merged[-1] = GoldQuote(last.start, g.end, last.source, last.source_pos, last.relation)
        else:
            merged.append(g)
    return merged


QUOTE_MARKS = re.compile(r"[“”\"]")


def all_sources(ann: str) -> list[tuple[int, str]]:
    """(position, text) of every gold Source span, whether or not its content is quoted."""
    sources = []
    for line in ann.splitlines():
        if line.startswith("T"):
            tid, info, surface = line.split("\t", 2)
            kind, _, ranges = info.partition(" ")
            if kind == "Source":
                sources.append((int(ranges.split()[0]), " ".join(surface.split())))
    return sources


def quoted_segments(text: str, a: int, b: int) -> list[tuple[int, int]]:
    segments, open_at = [], None
    for i in range(a, b):
        ch = text[i]
        if ch == "“" or (ch == '"' and open_at is None):
            if open_at is None:
                open_at = i
        elif ch == "”" or ch == '"':
            start = open_at + 1 if open_at is not None else a
            segments.append((start, i))
            open_at = None
    if open_at is not None:
        segments.append((open_at + 1, b))
    stripped = []
    for s, e in segments:
        while s < e and not text[s].strip():
            s += 1
        while e > s and not text[e - 1].strip():
            e -= 1
        if e > s and any(c.isalnum() for c in text[s:e]):
            stripped.append((s, e))
    return stripped


def head_name(phrase: str) -> str | None:
    phrase = re.sub(r"\s*\([^)]*\)", "", phrase)  # "Rep. Jim Clyburn (D-S.C.)"
    parts = re.split(HEAD_CUT, phrase)
    name = _head_of(parts[0])
    if name is None and len(parts) > 1:
        # "Another critic, Laurence H. Tribe,": a name in apposition after a common noun
        apposed = parts[1].strip()
        run = CAPITAL_RUN.fullmatch(apposed)
        if run is not None:
            name = _head_of(apposed)
    return name


def _head_of(cut: str) -> str | None:
    # "Representative Charles B. Rangel of New York", "Mr. Morgan of the Sierra Club",
    # "Dan McLaughlin at the National Review": the head is the name before "of"/"at" (but
    # not in "Secretary of State John F. Kerry").
    m = re.search(r"([\w.’'\-]+) (of|at) ", cut)
    if (
        m
        and m.group(1)[:1].isupper()
        and m.group(1).casefold() not in TITLES
        and (m.group(2) == "of" or m.start() > 0)  # not "Officials at …"
    ):
        cut = cut[: m.start() + len(m.group(1))]
    runs = list(CAPITAL_RUN.finditer(cut))
    if not runs:
        return None
    last = runs[-1]
    rest = cut[last.end() :].split()
    if rest and rest[0][:1].islower():
        # "the Vermont senator", "The Republican nominee", "a Homeland Security memo": the
        # capitalised words modify a common noun, which is the head
        return None
    before = cut[: last.start()].split()
    if len(before) >= 2 and before[-1] in PREPOSITIONS and before[-2][:1].islower():
        return None  # "His former business partner at Lenox": a complement, not the head
    words = last.group().split()
    if words and words[0] in ("The", "A", "An") and last.start() == 0:
        words = words[1:]
    if words and words[0].casefold() in NOT_NAMES:
        words = words[1:]  # "Another", "Only", "Other": capitalised as a sentence opens
    titles = [k for k, w in enumerate(words[:-1]) if w.casefold() in TITLES]
    if titles:  # "South Korean President Park Geun-hye": the name follows the last title
        words = words[titles[-1] + 1 :]
    possessors = [k for k, w in enumerate(words[:-1]) if w.endswith(("’s", "'s"))]
    if possessors:  # "NBC’s Dante Chinni": the name follows the possessor
        words = words[possessors[-1] + 1 :]
    if not words:
        return None
    if words[-1].endswith(("’s", "'s")) and cut[last.end() :].strip():
        return None
    return " ".join(words).removesuffix("’s").removesuffix("'s")


def resolve_gold_speakers(
    gold: list[GoldQuote], sources: list[tuple[int, str]] = ()
) -> dict[int, str | None | bool]:
    """id(gold quote) -> head name, None (unnamed source), or False (not judged).
    `sources` are all gold Source spans: a pronoun's antecedent may be the source of an
    attribution with no quoted text ("Mr. Obama said in his interview. … “…,” he said")."""
    by_position = sorted({(g.source_pos, g.source) for g in gold if g.source} | set(sources))
    named_before: list[tuple[int, str]] = []
    resolved_phrase: dict[tuple[int, str], str | None | bool] = {}
    genders: dict[str, str] = {}  # head name -> 'm', 'f' or '' as its phrases tell

    def gender(name: str) -> str:
        # "Stumpf" is as male as "John Stumpf", named so earlier or later in the file
        return genders[name] or next(
            (g for n, g in genders.items() if g and same_person(n, name)), ""
        )

    for pos, phrase in by_position:
        if phrase.casefold() in UNRESOLVED:
            resolved_phrase[(pos, phrase)] = False
        elif phrase.casefold() in PRONOUNS:
            want = PRONOUN_GENDER.get(phrase.casefold(), "")
            earlier = [
                n
                for p, n in named_before
                if p < pos and gender(n) in ("", want) and not (want and is_organisation(n))
            ]
            resolved_phrase[(pos, phrase)] = earlier[-1] if earlier else False
        else:
            resolved_phrase[(pos, phrase)] = head_name(phrase)
        name = resolved_phrase[(pos, phrase)]
        if name:
            named_before.append((pos, name))
            # (the gender of the head part: "Don Fowler, who … her …" is not a "she")
            genders[name] = genders.get(name) or name_gender(re.split(HEAD_CUT, phrase)[0])
    result = {}
    for g in gold:
        result[id(g)] = False if g.source is None else resolved_phrase[(g.source_pos, g.source)]
    return result


def is_organisation(name: str) -> bool:
    """A head name that no "he" or "she" stands for: "NBC News", "White House"."""
    words = name.split()
    return words[-1].casefold() in ORGANISATION_HEADS or any(
        len(w) > 1 and w.isalpha() and w.isupper() for w in words
    )


def match(predicted, gold) -> list[tuple[object, GoldQuote]]:
    pairs = []
    for p in predicted:
        for g in gold:
            overlap = min(p.end, g.end) - max(p.start, g.start)
            if (
                overlap > 0
                and overlap >= 0.5 * (p.end - p.start)
                and overlap >= 0.5 * (g.end - g.start)
            ):
                pairs.append((overlap, p, g))
    pairs.sort(key=lambda t: -t[0])
    used_p, used_g, matched = set(), set(), []
    for _, p, g in pairs:
        if id(p) in used_p or id(g) in used_g:
            continue
        used_p.add(id(p))
        used_g.add(id(g))
        matched.append((p, g))
    return matched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show", type=int, default=0, help="print N examples of each error")
    args = parser.parse_args()
    texts = sorted((args.data / "text").glob("*.txt"))
    anns = {p.name.rsplit("_", 1)[0]: p for p in (args.data / "attributions").glob("*.ann")}
    n_gold = n_pred = n_match = 0
    judged = correct = unjudged = 0
    misses, false_pos, wrong_speaker = [], [], []
    bodies = []
    for path in texts:
        text = path.read_text(encoding="utf-8")
        bodies.append(text)
        ann = anns[path.stem].read_text(encoding="utf-8")
        gold = merge_split(text, parse_ann(text, ann))
        gold_speaker = resolve_gold_speakers(gold, all_sources(ann))
        predicted = extract_quotes(text).quotes
        matched = match(predicted, gold)
        n_gold += len(gold)
        n_pred += len(predicted)
        n_match += len(matched)
        hit_p = {id(p) for p, _ in matched}
        hit_g = {id(g) for _, g in matched}
        misses += [(path.stem, text[g.start : g.end]) for g in gold if id(g) not in hit_g]
        false_pos += [(path.stem, p.text) for p in predicted if id(p) not in hit_p]
        for p, g in matched:
            want = gold_speaker[id(g)]
            if want is False:
                unjudged += 1
                continue
            judged += 1
            ok = (
                p.speaker is None
                if want is None
                else bool(p.speaker) and same_person(p.speaker, want)
            )
            correct += ok
            if not ok:
                wrong_speaker.append((path.stem, p.text[:60], p.speaker, want, g.source))

    print(f"articles: {len(texts)}  gold quotes: {n_gold}  predicted: {n_pred}  matched: {n_match}")
    print(f"recall:    {n_match / max(n_gold, 1):.3f}")
    print(f"precision: {n_match / max(n_pred, 1):.3f}")
    print(
        f"speaker accuracy: {correct / max(judged, 1):.3f}  "
        f"({correct}/{judged} judged; {unjudged} matched quotes not judged: no gold source or none to resolve)"
    )
    if args.show:
        # Diagnostics only: the speaker errors by the kind of gold source and of prediction.
        kinds: dict[str, int] = {}
        for _, _, said, want, source in wrong_speaker:
            gold_kind = (
                "pronoun source"
                if source.casefold() in PRONOUNS
                else "unnamed source"
                if want is None
                else "named source"
            )
            kind = f"{gold_kind}, predicted {'no one' if said is None else 'a name'}"
            kinds[kind] = kinds.get(kind, 0) + 1
        for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
            print(f"speaker errors: {n:4d}  {kind}")
    for title, rows in (
        ("MISSED", misses),
        ("FALSE POSITIVE", false_pos),
        ("SPEAKER", wrong_speaker),
    ):
        for row in rows[: args.show]:
            print(title, row)

    # Speed: the importer's budget is well under 0.5 ms per 4 KB article.
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        for body in bodies:
            extract_quotes(body)
        times.append(time.perf_counter() - t0)
    kb = sum(len(b) for b in bodies) / 1024
    best = min(times)
    print(
        f"speed: {1000 * best / len(bodies):.3f} ms/article (mean {kb / len(bodies):.1f} KB), "
        f"{1000 * best / kb * 4:.3f} ms per 4 KB (best of 5; median run "
        f"{1000 * statistics.median(times) / kb * 4:.3f} ms per 4 KB)"
    )


if __name__ == "__main__":
    main()
