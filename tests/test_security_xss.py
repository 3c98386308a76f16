"""Stored and reflected XSS, swept: hostile text in every field an analyst, an editor or a file
can fill, then every page and htmx partial that shows it is parsed and must hold no markup made
from that text, no inline script, no event handler and no executable URL.

Each payload names its field (`data-pwn=<field>`), so a failure says which field leaked where.
"""

import json
import re
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from articles.importing import ArticleImporter
from articles.models import (
    Adjudication,
    Article,
    Claim,
    CoverageLink,
    FrameTag,
    Label,
    LabelSet,
    Outlet,
    Quote,
    Speaker,
    Story,
)


def pwn(field: str) -> str:
    """A payload for a free-text field: breaks out of attributes, text, scripts and URLs."""
    return (
        f"{field} \"'><script data-pwn={field}>alert(1)</script>"
        f"<img src=x onerror=alert(1) data-pwn={field}>"
        f"</script><script data-pwn={field}>alert(2)</script>"
        f'<a href="javascript:alert(1)" data-pwn={field}>j</a>'
        f'<div hx-get="/admin/" hx-trigger="load" data-pwn={field}></div>'
        f" x onmouseover=alert(1) data:text/html,<svg/onload=alert(1)> javascript:alert(1)"
    )


def short_pwn(field: str) -> str:
    """For fields of 100 characters (label and tag names): still a tag and an attribute break."""
    payload = f"\"'><svg data-pwn={field} onload=alert(1)></script><script data-pwn={field}>x"
    assert len(payload) <= 100
    return payload


