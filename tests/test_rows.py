"""RowWriter: rows written without model instances, checked by the model's own field rules."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from articles.models import Article, Outlet, Quote, SourceFile
from articles.rows import RowWriter

FIELDS = ("outlet_id", "title", "published", "sha256", "raw_text", "encoding", "body")


def row(**changes):
    values = {
        "outlet_id": None,
        "title": "A title",
        "published": dt.datetime(2023, 2, 28, 15, 7, tzinfo=dt.UTC),
        "sha256": "a" * 64,
        "raw_text": "raw",
        "encoding": "utf-8",
        "body": "The body.",
    }
    values.update(changes)
    return tuple(values[name] for name in FIELDS)


def test_clean_names_each_field_that_breaks_its_rules():
    writer = RowWriter(Article, FIELDS)
    with pytest.raises(ValidationError) as caught:
        writer.clean(row(title="", encoding="e" * 21))
    assert caught.value.messages == [
        "title: This field cannot be blank.",
        "encoding: Ensure this value has at most 20 characters (it has 21).",
    ]


def test_clean_checks_choices_and_leaves_good_rows_as_they_are():
    writer = RowWriter(Quote, ("article_id", "start", "end", "text", "kind"))
    assert writer.clean((1, 0, 4, "text", Quote.PARTIAL)) == (1, 0, 4, "text", "partial")
    with pytest.raises(ValidationError, match="kind: Value 'shouted' is not a valid choice"):
        writer.clean((1, 0, 4, "text", "shouted"))


def test_clean_skips_blank_values_of_fields_that_may_be_blank():
    writer = RowWriter(Article, (*FIELDS, "url"))
    assert writer.clean((*row(), ""))[-1] == ""
    with pytest.raises(ValidationError, match="url: Enter a valid URL"):
        writer.clean((*row(), "javascript:alert(1)"))


@pytest.mark.django_db
def test_write_stores_the_values_dates_included_and_the_models_defaults():
    outlet = Outlet.objects.create(name="Wire")
    before = dt.datetime.now(dt.UTC)
    RowWriter(Article, FIELDS).write([row(outlet_id=outlet.pk), row(sha256="b" * 64)])
    first, second = Article.objects.order_by("sha256")
    assert (first.outlet, first.title, first.body) == (outlet, "A title", "The body.")
    assert first.published == dt.datetime(2023, 2, 28, 15, 7, tzinfo=dt.UTC)
    assert second.outlet is None
    # Defaults: the model's own, once per write.
    assert (first.title_derived, first.language, first.url, first.deleted_at) == (
        False,
        "",
        "",
        None,
    )
    assert first.imported_at == second.imported_at >= before.replace(microsecond=0)


@pytest.mark.django_db
def test_writing_no_rows_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        RowWriter(SourceFile, ("article_id", "name")).write([])
