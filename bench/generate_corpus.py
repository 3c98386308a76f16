"""Generate a deterministic scale corpus of realistic-looking articles with quotes, in bulk.

    .venv/bin/python bench/generate_corpus.py --articles 100000
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/generate_corpus.py

Without DATABASE_URL it writes to var/bench.sqlite3 (never the everyday database). A PostgreSQL
database named in DATABASE_URL is created when missing. The database is migrated, emptied of
articles, then filled with bulk_create in batches (the search index follows through the
database's own triggers / index). Articles are built from vocabularies and sentence templates:
many outlets, dates over three years, 250 speakers, 2-8 quotes each, some quotes labelled.

About 2% of the articles are planted copies (same text, another outlet, small edits) and 2%
planted rewrites (same quotes, sentences reworded and reordered); their pairs are written to
bench/out/planted_pairs.json so the coverage benchmark can measure recall. One "place" word
per article, drawn from 100, makes a search that matches about 1% of the corpus
(bench/out/corpus_meta.json names it).
"""

import argparse
import hashlib
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

FIRST = (
    "Dmitry Sergei Maria Anna Olaf Emmanuel Jens Ursula Antony Josep Kaja Volodymyr Andrzej "
    "Giorgia Pedro Viktor Recep Xi Narendra Fumio Rishi Keir Mark Petr Ana Lars Sanna Kyriakos "
    "Karl Nikol Ilham Alexander Kassym Shavkat Mette Ulf Jonas Gitanas Edgars Evika"
).split()
LAST = (
    "Peskov Lavrov Zakharova Baerbock Scholz Macron Stoltenberg Leyen Blinken Borrell Kallas "
    "Zelensky Duda Meloni Sanchez Orban Erdogan Jinping Modi Kishida Sunak Starmer Rutte Fiala "
    "Nowak Larsen Marin Mitsotakis Nehammer Pashinyan Aliyev Lukashenko Tokayev Mirziyoyev "
    "Frederiksen Kristersson Stoere Nauseda Rinkevics Silina"
).split()
ROLES = (
    "spokesman spokeswoman minister chancellor president secretary-general prime minister "
    "foreign minister defence minister ambassador envoy analyst professor senator"
).split()
OUTLETS = [
    ("TASS", "en"),
    ("RIA Novosti", "ru"),
    ("RT", "en"),
    ("Reuters", "en"),
    ("Associated Press", "en"),
    ("AFP", "fr"),
    ("BBC", "en"),
    ("Deutsche Welle", "de"),
    ("Le Monde", "fr"),
    ("Der Spiegel", "de"),
    ("Kyiv Independent", "en"),
    ("Meduza", "ru"),
    ("Novaya Gazeta", "ru"),
    ("Al Jazeera", "en"),
    ("Anadolu", "tr"),
    ("Xinhua", "en"),
    ("The Guardian", "en"),
    ("Financial Times", "en"),
    ("Politico Europe", "en"),
    ("Euronews", "en"),
    ("El Pais", "es"),
    ("La Repubblica", "it"),
    ("Gazeta Wyborcza", "pl"),
    ("Ukrainska Pravda", "uk"),
    ("Izvestia", "ru"),
    ("Kommersant", "ru"),
    ("NHK", "ja"),
    ("Yonhap", "ko"),
    ("The Hindu", "en"),
    ("ABC News", "en"),
]
PLACES = (
    "Tbilisi Yerevan Baku Astana Tashkent Bishkek Dushanbe Ashgabat Minsk Chisinau Vilnius Riga "
    "Tallinn Helsinki Stockholm Oslo Copenhagen Warsaw Prague Bratislava Budapest Vienna Ljubljana "
    "Zagreb Belgrade Sarajevo Podgorica Tirana Skopje Sofia Bucharest Athens Ankara Nicosia Valletta "
    "Rome Madrid Lisbon Paris Brussels Amsterdam Luxembourg Berlin Bern Dublin London Reykjavik "
    "Kyiv Odesa Kharkiv Dnipro Lviv Zaporizhzhia Kherson Mariupol Donetsk Luhansk Sevastopol "
    "Simferopol Belgorod Kursk Bryansk Rostov Krasnodar Novorossiysk Kaliningrad Murmansk "
    "Vladivostok Khabarovsk Irkutsk Novosibirsk Omsk Yekaterinburg Perm Kazan Samara Volgograd "
    "Saratov Voronezh Tula Kaluga Smolensk Pskov Novgorod Tver Yaroslavl Kostroma Vologda "
    "Arkhangelsk Syktyvkar Ufa Orenburg Chelyabinsk Tyumen Tomsk Barnaul Krasnoyarsk Chita "
    "Magadan Yakutsk Anadyr Norilsk Salekhard Surgut"
).split()[:100]
TOPICS = {
    "talks": "negotiations talks ceasefire mediation summit delegation proposal framework "
    "guarantees memorandum dialogue agreement",
    "sanctions": "sanctions embargo exports assets tariffs banks oil gas price cap restrictions "
    "companies revenue",
    "weapons": "weapons missiles tanks artillery air defence deliveries shells drones aid "
    "package supplies ammunition",
    "energy": "pipeline energy grid power plant supplies winter prices storage terminal "
    "contract transit capacity",
    "grain": "grain corridor ships ports harvest exports wheat insurance inspections "
    "shipments buyers routes",
    "elections": "elections vote campaign ballots turnout candidates observers polling "
    "results commission parliament coalition",
}
SUBJECTS = (
    "officials,diplomats,the government,the ministry,the alliance,the bloc,lawmakers,"
    "observers,the authorities,the delegation,analysts,the union"
).split(",")
VERBS = (
    "discussed debated rejected welcomed criticised proposed announced postponed reviewed "
    "questioned endorsed extended"
).split()
TIMES = "on Monday;on Tuesday;on Wednesday;on Thursday;on Friday;last week;this month;overnight;late on Sunday".split(
    ";"
)
CUES = "said;told reporters;stated;claimed;added;noted;argued;told Izvestia;wrote;insisted".split(
    ";"
)
QUOTE_OPENERS = [
    "We will not accept",
    "There can be no",
    "It is clear that",
    "Nobody should doubt",
    "We are ready to discuss",
    "This is a direct threat to",
    "The West must understand",
    "Our position on",
    "We see no alternative to",
    "History will judge",
]
SYNONYMS = {
    "discussed": "talked about",
    "rejected": "dismissed",
    "welcomed": "praised",
    "criticised": "condemned",
    "announced": "declared",
    "officials": "representatives",
    "the government": "the cabinet",
    "negotiations": "talks",
    "weapons": "arms",
    "elections": "polls",
}


