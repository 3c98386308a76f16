"""A reviewer's decision and an import's link writes take the 'links' version before any link's
row lock (see articles.caching), so neither waits for the other both ways (PostgreSQL: SQLite
serialises writers)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from articles import coverage
from articles.models import Article, CoverageLink
from tests.conftest import make_user

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only"),
]
BODY = "Peskov said: “Talks continue.” Nothing more."


def article(n: int) -> Article:
    return Article.objects.create(
        title=f"Report {n}", body=BODY, raw_text=BODY, encoding="utf-8", sha256=f"{n:064x}"
    )


def link(a: Article, b: Article) -> CoverageLink:
    return CoverageLink.objects.create(
        article_a=a, article_b=b, relation=CoverageLink.SAME_STORY,
        status=CoverageLink.SUGGESTED, score=0.6, evidence={},
    )  # fmt: skip


@pytest.mark.parametrize("action", ["reject", "undo of a rejection"])
def test_a_rejection_during_an_import_that_refreshes_the_link_waits_instead_of_deadlocking(
    action,
):
    """The import inserts links (taking 'links'), then refreshes a suggestion; the reviewer
    rejects that suggestion (or undoes a rejection of it) meanwhile, which moves 'links' too."""
    alice = make_user("alice", "analyst")
    first, second, third, fourth = (article(n) for n in range(1, 5))
    reviewed = link(first, second)
    if action == "undo of a rejection":
        coverage.decide(alice, reviewed.pk, CoverageLink.REJECTED, expected="suggested")
    inserted, errors = threading.Event(), []

    def importer():
        with transaction.atomic():
            link(third, fourth)  # the 'links' version, as an import's new suggestions take it
            inserted.set()
            time.sleep(0.5)  # the reviewer starts meanwhile
            CoverageLink.objects.filter(pk=reviewed.pk).update(score=0.7)  # a refresh

    def reviewer():
        assert inserted.wait(5)
        if action == "reject":
            coverage.decide(alice, reviewed.pk, CoverageLink.REJECTED, expected="suggested")
        else:
            coverage.undo_last(alice)

    def run(call):
        try:
            call()
        except Exception as exc:  # noqa: BLE001 — any failure (a deadlock) is the finding
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in (importer, reviewer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    reviewed.refresh_from_db()
    expected = CoverageLink.REJECTED if action == "reject" else CoverageLink.SUGGESTED
    assert (reviewed.status, reviewed.score) == (expected, 0.7)
