"""Every write endpoint, tried the way an attacker would: without the CSRF token, by a viewer,
by an analyst on an editor's endpoint, anonymously, with ids that do not exist, on binned
articles, and by another analyst. Each refusal must leave the database exactly as it was.

The tables below list every URL of the app; a URL missing from them fails
`test_every_url_is_in_the_write_or_the_read_only_table`, so a new endpoint cannot be forgotten.
"""

import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from articles import annotation, coverage
from articles.models import (
    Article,
    ChangeRecord,
    Claim,
    CoverageLink,
    LabelSet,
    Quote,
    StanceAnnotation,
    Story,
)

MISSING = 987_654_321
ANALYST, EDITOR, ANYONE = "analyst", "editor", "anyone"


@dataclass
class Write:
    """How to call one write endpoint with a valid request, given the test world."""

    role: str  # the least role allowed to call it
    args: object = lambda w: []  # noqa: E731 — url arguments
    data: object = lambda w: {}  # noqa: E731 — POST data
    # Variants naming something that does not exist: (url args, data, accepted statuses).
    missing: list = field(default_factory=list)
    # Whether the request concerns one article (then a binned article makes it a 404).
    binned: object = None


def _quote_write(data=None):
    data = data or (lambda w: {})
    return Write(
        ANALYST,
        args=lambda w: [w.quote.pk],
        data=data,
        missing=[(lambda w: [MISSING], data, {404})],
        binned=lambda w: ([w.binned_quote.pk], data(w)),
    )