def make_speakers(rng, count=250):
    seen, result = set(), []
    while len(result) < count:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in seen:
            seen.add(name)
            result.append((name, rng.choice(ROLES)))
    return result


def sentence(rng, words, place):
    subject = rng.choice(SUBJECTS).capitalize()
    objs = rng.sample(words, 3)
    where = f" in {place}" if rng.random() < 0.3 else ""
    return (
        f"{subject} {rng.choice(VERBS)} the {objs[0]} and the {objs[1]}{where} "
        f"{rng.choice(TIMES)}, according to people familiar with the {objs[2]}."
    )


def quote_text(rng, words):
    objs = rng.sample(words, 3)
    return (
        f"{rng.choice(QUOTE_OPENERS)} {objs[0]} without {objs[1]}, and the {objs[2]} "
        f"will show who was right"
    )


class Draft:
    """An article before it has an id: body text, and quotes as (start, end, speaker, cue)."""

    __slots__ = ("title", "outlet", "language", "published", "body", "quotes", "place")

    def __init__(self, title, outlet, language, published, place):
        self.title, self.outlet, self.language, self.published = title, outlet, language, published
        self.place = place
        self.body, self.quotes = "", []


def compose(draft, paragraphs):
    """Join paragraphs (lists of text pieces and (text, speaker, cue) quote pieces) into a body
    whose quote offsets are exact."""
    parts, pos, quotes = [], 0, []
    for p_index, pieces in enumerate(paragraphs):
        if p_index:
            parts.append("\n\n")
            pos += 2
        for i_piece, piece in enumerate(pieces):
            if i_piece:
                parts.append(" ")
                pos += 1
            if isinstance(piece, tuple):
                text, speaker, cue = piece
                parts.append("“")
                pos += 1
                quotes.append((pos, pos + len(text), text, speaker, cue))
                tail = f",” {speaker[0]} {cue}."
                parts += [text, tail]
                pos += len(text) + len(tail)
            else:
                parts.append(piece)
                pos += len(piece)
    draft.body = "".join(parts).rstrip()
    draft.quotes = [q for q in quotes if q[1] <= len(draft.body)]
    return draft


