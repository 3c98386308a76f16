"""Evaluate same-story linking on the development corpora (BASIL, ECB+): pairwise P/R/F1.

Run: .venv/bin/python bench/eval_stories.py [--data DIR] [--errors N] [--all-keys]
     [--through-database]

Gold "same story" = same cluster id in clusters.tsv. Candidates are the product's: the pairs
articles.coverage.candidate_pairs finds from the blocking and LSH band keys, with its rules
(KEY_CAP, RARE_KEY, SINGLE_KEY_DAYS) as a rebuild applies them (--all-keys: every pair sharing
any key, as this script did before); every other pair counts as "not linked". Gold labels are
read only to score the output, never to produce it.

Each part is scored twice: pair by pair (each pair's own score, at SUGGEST_THRESHOLD: what the
product suggested before grouping), and as the product suggests now
(articles.text.story_groups.story_verdicts at GROUP_LEVEL, the function articles.coverage
applies: average linkage over the scores the product keeps, those at or above
RELATED_THRESHOLD, with each article's participants; a compared pair is suggested as one story
when its two articles fall into one group). The product's stories are what analysts get by
confirming every same-story suggestion: the connected groups of those pairs, every pair inside
one counted as linked. Each point of the product's curve groups at its level (and two articles
alone at GROUP_DISCOUNT above it, as SUGGEST_THRESHOLD is above GROUP_LEVEL).

--through-database also runs each part through the product itself, in a throwaway SQLite:
imported one article at a time (index_article, scores under the statistics of the corpus so
far, rescored whole each time it has grown by coverage.RESCORE_GROWTH), then every pair rescored
(coverage.rescore_suggestions), then `rebuild_index` (scores under the whole corpus's
statistics, like this script's). Each part starts from an empty corpus, term counts included.
"""

import argparse
import atexit
import csv
import datetime
import itertools
import os
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# articles.coverage (the product's candidate rules) is a Django module. Its database, used only
# with --through-database, is a throwaway SQLite file, whatever DATABASE_URL says.
THROWAWAY = tempfile.mkdtemp(prefix="eval-stories-")
atexit.register(shutil.rmtree, THROWAWAY, ignore_errors=True)
os.environ["DATABASE_URL"] = f"sqlite:///{THROWAWAY}/db.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.test_settings")
import django  # noqa: E402

django.setup()

from articles.coverage import _KeyColumns, _split, candidate_pairs  # noqa: E402
from articles.text.signatures import band_keys, minhash, shingles  # noqa: E402
from articles.text.story import (  # noqa: E402
    RELATED_THRESHOLD,
    SUGGEST_THRESHOLD,
    StoryScorer,
    blocking_keys,
    story_profile,
)
from articles.text.story_groups import (  # noqa: E402
    GROUP_LEVEL,
    components,
    participants,
    story_verdicts,
)

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "stories-dev"
CURVE = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)