WRITES = {
    "articles-compare-align": Write(
        ANALYST,
        data=lambda w: {
            "articles": f"{w.article.pk},{w.other.pk}",
            "quote": [w.quote.pk, w.other_quote.pk],
            "action": "link",
        },
        missing=[
            (
                lambda w: [],
                lambda w: {
                    "articles": f"{w.article.pk},{MISSING}",
                    "quote": [w.quote.pk, w.other_quote.pk],
                    "action": "link",
                },
                {404},
            ),
            (
                lambda w: [],
                lambda w: {
                    "articles": f"{w.article.pk},{w.other.pk}",
                    "quote": [w.quote.pk, MISSING],
                    "action": "link",
                },
                {404},
            ),
        ],
        binned=lambda w: (
            [],
            {
                "articles": f"{w.binned.pk},{w.other.pk}",
                "quote": [w.binned_quote.pk, w.other_quote.pk],
                "action": "link",
            },
        ),
    ),
    "articles-undo": Write(
        ANALYST,
        args=lambda w: [w.article.pk],
        missing=[(lambda w: [MISSING], lambda w: {}, {404})],
        binned=lambda w: ([w.binned.pk], {}),
    ),
    "articles-quote-create": Write(
        ANALYST,
        args=lambda w: [w.article.pk],
        data=lambda w: {"start": 0, "end": 5, "text": w.article.body[:5]},
        missing=[(lambda w: [MISSING], lambda w: {"start": 0, "end": 1, "text": "x"}, {404})],
        binned=lambda w: ([w.binned.pk], {"start": 0, "end": 5, "text": w.binned.body[:5]}),
    ),
    "articles-quote-label": Write(
        ANALYST,
        args=lambda w: [w.quote.pk],
        data=lambda w: {"label": w.label.pk},
        missing=[
            (lambda w: [MISSING], lambda w: {"label": w.label.pk}, {404}),
            (lambda w: [w.quote.pk], lambda w: {"label": MISSING}, {400}),
            (lambda w: [w.quote.pk], lambda w: {"label": "", "label_set": MISSING}, {400}),
        ],
        binned=lambda w: ([w.binned_quote.pk], {"label": w.label.pk}),
    ),
    "articles-quote-adjust": _quote_write(lambda w: {"start": w.quote.start, "end": w.quote.end}),
    "articles-quote-delete": _quote_write(),
    "articles-quote-restore": _quote_write(),
    "articles-quote-speaker": _quote_write(lambda w: {"name": "New Speaker"}),
    "articles-quote-claim": Write(
        ANALYST,
        args=lambda w: [w.quote.pk],
        data=lambda w: {"text": "A new claim"},
        missing=[
            (lambda w: [MISSING], lambda w: {"text": "A new claim"}, {404}),
            (lambda w: [w.other_quote.pk], lambda w: {"claim": MISSING}, {404}),
        ],
        binned=lambda w: ([w.binned_quote.pk], {"claim": w.claim.pk}),
    ),
    "articles-quote-claim-remove": Write(
        ANALYST,
        args=lambda w: [w.quote.pk, w.claim.pk],
        missing=[
            (lambda w: [MISSING, w.claim.pk], lambda w: {}, {404}),
            (lambda w: [w.quote.pk, MISSING], lambda w: {}, {404}),
        ],
        binned=lambda w: ([w.binned_quote.pk, w.claim.pk], {}),
    ),
    # Only the caller's own session preference changes: no data, any role.
    "articles-blind": Write(ANYONE),
    "articles-claim": Write(
        ANALYST,
        args=lambda w: [w.claim.pk],
        data=lambda w: {"text": "Edited", "version": w.claim.version},
        missing=[(lambda w: [MISSING], lambda w: {"text": "x", "version": 1}, {404})],
    ),
    "articles-adjudicate": Write(
        EDITOR,
        data=lambda w: {"quote": w.quote.pk, "label": w.label.pk},
        missing=[
            (lambda w: [], lambda w: {"quote": MISSING, "label": w.label.pk}, {404}),
            (lambda w: [], lambda w: {"quote": w.quote.pk, "label": MISSING}, {404}),
        ],
        binned=lambda w: ([], {"quote": w.binned_quote.pk, "label": w.label.pk}),
    ),
    "articles-coverage-decide": Write(
        ANALYST,
        args=lambda w: [w.link.pk],
        data=lambda w: {"action": "reject", "expected": "suggested"},
        missing=[(lambda w: [MISSING], lambda w: {"action": "reject"}, {404})],
        binned=lambda w: ([w.binned_link.pk], {"action": "reject", "expected": "suggested"}),
    ),
    "articles-coverage-undo": Write(ANALYST),
    "articles-story-remove": Write(
        EDITOR,
        args=lambda w: [w.story.pk, w.article.pk],
        missing=[
            (lambda w: [MISSING, w.article.pk], lambda w: {}, {404}),
            (lambda w: [w.story.pk, MISSING], lambda w: {}, {404}),
            (lambda w: [w.story.pk, w.outsider.pk], lambda w: {}, {404}),
        ],
        binned=lambda w: ([w.story.pk, w.binned.pk], {}),
    ),
    "articles-story-merge": Write(
        EDITOR,
        args=lambda w: [w.story.pk],
        data=lambda w: {"other": w.other_story.pk},
        missing=[
            (lambda w: [MISSING], lambda w: {"other": w.other_story.pk}, {404}),
            (lambda w: [w.story.pk], lambda w: {"other": MISSING}, {404}),
        ],
    ),
}
READ_ONLY = {
    "articles-list",
    "articles-reader",
    "articles-raw",
    "articles-compare",
    "articles-history",
    "articles-claim-search",
    "articles-claim",  # GET shows the claim; its POST is in WRITES
    "articles-agreement",
    "articles-coverage",
    "articles-story",
    "articles-healthz",
    "articles-bench-hello",
}
# Django's own views, tested in test_access.py: login is public, logout ends a session.
ACCOUNTS = {"login", "logout"}


def _names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the admin is editors-only as a whole (test_access.py)
            yield from _names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield pattern.name or f"<unnamed {pattern.pattern}>"


def test_every_url_is_in_the_write_or_the_read_only_table():
    names = set(_names(get_resolver().url_patterns))
    unknown = names - WRITES.keys() - READ_ONLY - ACCOUNTS
    assert unknown == set(), "classify these URLs in tests/test_security_endpoints.py"
    assert (WRITES.keys() | READ_ONLY | ACCOUNTS) - names == set(), "stale entries"


# --- the world every refusal is tried against -------------------------------------------------


class World:
    pass


def snapshot():
    """Every row of the app's tables except the derived search indexes, and the users."""
    from django.contrib.auth.models import User

    skip = {"ArticleFingerprint", "BandKey", "BlockingKey", "TermCount"}
    rows = {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in apps.get_app_config("articles").get_models()
        if model.__name__ not in skip
    }
    rows["User"] = list(User.objects.order_by("pk").values("pk", "is_active", "is_staff"))
    return rows


