"""Checks that an export (export_corpus's JSON Lines) is one consistent picture of the corpus.

An export read piece by piece while analysts write could hold a label without the history row
that recorded it, or history newer than the labels it describes. These checks find that: the
fault drills (bench/drills.py) and tests run them on exports made under concurrent writes.
"""

import itertools
import json
from collections import defaultdict
from collections.abc import Iterable


def _label(snapshot):
    """What a stance snapshot says the label is, in the terms an export keeps."""
    if snapshot is None:
        return None
    return (snapshot["label_set"], snapshot["label"], snapshot.get("note", ""))


def read(lines: Iterable[str]) -> list[dict]:
    return [json.loads(line) for line in lines if line.strip()]


def problems(rows: list[dict]) -> list[str]:
    """Everything inconsistent in an export of the whole corpus; empty when it is whole."""
    found = []
    article_ids = [row["id"] for row in rows]
    if len(set(article_ids)) != len(article_ids):
        found.append("an article appears on more than one line")
    articles = set(article_ids)
    quote_article = {}
    for row in rows:
        for q in row["quotes"]:
            if q["id"] in quote_article:
                found.append(f"quote {q['id']} appears in two articles")
            quote_article[q["id"]] = row["id"]
            if row["body"][q["start"] : q["end"]] != q["text"]:
                found.append(f"quote {q['id']}: body[start:end] is not its text")
    stance_ids = set()
    for row in rows:
        found += _stances_match_history(row, quote_article, stance_ids)
        for claim in row["claims"]:
            missing = [i for i in claim["quote_ids"] if i not in quote_article]
            if missing:
                found.append(f"claim {claim['id']} names quotes not in the export: {missing}")
        for link in row["coverage"]:
            if link["article_id"] not in articles:
                found.append(f"article {row['id']} links to article {link['article_id']}, absent")
    return found


def _stances_match_history(row, quote_article, stance_ids) -> list[str]:
    """Each label in the article is what its history last recorded, and that history is a
    chain: every record starts from the label the previous one left."""
    found = []
    current = {}
    for q in row["quotes"]:
        for s in q["stances"]:
            if s["id"] in stance_ids:
                found.append(f"stance {s['id']} appears twice")
            stance_ids.add(s["id"])
            current[(s["annotator"], q["id"], s["label_set"])] = (
                s["label_set"],
                s["label"],
                s["note"],
            )
    chains = defaultdict(list)
    for record in row["history"]:
        if record["subject"] != "stance":
            continue
        snapshot = record["after"] or record["before"]
        quote_id = snapshot["quote"]
        if quote_article.get(quote_id) != row["id"]:
            found.append(f"history {record['id']} is about quote {quote_id}, not in this article")
            continue
        chains[(record["user"], quote_id, snapshot["label_set"])].append(record)
    for key, records in chains.items():
        for previous, record in itertools.pairwise(records):
            if _label(record["before"]) != _label(previous["after"]):
                found.append(
                    f"history {record['id']} starts from {_label(record['before'])}, "
                    f"but {previous['id']} left {_label(previous['after'])}"
                )
        last = _label(records[-1]["after"])
        if current.get(key) != last:
            found.append(
                f"article {row['id']}: the label of {key} is {current.get(key)}, "
                f"its last history record {records[-1]['id']} says {last}"
            )
    return found


def covered_by(older: list[dict], newer: list[dict]) -> list[str]:
    """What an earlier export holds that a later one lost (analysts only add and relabel)."""
    found = []
    later = {row["id"]: row for row in newer}
    for row in older:
        new = later.get(row["id"])
        if new is None:
            found.append(f"article {row['id']} is gone")
            continue
        new_quotes = {q["id"]: q for q in new["quotes"]}
        for q in row["quotes"]:
            if q["id"] not in new_quotes:
                found.append(f"quote {q['id']} is gone")
                continue
            new_stances = {s["id"] for s in new_quotes[q["id"]]["stances"]}
            found += [
                f"stance {s['id']} is gone" for s in q["stances"] if s["id"] not in new_stances
            ]
        new_history = {r["id"]: r for r in new["history"]}
        for record in row["history"]:
            if new_history.get(record["id"]) != record:
                found.append(f"history {record['id']} is gone or changed")
    return found