EXECUTABLE_SCHEMES = ("javascript:", "data:", "vbscript:")
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "background",
    "srcset",
    "hx-get",
    "hx-post",
    "hx-put",
    "hx-delete",
    "hx-patch",
}
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class Scan(HTMLParser):
    """Collects what stored text could only produce if it escaped: tags it made, inline code."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if name == "data-pwn":
                self.problems.append(f"<{tag}> made from the {value!r} field")
            elif name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            elif name == "style":
                self.problems.append(f"<{tag} style=…> inline style")
            elif name in URL_ATTRIBUTES and value:
                cleaned = "".join(ch for ch in value if ch > " ").lower()
                if cleaned.startswith(EXECUTABLE_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}> executable URL")
            elif name == "hx-on" or name.startswith(("hx-on:", "hx-on-")):
                self.problems.append(f"<{tag} {name}=…> htmx inline handler")
        if tag == "script" and "src" not in values and values.get("type") not in DATA_SCRIPT_TYPES:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("inline <style>")


PWN_FIELD = re.compile(r"data-pwn=([\w-]+)")


def fields_shown(response) -> set[str]:
    """The payloads a response shows (as text, escaped or not): proof the sweep saw them."""
    return set(PWN_FIELD.findall(response.content.decode()))


def problems_in(response) -> list[str]:
    scan = Scan()
    scan.feed(response.content.decode())
    scan.close()
    return scan.problems


def assert_safe(response, where):
    assert response.status_code in (200, 400, 409, 422), (where, response.status_code)
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
    # The nonce appears only when the page used it: a policy without one is stricter still.
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, where
    content_type = response["Content-Type"]
    if content_type.startswith("text/html"):
        assert problems_in(response) == [], where
    else:
        # Anything that is not our HTML must never be sniffed into HTML by a browser.
        assert response["X-Content-Type-Options"] == "nosniff", where
        assert not content_type.startswith(("text/html", "application/xhtml")), where


HOSTILE_BODY = (
    "{title}\n\n"
    "Moscow, 3 March 2024. The minister spoke to reporters on Monday about the talks.\n\n"
    "\u201c{quote}\u201d, said Dmitry Peskov, the Kremlin spokesman.\n\n"
    "\u201cThe talks will go on as planned next week in Geneva\u201d, Peskov added.\n"
)


@pytest.fixture
def hostile(db, alice, bob, eddie, tmp_path):
    """A corpus where every field anyone can fill carries a payload naming the field."""
    world = {}
    outlet = Outlet.objects.create(
        name=short_pwn("outlet"),
        domain=short_pwn("domain"),
        country=short_pwn("country"),
        notes=pwn("outlet-notes"),
    )
    importer = ArticleImporter(outlet=outlet.name, language='"><i data-pwn=l>')
    ids = []
    for n in range(3):
        path = tmp_path / f"hostile{n}.txt"
        path.write_text(
            HOSTILE_BODY.format(title=pwn(f"title{n}"), quote=pwn(f"quote{n}")), encoding="utf-8"
        )
        result = importer.import_file(path, f'"><svg data-pwn=file{n} onload=alert(1)>{n}.txt')
        assert result.status == "imported", result
        ids.append(result.article_id)
    articles = [Article.objects.get(pk=pk) for pk in ids]
    world["articles"] = articles
    first = articles[0]
    quotes = list(first.quotes.visible().order_by("start"))
    assert quotes, "the importer found no quote in the hostile article"
    quote = next(q for q in quotes if "quote0" in q.text)
    assert "<script" in quote.text
    Quote.objects.filter(pk=quote.pk).update(cue=pwn("cue")[:200])
    world["quote"] = quote

    label_set = LabelSet.objects.create(
        name=short_pwn("ls"), description=pwn("ls-desc"), target=pwn("ls-target")[:200]
    )
    labels = [
        Label.objects.create(
            label_set=label_set,
            name=short_pwn(f"lb{n}"),
            key=key,
            colour="#123456",
            description=pwn(f"lb{n}-desc"),
        )
        for n, key in enumerate("qw")
    ]
    tag = FrameTag.objects.create(name=short_pwn("tag"), description=pwn("tag-desc"))
    world.update(label_set=label_set, labels=labels, tag=tag)

    a, b, e = Client(), Client(), Client()
    a.force_login(alice)
    b.force_login(bob)
    e.force_login(eddie)
    world["clients"] = {"alice": a, "bob": b, "eddie": e}
    label_url = reverse("articles-quote-label", args=[quote.pk])
    assert a.post(label_url, {"label": labels[0].pk, "note": pwn("note")}).status_code == 302
    assert b.post(label_url, {"label": labels[1].pk, "note": pwn("note-bob")}).status_code == 302
    speaker_url = reverse("articles-quote-speaker", args=[quote.pk])
    response = a.post(
        speaker_url,
        {"name": pwn("speaker"), "aliases": pwn("alias").replace(",", ";"), "role": pwn("role")},
    )
    assert response.status_code == 302
    claim_url = reverse("articles-quote-claim", args=[quote.pk])
    assert a.post(claim_url, {"text": pwn("claim")}).status_code == 302
    claim = Claim.objects.get()
    response = a.post(
        reverse("articles-claim", args=[claim.pk]),
        {"text": pwn("claim-edited"), "version": claim.version, "tags": [tag.pk]},
    )
    assert response.status_code == 302
    world["claim"] = claim
    adjudicate = e.post(
        reverse("articles-adjudicate"),
        {"quote": quote.pk, "label": labels[0].pk, "note": pwn("adjudication")},
    )
    assert adjudicate.status_code == 302
    assert Adjudication.objects.filter(quote=quote).exists()
    body = first.body
    start = body.index("The minister")
    create = a.post(
        reverse("articles-quote-create", args=[first.pk]),
        {"start": start, "end": start + 12, "text": body[start : start + 12]},
    )
    assert create.status_code == 302

    story = Story.objects.create(title=pwn("story"))
    other_story = Story.objects.create(title=pwn("other-story"))
    Article.objects.filter(pk__in=ids[:2]).update(story=story)
    Article.objects.filter(pk=ids[2]).update(story=other_story)
    evidence = {
        "shared_names": [pwn("evidence-name")],
        "shared_passages": [[pwn("passage-a"), pwn("passage-b")]],
        "reason": pwn("reason"),
        "days_apart": 0,
    }
    CoverageLink.objects.filter(article_a_id__in=ids, article_b_id__in=ids).delete()
    CoverageLink.objects.create(
        article_a_id=ids[0],
        article_b_id=ids[1],
        relation=CoverageLink.REWRITE,
        status=CoverageLink.CONFIRMED,
        score=0.9,
        evidence=evidence,
    )
    world["suggested"] = CoverageLink.objects.create(
        article_a_id=ids[1],
        article_b_id=ids[2],
        relation=CoverageLink.SAME_STORY,
        score=0.8,
        evidence=evidence,
    )
    world.update(story=story, other_story=other_story)
    return world


def analyst_pages(w):
    first = w["articles"][0]
    ids = ",".join(str(a.pk) for a in w["articles"])
    ls = w["label_set"].pk
    return [
        "/",
        "/?q=alert",
        "/?q=script+img&sort=relevance",
        "/?" + urlencode({"speaker": Speaker.objects.order_by("-pk").first().name}),
        f"/?story={w['story'].pk}",
        f"/articles/{first.pk}/",
        f"/articles/{first.pk}/?set={ls}",
        f"/articles/{first.pk}/history/",
        f"/articles/{w['articles'][1].pk}/",
        f"/claims/{w['claim'].pk}/",
        f"/claims/search/?q=claim&quote={w['quote'].pk}",
        f"/claims/search/?q=script&quote={w['quote'].pk}",
        f"/agreement/?set={ls}",
        "/coverage/",
        f"/stories/{w['story'].pk}/",
        f"/stories/{w['other_story'].pk}/",
        f"/compare/?articles={ids}",
        f"/compare/?articles={ids}&format=csv",
        f"/compare/?articles={ids}&format=json",
    ]


ANALYST_FIELDS = {
    *(f"title{n}" for n in range(3)),
    *(f"quote{n}" for n in range(3)),
    "outlet",
    "l",
    "cue",
    "speaker",
    "alias",
    "role",
    "note",
    "note-bob",
    "claim",
    "claim-edited",
    "tag",
    "ls",
    "ls-target",
    "lb0",
    "lb1",
    "lb0-desc",
    "lb1-desc",
    "adjudication",
    "story",
    "other-story",
    "evidence-name",
    "passage-a",
    "passage-b",
    "reason",
}
ADMIN_ONLY_FIELDS = {"file0", "domain", "country", "outlet-notes", "tag-desc", "ls-desc"}

HTMX_PAGES = {"/", "/?q=alert", "/coverage/"}


def test_every_page_shows_stored_hostile_text_only_as_text(hostile):
    w = hostile
    shown = set()
    for who in ("alice", "eddie"):
        client = w["clients"][who]
        for url in analyst_pages(w):
            response = client.get(url)
            assert_safe(response, f"{who} GET {url}")
            shown |= fields_shown(response)
        for url in [*HTMX_PAGES, f"/compare/?articles={w['articles'][0].pk},{w['articles'][1].pk}"]:
            response = client.get(url, headers={"HX-Request": "true"})
            assert b"<html" not in response.content, url
            assert_safe(response, f"{who} htmx GET {url}")
    # Every field an analyst sees was on some page swept above (the rest are the admin's).
    assert ANALYST_FIELDS - shown == set()
    # The page that shows hostile text is the one under test: prove the text is really there.
    reader = w["clients"]["alice"].get(f"/articles/{w['articles'][0].pk}/?set={w['label_set'].pk}")
    html = reader.content.decode()
    for field in ("title0", "quote0", "outlet", "note", "speaker", "claim-edited", "lb0", "cue"):
        assert f"&lt;script data-pwn={field}&gt;" in html or f"&lt;svg data-pwn={field}" in html, (
            field
        )


def test_htmx_partials_returned_by_writes_show_hostile_text_only_as_text(hostile):
    w = hostile
    a = w["clients"]["alice"]
    quote = w["quote"]
    htmx = {"HX-Request": "true"}
    responses = {
        "label": a.post(
            reverse("articles-quote-label", args=[quote.pk]),
            {"label": w["labels"][1].pk, "note": pwn("note-again")},
            headers=htmx,
        ),
        "label refused": a.post(
            reverse("articles-quote-label", args=[quote.pk]),
            {"label": "999999999", "note": pwn("note-refused")},
            headers=htmx,
        ),
        "claim attach": a.post(
            reverse("articles-quote-claim", args=[quote.pk]),
            {"claim": w["claim"].pk},
            headers=htmx,
        ),
        "claim create": a.post(
            reverse("articles-quote-claim", args=[quote.pk]),
            {"text": pwn("claim-htmx")},
            headers=htmx,
        ),
        "undo": a.post(reverse("articles-undo", args=[w["articles"][0].pk]), headers=htmx),
        "coverage relation": a.post(
            reverse("articles-coverage-decide", args=[w["suggested"].pk]),
            {"action": "relation", "relation": "rewrite", "expected": "suggested"},
            headers=htmx,
        ),
        "compare align": a.post(
            reverse("articles-compare-align"),
            {
                "articles": f"{w['articles'][0].pk},{w['articles'][1].pk}",
                "quote": [quote.pk, w["articles"][1].quotes.first().pk],
                "action": "link",
            },
            headers=htmx,
        ),
        "quote refused": a.post(
            reverse("articles-quote-create", args=[w["articles"][0].pk]),
            {"start": 0, "end": 5, "text": pwn("selection")},
            headers=htmx,
        ),
    }
    for what, response in responses.items():
        assert b"<html" not in response.content, what
        assert_safe(response, what)


def test_reflected_request_values_are_escaped(hostile):
    client = hostile["clients"]["alice"]
    payload = pwn("param")
    pages = [
        ("/", {"q": payload}),
        ("/", {"q": payload, "speaker": payload, "language": payload, "outlet": payload}),
        ("/claims/search/", {"q": payload, "quote": payload}),
        ("/compare/", {"articles": payload}),
        ("/compare/", {"articles": "1,2", "format": payload}),
        ("/agreement/", {"set": payload}),
        (f"/articles/{hostile['articles'][0].pk}/", {"set": payload}),
    ]
    for url, params in pages:
        assert_safe(client.get(url, params), f"GET {url} {params}")
    anonymous = Client()
    assert_safe(anonymous.get("/accounts/login/", {"next": payload}), "login ?next=")


def test_the_admin_shows_hostile_text_only_as_text(hostile):
    client = hostile["clients"]["eddie"]
    w = hostile
    objects = [
        w["articles"][0],
        Outlet.objects.get(),
        w["quote"],
        Quote.objects.get(pk=w["quote"].pk).speaker,
        w["label_set"],
        w["tag"],
        w["claim"],
        w["suggested"],
        w["story"],
    ]
    urls = []
    for model in admin.site._registry:
        if model._meta.app_label == "articles":
            urls.append(reverse(f"admin:articles_{model._meta.model_name}_changelist"))
    for obj in objects:
        urls.append(reverse(f"admin:articles_{obj._meta.model_name}_change", args=[obj.pk]))
    urls.append(reverse("admin:articles_article_changelist") + "?q=script")
    shown = set()
    for url in urls:
        response = client.get(url)
        assert_safe(response, f"admin {url}")
        shown |= fields_shown(response)
    assert ADMIN_ONLY_FIELDS - shown == set()


@pytest.mark.parametrize(
    "html, problem",
    [
        ("<p>ok</p><script>alert(1)</script>", "inline <script>"),
        ("<p data-colour=x onmouseover=alert(1)>", "event handler"),
        ('<a href=" JaVa\tScRiPt:alert(1)">x</a>', "executable URL"),
        ('<img src="data:text/html,x">', "executable URL"),
        ('<div hx-get="javascript:alert(1)">', "executable URL"),
        ('<div hx-on:click="alert(1)">', "htmx inline handler"),
        ('<p style="color:red">', "inline style"),
        ("<script src=/s.js></script><script data-pwn=title>x</script>", "title"),
    ],
)
def test_the_scan_finds_what_it_looks_for(html, problem):
    scan = Scan()
    scan.feed(html)
    assert any(problem in found for found in scan.problems), scan.problems


def test_the_scan_passes_our_own_markup():
    scan = Scan()
    scan.feed(
        '<script src="/static/js/a.js" nonce="n" defer></script><a href="/articles/1/">t</a>'
        '<script type="application/json" id="d">{"a": 1}</script><p>&lt;script&gt;</p>'
    )
    assert scan.problems == []


# --- executable URLs and hostile keys from files and forms -----------------------------------


def _one_exported_row():
    from articles.exporting import export_lines

    row = json.loads(next(export_lines()))
    row["coverage"] = []  # the other ends are not in this one-line file
    return row


HOSTILE_LABEL_SET = {
    "name": "Hostile set",
    "description": "",
    "target": "",
    "note_required": False,
    "order": 0,
    "active": True,
}


def _with_label(**label):
    return {
        **HOSTILE_LABEL_SET,
        "labels": [{"name": "x", "key": "x", "colour": "#123456", "description": "", **label}],
    }


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda row: row.update(url="javascript:alert(1)"), "Enter a valid URL"),
        (lambda row: row.update(url=" javascript:alert(1)"), "Enter a valid URL"),
        (lambda row: row.update(url="data:text/html,<script>alert(1)</script>"), "valid URL"),
        (
            lambda row: row.update(outlet="Evil", outlet_info={"url": "javascript:alert(1)"}),
            "Evil: Enter a valid URL",
        ),
        (lambda row: row.update(label_sets=[_with_label(key="<")]), "label x"),
        (lambda row: row.update(label_sets=[_with_label(key="j")]), "reserved"),
        (lambda row: row.update(label_sets=[_with_label(colour='red"><')]), "colour"),
    ],
    ids=["javascript", "spaced-javascript", "data", "outlet-url", "key", "reserved-key", "colour"],
)
def test_a_restore_refuses_executable_urls_and_hostile_keys(seeds, tmp_path, change, message):
    from tests.test_export_restore import wipe

    row = _one_exported_row()
    change(row)
    wipe()
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(CommandError, match=message):
        call_command("import_corpus", str(path))
    assert not Article.objects.exists()
    assert not LabelSet.objects.filter(name="Hostile set").exists()


def test_a_restore_takes_only_known_field_names_from_the_file(seeds, tmp_path):
    from tests.test_export_restore import wipe

    row = _one_exported_row()
    row["outlet"] = "Known"
    row["outlet_info"] = {"url": "https://known.example/", "id": 4242, "name": "Other"}
    row["label_sets"] = [_with_label(label_set_id=4242, id=4242)]
    row["frame_tags"] = [{"name": "Tag", "description": "", "order": 0, "id": 4242}]
    wipe()
    path = tmp_path / "extra.jsonl"
    path.write_text(json.dumps(row) + "\n")
    call_command("import_corpus", str(path), stdout=StringIO())
    outlet = Outlet.objects.get(name="Known")
    assert outlet.pk != 4242 and outlet.url == "https://known.example/"
    label = Label.objects.get(label_set__name="Hostile set")
    assert label.pk != 4242 and label.label_set.name == "Hostile set"
    assert FrameTag.objects.get(name="Tag").pk != 4242


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "vbscript:x", "//x"])
def test_the_admin_refuses_executable_outlet_urls(client_for, eddie, url):
    client = client_for(eddie)
    response = client.post(
        reverse("admin:articles_outlet_add"), {"name": "Evil", "url": url, "notes": ""}
    )
    assert response.status_code == 200 and b"Enter a valid URL" in response.content
    assert not Outlet.objects.filter(name="Evil").exists()


@pytest.mark.parametrize(
    "field, value",
    [("key", "<"), ("key", "j"), ("key", "ab"), ("colour", "red"), ("colour", '#12345"')],
)
def test_label_validators_refuse_hostile_keys_and_colours(db, field, value):
    label_set = LabelSet.objects.create(name="Set")
    label = Label(label_set=label_set, name="x", key="x", colour="#123456")
    setattr(label, field, value)
    with pytest.raises(ValidationError):
        label.full_clean()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "ftp://x.example/"])
def test_article_urls_must_be_web_links(db, url):
    article = Article(title="t", body="b", raw_text="b", encoding="utf-8", sha256="0" * 64, url=url)
    with pytest.raises(ValidationError, match="valid URL"):
        article.full_clean(exclude=["outlet", "story"])