def load_part(folder: Path) -> list[dict]:
    docs = []
    with open(folder / "clusters.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            cluster = row.get("cluster_id(triplet-uuid)") or row.get("cluster_id(topic_subcorpus)")
            text = (folder / row["txt_file"]).read_text(encoding="utf-8")
            title, _, body = text.partition("\n\n")
            date = row.get("date") or ""
            published = datetime.date.fromisoformat(date) if date else None
            docs.append(
                {
                    "name": row["txt_file"],
                    "cluster": cluster,
                    "title": title,
                    "body": body,
                    "published": published,
                    # ECB+ groups two events of one kind in a topic; BASIL has no topics.
                    "topic": row.get("topic") or "",
                }
            )
    return docs


def link_part(
    docs: list[dict], all_keys: bool = False
) -> tuple[dict[tuple[int, int], float], dict, list]:
    started = time.perf_counter()
    profiles, signatures, index = [], [], defaultdict(list)
    bands, blocks = _KeyColumns(), _KeyColumns()
    for i, doc in enumerate(docs):
        profile = story_profile(doc["title"], doc["body"], doc["published"])
        signature = minhash(shingles(doc["title"] + "\n" + doc["body"]))
        profiles.append(profile)
        signatures.append(signature)
        # As articles.coverage.fingerprint keeps them.
        blocks.add(i, [key[:100] for key in blocking_keys(profile)])
        bands.add(i, band_keys(signature))
        for key in blocking_keys(profile):
            index[key].append(i)
        for key in band_keys(signature):
            index[key].append(i)
    prepared = time.perf_counter()

    doc_freq: Counter[str] = Counter()
    for profile in profiles:
        doc_freq.update(profile.terms.keys())

    candidates = set()
    if all_keys:
        for members in index.values():
            for i, j in itertools.combinations(sorted(set(members)), 2):
                candidates.add((i, j))
    else:
        days = [d["published"].toordinal() if d["published"] else -1 for d in docs]
        ids = np.arange(len(docs), dtype=np.int64)
        codes = candidate_pairs(bands.arrays(), blocks.arrays(), (ids, np.array(days)))
        candidates = set(zip(*(side.tolist() for side in _split(codes)), strict=True))
    scores = {}
    scorer = StoryScorer(doc_freq, len(docs))
    for i, j in candidates:
        evidence = scorer.compare(profiles[i], profiles[j], signatures[i], signatures[j])
        scores[(i, j)] = evidence.score
    done = time.perf_counter()
    stats = {
        "profile_ms_per_doc": (prepared - started) * 1000 / len(docs),
        "compare_ms_per_pair": (done - prepared) * 1000 / max(1, len(candidates)),
        "candidates": len(candidates),
        "all_pairs": len(docs) * (len(docs) - 1) // 2,
    }
    return scores, stats, profiles


def pairwise(docs, scores, threshold):
    gold = {
        (i, j)
        for i, j in itertools.combinations(range(len(docs)), 2)
        if docs[i]["cluster"] == docs[j]["cluster"]
    }
    predicted = {pair for pair, score in scores.items() if score >= threshold}
    return (*scored(predicted, gold), gold)


def scored(predicted: set, gold: set) -> tuple[float, float, float]:
    tp = len(gold & predicted)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(gold) if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def report(name: str, docs: list[dict], errors: int, all_keys: bool = False) -> float:
    scores, stats, profiles = link_part(docs, all_keys)
    _, _, _, gold = pairwise(docs, scores, SUGGEST_THRESHOLD)
    reachable = len(gold & scores.keys()) / len(gold)
    print(f"\n== {name}: {len(docs)} articles, {len(gold)} same-story pairs")
    print(
        f"compared {stats['candidates']} of {stats['all_pairs']} pairs "
        f"({stats['candidates'] / stats['all_pairs']:.1%}); blocking reaches "
        f"{reachable:.1%} of gold pairs"
    )
    print(
        f"profile+minhash+keys {stats['profile_ms_per_doc']:.2f} ms/article, "
        f"compare {stats['compare_ms_per_pair']:.3f} ms/pair"
    )
    print_scores("pair by pair (before grouping)", docs, scores, gold, errors)

    # What the product keeps of a comparison: links scored at least RELATED_THRESHOLD.
    kept = {pair: score for pair, score in scores.items() if score >= RELATED_THRESHOLD}
    people = {i: (participants(p.names), p.terms) for i, p in enumerate(profiles)}
    started = time.process_time()
    product = stories_of(story_verdicts(kept, people, GROUP_LEVEL))
    grouping_ms = (time.process_time() - started) * 1000
    # Which groups may merge depends on the groups met on the way (their participants), so
    # each point of the curve groups at its own level.
    curve = {level: stories_of(story_verdicts(kept, people, level)) for level in CURVE}
    print(f"\nthe product ({grouping_ms:.1f} ms CPU to group {len(kept)} kept links)")
    # Pairs compared but not kept stay as scored, so "never compared" keeps its meaning.
    as_scores = {pair: 0.0 for pair in scores} | dict.fromkeys(product, 1.0)
    f1 = print_scores("the product", docs, as_scores, gold, errors, curve, GROUP_LEVEL)
    _, _, alone = scored(stories_of(story_verdicts(kept, None, GROUP_LEVEL)), gold)
    print(f"the product without the participant rule: F1 {alone:.3f}")
    return f1


def through_database(name: str, docs: list[dict]) -> None:
    """Import the part into the throwaway database one article at a time (index_article, as
    the importer does), then rebuild the index (rebuild_index): after each, the F1 of the
    stories analysts get by confirming every suggestion whose relation is one story."""
    from django.core.management import call_command
    from django.db import transaction

    from articles.coverage import (
        SAME_STORY,
        group_suggestions,
        index_article,
        rebuild_index,
        rescore_suggestions,
    )
    from articles.models import Article, CorpusScoring, CoverageLink, TermCount

    call_command("migrate", verbosity=0)
    # Each part starts from an empty corpus: its statistics too, as a deletion for good leaves
    # them (the previous part's term counts would otherwise weigh on this one's scores).
    Article.objects.all().delete()
    TermCount.objects.all().delete()
    CorpusScoring.objects.all().delete()
    gold = {
        (i, j)
        for i, j in itertools.combinations(range(len(docs)), 2)
        if docs[i]["cluster"] == docs[j]["cluster"]
    }
    ids = {}
    started = time.perf_counter()
    for i, doc in enumerate(docs):
        published = doc["published"]
        article = Article.objects.create(
            title=doc["title"],
            body=doc["body"],
            raw_text=doc["body"],
            published=datetime.datetime(*published.timetuple()[:3], tzinfo=datetime.UTC)
            if published
            else None,
            sha256=f"{i:064d}",
            encoding="utf-8",
            language="en",
        )
        ids[article.pk] = i
        with transaction.atomic():
            index_article(article)
    imported = time.perf_counter() - started

    def measured() -> str:
        links = CoverageLink.objects.values_list(
            "article_a_id", "article_b_id", "relation", "score"
        )
        grouped = {(ids[a], ids[b]): 1.0 for a, b, relation, _ in links if relation in SAME_STORY}
        alone = {(ids[a], ids[b]) for a, b, _, score in links if score >= SUGGEST_THRESHOLD}
        stories = {
            pair for story in components(grouped, 1.0) for pair in itertools.combinations(story, 2)
        }
        p, r, f = scored(stories, gold)
        # The same links read pair by pair, as before grouping: each pair's own score.
        _, _, f_alone = scored(alone, gold)
        return f"precision {p:.3f} recall {r:.3f} F1 {f:.3f} (pair by pair {f_alone:.3f})"

    print(f"\nthrough the database ({name}): imported one by one in {imported:.1f}s: {measured()}")
    # Grouping each new article's component on import is grouping every component at the end.
    group_suggestions()
    print(f"the same scores with every component grouped again: {measured()}")
    # What the import that next rescores the corpus (coverage.rescore_if_grown) makes of it.
    started = time.perf_counter()
    rescore_suggestions()
    print(
        f"every pair rescored now, as the next rescoring import does "
        f"({time.perf_counter() - started:.1f}s): {measured()}"
    )
    started = time.perf_counter()
    rebuild_index(workers=1)
    print(f"after rebuild_index ({time.perf_counter() - started:.1f}s): {measured()}")


def stories_of(verdicts) -> set[tuple[int, int]]:
    """Every pair of articles in one story once analysts confirm each same-story suggestion:
    the stories are the connected groups of the confirmed pairs."""
    confirmed = {pair: 1.0 for pair, verdict in verdicts.items() if verdict.same_story}
    return {
        pair for story in components(confirmed, 1.0) for pair in itertools.combinations(story, 2)
    }


def print_scores(label, docs, scores, gold, errors, curve=None, level=None) -> float:
    """P/R/F1 of `scores` at SUGGEST_THRESHOLD, or of a verdict already given (1.0 for one
    story) at `level`, with the curve (each point's own predictions when `curve` is given)."""
    threshold = SUGGEST_THRESHOLD if level is None else level
    setting = "SUGGEST_THRESHOLD" if level is None else "GROUP_LEVEL"
    precision, recall, f1, _ = pairwise(docs, scores, threshold)
    print(
        f"{label} at {setting}={threshold}: precision {precision:.3f} "
        f"recall {recall:.3f} F1 {f1:.3f}"
    )
    print("threshold  precision  recall  F1")
    for point in CURVE:
        if curve is None:
            p, r, f, _ = pairwise(docs, scores, point)
        else:
            p, r, f = scored(curve[point], gold)
        print(f"{point:9.2f}  {p:9.3f}  {r:6.3f}  {f:.3f}")
    print_error_kinds(docs, scores, gold, threshold)
    if errors:
        wrong = [
            (score, i, j, "FP")
            for (i, j), score in scores.items()
            if score >= threshold and (i, j) not in gold
        ] + [
            (scores.get((i, j), 0.0), i, j, "FN")
            for i, j in gold
            if scores.get((i, j), 0.0) < threshold
        ]
        wrong.sort(key=lambda w: -abs(w[0] - threshold))
        for score, i, j, kind in wrong[:errors]:
            print(f"  {kind} {score:.3f} {docs[i]['name']} ~ {docs[j]['name']}")
    return f1


def print_error_kinds(docs, scores, gold, threshold=SUGGEST_THRESHOLD) -> None:
    """Where the mistakes at the default threshold come from: links between two events of one
    topic (similar is not the same story), links across topics, same-story pairs scored too
    low, and same-story pairs that candidate generation never proposed."""
    kinds = Counter()
    for (i, j), score in scores.items():
        if score >= threshold and (i, j) not in gold:
            same_topic = docs[i]["topic"] and docs[i]["topic"] == docs[j]["topic"]
            kinds["false links within a topic" if same_topic else "false links across topics"] += 1
    for pair in gold:
        if pair not in scores:
            kinds["missed: never compared"] += 1
        elif scores[pair] < threshold:
            kinds["missed: scored below the threshold"] += 1
    listed = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
    print(f"mistakes: {listed or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--errors", type=int, default=0, help="print the N worst mistakes")
    parser.add_argument(
        "--all-keys", action="store_true", help="compare every pair sharing any key"
    )
    parser.add_argument(
        "--through-database",
        action="store_true",
        help="also import each part through the product (a throwaway SQLite) and rebuild",
    )
    args = parser.parse_args()
    for part in ("basil", "ecbplus"):
        docs = load_part(args.data / part)
        report(part, docs, args.errors, args.all_keys)
        if args.through_database:
            through_database(part, docs)


if __name__ == "__main__":
    main()
