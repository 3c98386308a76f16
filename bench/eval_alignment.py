"""Evaluate quote alignment on the seeds' hand-checked pairs, and time it on four long articles.

Usage: .venv/bin/python bench/eval_alignment.py [--simple] [--threshold T] [--sweep] [--quotes N]
                                                [--basil]

Quotes come from articles.text.quotes.extract_quotes when it exists (or --simple: text between
curly or straight double quotes, four words or more). Aligned pairs are every two members of a
row. A pair counts as right when bench/alignment_gold.json calls it 'same', 'alt' or 'via';
recall is over the 'same' pairs whose two quotes were extracted.

--basil adds a control on ../shared/data/stories-dev/basil (30 events, three US outlets each, no
quote gold): aligned pairs per same-event triple against pairs per triple of three different
events, where every aligned pair is false.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from articles.text.align import (  # noqa: E402
    DEFAULT_THRESHOLD,
    QuoteRef,
    _features,
    align_quotes,
    quote_similarity,
)

GOLD = Path(__file__).with_name("alignment_gold.json")
SIMPLE_QUOTE = re.compile(r"“([^”“]+)”|\"([^\"]+)\"")


def seed_dir() -> Path:
    for candidate in (ROOT / "fixtures" / "seeds", ROOT.parent / "shared" / "seeds"):
        if any(candidate.glob("000_*.txt")):
            return candidate
    raise SystemExit("seed articles not found in fixtures/seeds or ../shared/seeds")


def speaker_key(name: str | None) -> str | None:
    # "Dmitry Peskov", "Peskov" and "Dimitri Peskov" are one person here.
    return name.split()[-1].casefold() if name and name.split() else None


def simple_quotes(body: str) -> list[tuple[int, str, str | None]]:
    found = []
    for match in SIMPLE_QUOTE.finditer(body):
        text = match.group(1) or match.group(2)
        if len(text.split()) >= 4:
            found.append((match.start(), text, None))
    return found


def extracted_quotes(body: str, simple: bool) -> tuple[list[tuple[int, str, str | None]], str]:
    if not simple:
        try:
            from articles.text.quotes import extract_quotes
        except ImportError:
            pass
        else:
            quotes = extract_quotes(body).quotes
            return [(q.start, q.text, speaker_key(q.speaker)) for q in quotes], "extract_quotes"
    return simple_quotes(body), "simple rule"


def normalised(text: str) -> str:
    return " ".join(text.replace("’", "'").casefold().split())


def load_seed_quotes(gold: dict, simple: bool) -> tuple[list[QuoteRef], dict[str, str], str]:
    """The three seeds' quotes, and which gold quote name each key stands for."""
    quotes: list[QuoteRef] = []
    method = ""
    for column, (prefix, name) in enumerate(sorted(gold["files"].items())):
        body = (seed_dir() / name).read_text(encoding="utf-8")
        found, method = extracted_quotes(body, simple)
        for start, text, speaker in found:
            key = f"{prefix}@{start}"
            quotes.append(QuoteRef(key, column, text, speaker, start / max(1, len(body))))
    names: dict[str, str] = {}
    for gold_name, (prefix, fragment) in gold["quotes"].items():
        for q in quotes:
            if q.key.startswith(prefix + "@") and normalised(fragment) in normalised(q.text):
                names[q.key] = gold_name
                break
    return quotes, names, method


def evaluate(quotes, names, gold, threshold, show=True):
    kinds = {frozenset((p["a"], p["b"])): p["kind"] for p in gold["pairs"]}
    extracted = set(names.values())
    rows = align_quotes(quotes, threshold=threshold)
    aligned = set()
    for row in rows:
        for a, b in itertools.combinations(row.members.values(), 2):
            aligned.add(frozenset((a.key, b.key)))
    as_names = {pair: frozenset(names.get(k, k) for k in pair) for pair in aligned}
    right = {p for p in aligned if kinds.get(as_names[p]) in {"same", "alt", "via"}}
    wanted = {p for p, kind in kinds.items() if kind == "same" and p <= extracted}
    same_statement = {p for p, kind in kinds.items() if kind in {"same", "alt"} and p <= extracted}
    found_names = set(as_names.values())
    precision = len(right) / len(aligned) if aligned else 1.0
    recall = len(wanted & found_names) / len(wanted) if wanted else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    result = {
        "threshold": threshold,
        "aligned_pairs": len(aligned),
        "right": len(right),
        "via": sum(kinds.get(as_names[p]) == "via" for p in aligned),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "recall_any_same_statement": len(same_statement & found_names) / len(same_statement),
        "rows": len(rows),
    }
    if show:
        by_key = {q.key: q for q in quotes}
        by_name = {name: by_key[key] for key, name in names.items()}
        missing = sorted(set(gold["quotes"]) - extracted)
        print(f"gold quotes not extracted: {', '.join(missing) or 'none'}")
        print("\nmissed 'same' pairs:")
        for pair in sorted(wanted - found_names, key=sorted):
            a, b = sorted(pair)
            score = quote_similarity(by_name[a].text, by_name[b].text)
            print(f"  {a} ~ {b}  similarity {score:.2f}")
        print("\nfalse pairs:")
        for pair in sorted(aligned - right, key=sorted):
            a, b = sorted(pair, key=str)
            score = quote_similarity(by_key[a].text, by_key[b].text)
            print(f"  {names.get(a, a)} ~ {names.get(b, b)}  similarity {score:.2f}")
            print(f"      {by_key[a].text[:70]!r}\n      {by_key[b].text[:70]!r}")
        print("\nrows with more than one outlet:")
        for row in rows:
            if len(row.members) > 1:
                members = " | ".join(names.get(q.key, q.key) for q in row.members.values())
                print(f"  {row.score:.2f}  {members}")
        lonely = [n for n in gold["only"] if n in extracted]
        alone = [n for n in lonely if len(_row_of(rows, by_name[n].key).members) == 1]
        print(f"\nquotes only one outlet carries, left alone: {len(alone)}/{len(lonely)}")
    return result