@pytest.fixture
def world(seeds, alice, bob, victor, eddie):
    w = World()
    w.users = {"alice": alice, "bob": bob, "victor": victor, "eddie": eddie}
    w.article, w.other, w.outsider, w.binned = seeds[0], seeds[1], seeds[3], seeds[2]
    w.quote = w.article.quotes.visible().order_by("start").first()
    w.other_quote = w.other.quotes.visible().order_by("start").first()
    w.binned_quote = w.binned.quotes.visible().order_by("start").first()
    presentation = LabelSet.objects.get(name="Presentation")
    w.label = presentation.labels.order_by("order").first()
    # Alice's own work: a label with a note, a claim, a hand-made quote, a coverage decision.
    annotation.set_label(alice, w.quote, w.label, "alice's note")
    w.claim = annotation.create_claim(alice, w.quote, "NATO is at war with Russia")
    annotation.attach_quote(alice, w.claim, w.binned_quote)
    w.alice_quote = annotation.create_quote(alice, w.other, 0, 5, w.other.body[:5])
    w.link = CoverageLink.objects.get(article_a=w.article, article_b=w.other)
    w.binned_link = CoverageLink.objects.get(article_a=w.article, article_b=w.binned)
    decided = CoverageLink.objects.get(article_a=w.outsider, article_b=seeds[4])
    coverage.decide(alice, decided.pk, CoverageLink.REJECTED)
    w.story = Story.objects.create(title="Peskov on NATO")
    w.other_story = Story.objects.create(title="Another story")
    Article.objects.filter(pk__in=[w.article.pk, w.other.pk, w.binned.pk]).update(story=w.story)
    Article.objects.filter(pk=seeds[4].pk).update(story=w.other_story)
    Article.objects.filter(pk=w.binned.pk).update(deleted_at=timezone.now())
    return w


def _post(client, name, w, args=None, data=None, **extra):
    spec = WRITES[name]
    url = reverse(name, args=(args if args is not None else spec.args(w)))
    return client.post(url, data if data is not None else spec.data(w), **extra)


def _client(user, csrf=False):
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


ROLE_USER = {ANALYST: "alice", EDITOR: "eddie", ANYONE: "victor"}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_write_without_the_csrf_token_is_refused_and_changes_nothing(world, name):
    client = _client(world.users[ROLE_USER[WRITES[name].role]], csrf=True)
    before = snapshot()
    response = _post(client, name, world)
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(n for n, s in WRITES.items() if s.role != ANYONE))
def test_a_viewer_is_refused_every_write(world, name):
    before = snapshot()
    assert _post(_client(world.users["victor"]), name, world).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(n for n, s in WRITES.items() if s.role == EDITOR))
def test_an_analyst_is_refused_every_editors_write(world, name):
    before = snapshot()
    assert _post(_client(world.users["alice"]), name, world).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(WRITES))
def test_an_anonymous_write_is_sent_to_log_in_and_changes_nothing(world, client, name):
    before = snapshot()
    response = _post(client, name, world)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(n for n in WRITES if n != "articles-claim"))
def test_writes_do_not_answer_get(world, name):
    spec = WRITES[name]
    client = _client(world.users["eddie"])
    assert client.get(reverse(name, args=spec.args(world))).status_code == 405


MISSING_CASES = [
    (name, n) for name, spec in sorted(WRITES.items()) for n in range(len(spec.missing))
]


@pytest.mark.parametrize("name, case", MISSING_CASES)
def test_ids_that_do_not_exist_are_refused_and_change_nothing(world, name, case):
    args, data, statuses = WRITES[name].missing[case]
    before = snapshot()
    response = _post(_client(world.users["eddie"]), name, world, args(world), data(world))
    assert response.status_code in statuses
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(n for n, s in WRITES.items() if s.binned))
def test_writes_on_a_binned_article_are_404_and_change_nothing(world, name):
    args, data = WRITES[name].binned(world)
    before = snapshot()
    response = _post(_client(world.users["eddie"]), name, world, args, data)
    assert response.status_code == 404
    assert snapshot() == before


def _own_work(user):
    return {
        "labels": list(StanceAnnotation.objects.filter(annotator=user).order_by("pk").values()),
        "history": list(ChangeRecord.objects.filter(user=user).order_by("pk").values()),
        "claims": list(Claim.objects.filter(created_by=user).order_by("pk").values()),
        "quotes": list(Quote.objects.filter(created_by=user).order_by("pk").values("pk", "text")),
    }


