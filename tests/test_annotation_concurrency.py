"""Concurrent labelling on a real database: two analysts at once keep both labels; one analyst
double-submitting keeps one. Meaningful on PostgreSQL (row locks); SQLite serialises writers."""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection

from articles import annotation
from articles.models import Article, Label, LabelSet, Quote, StanceAnnotation

# A transactional test flushes the tables at the end; serialized_rollback puts back the rows
# the migrations created (roles, label sets, frame tags) for the tests that follow.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite's in-memory test database locks whole tables",
    ),
]


def make_quote():
    body = "He said: “We will win.” Then he left."
    article = Article.objects.create(
        title="T", sha256="c" * 64, raw_text=body, body=body, encoding="utf-8"
    )
    start = body.index("We will win.")
    return Quote.objects.create(article=article, start=start, end=start + 12, text="We will win.")


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors


@pytest.fixture
def setup():
    label_set = LabelSet.objects.create(name="Concurrency set")
    yes = Label.objects.create(label_set=label_set, name="yes", key="y")
    no = Label.objects.create(label_set=label_set, name="no", key="n")
    users = [User.objects.create_user(name) for name in ("ann", "ben")]
    return make_quote(), users, yes, no


@pytest.mark.parametrize("attempt", range(3))
def test_two_analysts_labelling_one_quote_at_once_both_keep_their_labels(setup, attempt):
    quote, (ann, ben), yes, no = setup
    run_together(
        lambda: annotation.set_label(ann, quote, yes),
        lambda: annotation.set_label(ben, quote, no),
    )
    rows = dict(StanceAnnotation.objects.values_list("annotator__username", "label__name"))
    assert rows == {"ann": "yes", "ben": "no"}


@pytest.mark.parametrize("attempt", range(3))
def test_one_analyst_double_submitting_creates_one_label(setup, attempt):
    quote, (ann, _), yes, _ = setup
    run_together(*[lambda: annotation.set_label(ann, quote, yes)] * 4)
    assert StanceAnnotation.objects.filter(annotator=ann).count() == 1


def test_two_different_answers_at_once_leave_one_of_them(setup):
    quote, (ann, _), yes, no = setup
    run_together(
        lambda: annotation.set_label(ann, quote, yes),
        lambda: annotation.set_label(ann, quote, no),
    )
    assert StanceAnnotation.objects.filter(annotator=ann).count() == 1