def _row_of(rows, key):
    return next(row for row in rows if any(q.key == key for q in row.members.values()))


def synthetic_columns(per_column: int, seed: int = 0) -> list[QuoteRef]:
    """Four long articles' worth of quotes: shared statements reworded per outlet, plus own ones."""
    rng = random.Random(seed)
    words = re.findall(r"[A-Za-z']+|\d+", " ".join(p.read_text() for p in seed_dir().glob("*.txt")))
    statements = [
        " ".join(rng.choice(words) for _ in range(rng.randint(6, 45))) for _ in range(per_column)
    ]
    speakers = [None, "peskov", "lavrov", "putin", "macron", "scholz"]
    quotes = []
    for column in range(4):
        for n in range(per_column):
            if rng.random() < 0.6:
                kept = [w for w in statements[n].split() if rng.random() > 0.25]
                text = " ".join(w if rng.random() > 0.15 else rng.choice(words) for w in kept)
            else:
                text = " ".join(rng.choice(words) for _ in range(rng.randint(4, 45)))
            speaker = speakers[n % len(speakers)] if rng.random() > 0.2 else None
            quotes.append(QuoteRef(f"{column}:{n}", column, text, speaker, n / per_column))
    return quotes


def time_alignment(quotes: list[QuoteRef], runs: int) -> tuple[float, float, float]:
    cold, warm = [], []
    for _ in range(runs):
        _features.cache_clear()
        started = time.perf_counter()
        align_quotes(quotes)
        cold.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        align_quotes(quotes)
        warm.append((time.perf_counter() - started) * 1000)
    cold.sort()
    p95 = cold[min(len(cold) - 1, int(0.95 * len(cold)))]
    return statistics.median(cold), p95, statistics.median(warm)


def basil_control(threshold: float, simple: bool) -> None:
    folder = ROOT.parent / "shared" / "data" / "stories-dev" / "basil"
    lines = (folder / "clusters.tsv").read_text(encoding="utf-8").splitlines()[1:]
    events: dict[str, dict[str, str]] = {}
    for line in lines:
        name, event, outlet, *_ = line.split("\t")
        events.setdefault(event, {})[outlet] = name
    outlets = ("fox", "nyt", "hpo")
    triples = [[e[o] for o in outlets] for e in events.values() if all(o in e for o in outlets)]
    mixed = [[triples[(n + k) % len(triples)][k] for k in range(3)] for n in range(len(triples))]

    def pairs(files: list[str]) -> list[tuple[QuoteRef, QuoteRef]]:
        quotes = []
        for column, name in enumerate(files):
            body = (folder / name).read_text(encoding="utf-8")
            for start, text, speaker in extracted_quotes(body, simple)[0]:
                position = start / max(1, len(body))
                quotes.append(QuoteRef(f"{column}@{start}", column, text, speaker, position))
        rows = align_quotes(quotes, threshold=threshold)
        return [p for row in rows for p in itertools.combinations(row.members.values(), 2)]

    same = [pairs(t) for t in triples]
    other = [pairs(t) for t in mixed]
    print(
        f"\nBASIL control ({len(triples)} triples): aligned pairs per same-event triple"
        f" {sum(map(len, same)) / len(same):.2f}, per mixed-event triple (all false)"
        f" {sum(map(len, other)) / len(other):.2f}"
    )
    print("some same-event pairs, to read:")
    for a, b in [p for found in same for p in found][:8]:
        print(f"  {a.text[:60]!r}\n    ~ {b.text[:60]!r}")
    print("mixed-event (false) pairs:")
    for a, b in [p for found in other for p in found][:8]:
        print(f"  {a.text[:60]!r}\n    ~ {b.text[:60]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simple", action="store_true", help="use the simple quote-mark rule")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--sweep", action="store_true", help="also print P/R/F1 per threshold")
    parser.add_argument("--quotes", type=int, default=120, help="quotes per column for timing")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--basil", action="store_true", help="same/different-event control")
    args = parser.parse_args()

    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    quotes, names, method = load_seed_quotes(gold, args.simple)
    print(f"seeds: {len(quotes)} quotes from 3 articles ({method}), threshold {args.threshold}")
    result = evaluate(quotes, names, gold, args.threshold)
    print(
        f"\nprecision {result['precision']:.2f} ({result['right']}/{result['aligned_pairs']} pairs"
        f" right, {result['via']} of them 'via')  recall {result['recall']:.2f}"
        f"  F1 {result['f1']:.2f}  recall over every same-statement pair"
        f" {result['recall_any_same_statement']:.2f}"
    )
    if args.sweep:
        print("\nthreshold  precision  recall  F1")
        for step in range(10, 65, 5):
            r = evaluate(quotes, names, gold, step / 100, show=False)
            print(
                f"  {step / 100:.2f}     {r['precision']:.2f}     {r['recall']:.2f}   {r['f1']:.2f}"
            )

    if args.basil:
        basil_control(args.threshold, args.simple)

    synthetic = synthetic_columns(args.quotes)
    median, p95, warm = time_alignment(synthetic, args.runs)
    print(
        f"\ntiming: 4 columns x {args.quotes} quotes, {args.runs} runs: cold median {median:.1f} ms,"
        f" cold p95 {p95:.1f} ms, warm (features cached) median {warm:.1f} ms"
    )
    median, p95, _ = time_alignment(quotes, args.runs)
    print(f"timing: the three seeds ({len(quotes)} quotes): cold median {median:.1f} ms")


if __name__ == "__main__":
    main()