def new_article(rng, speakers, start_day):
    topic = rng.choice(list(TOPICS))
    words = TOPICS[topic].split()
    place = rng.choice(PLACES)
    outlet, language = rng.choice(OUTLETS)
    published = start_day + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
    cast = rng.sample(speakers, rng.randint(1, 4))
    title = f"{cast[0][0].split()[-1]} on {rng.choice(words)} as {rng.choice(words)} " + (
        f"talks in {place}" if rng.random() < 0.5 else f"dominate {place} agenda"
    )
    paragraphs = [[sentence(rng, words, place) for _ in range(rng.randint(1, 3))]]
    paragraphs[0].insert(1, f"The {topic} were discussed in {place}.")
    for _ in range(rng.randint(3, 8)):
        pieces = [sentence(rng, words, place) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.7:
            speaker = rng.choice(cast)
            pieces.insert(
                rng.randint(0, len(pieces)), (quote_text(rng, words), speaker, rng.choice(CUES))
            )
        paragraphs.append(pieces)
    return compose(Draft(title, outlet, language, published, place), paragraphs), paragraphs


def copy_of(rng, draft, paragraphs):
    outlet, language = rng.choice([o for o in OUTLETS if o[0] != draft.outlet])
    copy = Draft(
        draft.title,
        outlet,
        language,
        draft.published + timedelta(hours=rng.randint(1, 30)),
        draft.place,
    )
    edited = [list(p) for p in paragraphs]
    edited[-1] = edited[-1] + [f"Reporting by {outlet} staff."]
    return compose(copy, edited)


def rewrite_of(rng, draft, paragraphs):
    outlet, language = rng.choice([o for o in OUTLETS if o[0] != draft.outlet])
    title = f"{draft.title.split(' on ')[0]} speaks about {draft.place}"
    rewrite = Draft(
        title, outlet, language, draft.published + timedelta(hours=rng.randint(2, 72)), draft.place
    )
    new_paragraphs = []
    for pieces in paragraphs[1:] + paragraphs[:1]:
        new = []
        for piece in pieces:
            if isinstance(piece, str):
                for a, b in SYNONYMS.items():
                    piece = piece.replace(a, b)
            new.append(piece)
        new_paragraphs.append(new)
    return compose(rewrite, new_paragraphs)


def setup_database():
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
    os.environ.setdefault("SECRET_KEY", "bench-only-key")
    os.environ.setdefault("HTTPS", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgres"):
        from urllib.parse import urlparse

        import psycopg

        parsed = urlparse(url)
        name = parsed.path.lstrip("/")
        admin = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    else:
        (ROOT / "var").mkdir(exist_ok=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20240527)
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()
    started = time.perf_counter()
    setup_database()

    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction

    from articles.models import Article, Label, Outlet, Quote, Speaker, StanceAnnotation

    rng = random.Random(args.seed)
    with transaction.atomic():
        # A fresh corpus each run: the database is the benchmark's own.
        StanceAnnotation.objects.all().delete()
        Quote.objects.all().delete()
        Article.objects.all().delete()
    outlets = {}
    for name, language in OUTLETS:
        outlets[name], _ = Outlet.objects.get_or_create(name=name, defaults={"language": language})
    speakers = make_speakers(rng)
    speaker_ids = {}
    for name, role in speakers:
        speaker_ids[name] = Speaker.objects.get_or_create(name=name, defaults={"role": role})[0].pk
    annotator, _ = User.objects.get_or_create(username="bench-analyst")
    annotator.groups.add(*Group.objects.filter(name="analyst"))
    labels = list(Label.objects.filter(label_set__name="Presentation"))

    start_day = datetime(2022, 1, 1, tzinfo=UTC)
    planted, pending, total = [], [], 0
    now = datetime.now(UTC)

    def flush(batch):
        objs = [
            Article(
                outlet=outlets[d.outlet],
                title=d.title[:500],
                published=d.published,
                published_has_time=True,
                language=d.language,
                sha256=hashlib.sha256(f"{d.outlet}\n{d.title}\n{d.body}".encode()).hexdigest(),
                raw_text=f"{d.title}\n\n{d.body}",
                encoding="utf-8",
                body=d.body,
                imported_at=now,
            )
            for d, _ in batch
        ]
        with transaction.atomic():
            Article.objects.bulk_create(objs)
            quotes = [
                Quote(
                    article_id=obj.pk,
                    start=start,
                    end=end,
                    text=text,
                    speaker_id=speaker_ids[speaker[0]],
                    cue=cue,
                    created_at=now,
                )
                for obj, (d, _) in zip(objs, batch, strict=True)
                for start, end, text, speaker, cue in d.quotes
            ]
            Quote.objects.bulk_create(quotes)
            StanceAnnotation.objects.bulk_create(
                StanceAnnotation(
                    annotator=annotator,
                    quote_id=q.pk,
                    label_set_id=labels[0].label_set_id,
                    label=rng.choice(labels),
                )
                for q in quotes
                if rng.random() < 0.1
            )
        for obj, (_d, tag) in zip(objs, batch, strict=True):
            if tag:
                tag["ids"].append(obj.pk)

    batch = []
    while total < args.articles:
        draft, paragraphs = new_article(rng, speakers, start_day)
        group = None
        roll = rng.random()
        if roll < 0.04 and total + 2 <= args.articles:
            group = {"relation": "duplicate" if roll < 0.02 else "rewrite", "ids": []}
            planted.append(group)
        batch.append((draft, group))
        total += 1
        if group:
            other = (
                copy_of(rng, draft, paragraphs)
                if group["relation"] == "duplicate"
                else rewrite_of(rng, draft, paragraphs)
            )
            pending.append((rng.randint(1, 5000), (other, group)))
        # Planted partners arrive later in the stream, as they would in a real import.
        ready = [item for due, item in pending if due <= 0]
        pending = [(due - 1, item) for due, item in pending if due > 0]
        for item in ready:
            if total < args.articles:
                batch.append(item)
                total += 1
        if len(batch) >= args.batch:
            flush(batch)
            batch = []
            print(f"\r{total:,} articles", end="", file=sys.stderr, flush=True)
    # Partners still pending when the corpus is full are dropped; their pairs are left out.
    if batch:
        flush(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM sets the visibility map, so counts can run as index-only scans.
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute(
                "INSERT INTO articles_article_fts(articles_article_fts) VALUES ('optimize')"
            )
    OUT.mkdir(parents=True, exist_ok=True)
    pairs = [
        {"a": g["ids"][0], "b": g["ids"][1], "relation": g["relation"]}
        for g in planted
        if len(g["ids"]) == 2
    ]
    (OUT / "planted_pairs.json").write_text(json.dumps(pairs, indent=0) + "\n")
    count = Article.objects.count()
    place = PLACES[0]
    meta = {
        "database": connection.vendor,
        "articles": count,
        "quotes": Quote.objects.count(),
        "seed": args.seed,
        "planted_pairs": len(pairs),
        "search_1pct": place,
        "search_1pct_matches": None,
        "seconds": round(time.perf_counter() - started, 1),
    }
    from articles import search

    meta["search_1pct_matches"] = Article.objects.filter(
        search.matching(search.parse_query(place))
    ).count()
    (OUT / f"corpus_meta_{connection.vendor}.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"\n{json.dumps(meta)}")


if __name__ == "__main__":
    main()