def test_another_analysts_writes_never_change_ones_labels_history_or_claims(world):
    """Bob calls every analyst endpoint on the very objects Alice worked on; the corpus is
    shared (quotes, speakers, links may change, with history), but Alice's labels, notes,
    history and claims are hers: only she changes them."""
    alice = world.users["alice"]
    mine = _own_work(alice)
    bob = _client(world.users["bob"])
    for name, spec in sorted(WRITES.items()):
        if spec.role != EDITOR and name != "articles-claim":
            response = _post(bob, name, world)
            assert response.status_code < 500, name
    # Bob clears "his" label in the set Alice labelled, and undoes in her article.
    quote_label = reverse("articles-quote-label", args=[world.quote.pk])
    bob.post(quote_label, {"label": "", "label_set": world.label.label_set_id})
    bob.post(reverse("articles-undo", args=[world.article.pk]))
    bob.post(reverse("articles-coverage-undo"))
    assert _own_work(alice) == mine
    assert StanceAnnotation.objects.get(annotator=alice).note == "alice's note"


# --- request-supplied field names never reach the ORM ------------------------------------------


HOSTILE_PARAMS = [
    {"sort": "author__password"},
    {"sort": "-body"},
    {"sort": "outlet__articles__raw_text"},
    {"order": "-body"},
    {"o": "1"},
    {"ordering": "created_by__password"},
    {"outlet__name__startswith": "T"},
    {"quotes__stances__annotator__password__regex": "^md5"},
    {"outlet": "outlet__name"},
    {"outlet": "1 OR 1=1"},
    {"story": "story__title__regex"},
    {"page": "-1"},
    {"page": "1e9"},
    {"from": "published__gte"},
    {"speaker__password": "x"},
    {"unlabelled": "quotes__stances__isnull"},
]


def _listed_ids(response):
    return [row.pk for row in response.context["page"].rows]


COLUMN = re.compile(r'"(\w+)"\."(\w+)"')


def _get_with_sql(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", params)
    sql = [q["sql"] for q in queries.captured_queries]
    return response, sql, {c for statement in sql for c in COLUMN.findall(statement)}


@pytest.mark.parametrize(
    "params", HOSTILE_PARAMS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items())
)
def test_lookup_paths_in_list_parameters_are_ignored(world, params):
    client = _client(world.users["victor"])
    baseline, _, baseline_columns = _get_with_sql(client, {})
    response, sql, columns = _get_with_sql(client, params)
    assert response.status_code == 200
    assert _listed_ids(response) == _listed_ids(baseline)
    # A lookup path that reached the ORM would join or filter on columns the plain list never
    # touches (auth_user.password, raw_text, another table).
    assert columns <= baseline_columns, columns - baseline_columns
    for statement in sql:
        if "password" in statement:  # only the session's user, loaded by id
            assert statement.lstrip().upper().startswith("SELECT")
            assert '"auth_user"."id" =' in statement and " LIKE " not in statement.upper()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/articles/changerecord/?user__password__startswith=m",
        "/admin/articles/claim/?created_by__password__regex=.",
        "/admin/articles/article/?quotes__stances__annotator__password__startswith=m",
    ],
)
def test_the_admin_refuses_lookups_through_users(world, url):
    response = _client(world.users["eddie"]).get(url)
    # Django's admin answers 400 (DisallowedModelAdminLookup) or drops the filter (?e=1).
    assert response.status_code == 400 or (
        response.status_code == 302 and "e=1" in response["Location"]
    )


def test_editors_cannot_manage_accounts_in_the_admin(world):
    client = _client(world.users["eddie"])
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get(f"/admin/auth/user/{world.users['alice'].pk}/change/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403


# --- redirects -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["javascript:alert(1)", "//evil.example/", "https://evil.example/", "data:text/html,x"],
)
def test_next_never_redirects_off_site_or_to_a_script(world, target):
    client = _client(world.users["alice"])
    response = client.post(
        reverse("articles-quote-label", args=[world.quote.pk]),
        {"label": world.label.pk, "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("articles-reader", args=[world.article.pk])
    blind = client.post(reverse("articles-blind"), {"next": target})
    assert blind["Location"] == reverse("articles-list")
    login = Client().post(
        "/accounts/login/?next=" + target, {"username": "bob", "password": "bob-pw-123"}
    )
    assert login.status_code == 302 and login["Location"] == reverse("articles-list")
