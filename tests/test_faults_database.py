"""A database that stops answering: every request fails with a 503 and a message (a fragment for
htmx), is logged, saves nothing by halves, and /healthz says the database is down. The failure
is simulated by making the connection raise what psycopg and sqlite3 raise when the server is
gone; bench/drills.py does the same against a real PostgreSQL restart."""

import logging

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import InterfaceError, OperationalError, connection
from django.urls import reverse

from articles import annotation
from articles.models import ChangeRecord, LabelSet, StanceAnnotation
from newsdesk.errors import NOT_LOADED, RETRY_AFTER_SECONDS, UNSAVED

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def analyst_client(client, alice):
    client.force_login(alice)
    # Answer like a server does instead of re-raising the view's exception into the test.
    client.raise_request_exception = False
    return client


@pytest.fixture
def database_down(db):
    """From now on every query fails as it does while PostgreSQL restarts."""

    def refuse(*args, **kwargs):
        raise OperationalError(
            'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
        )

    # Its own patch, undone before the test database rolls back (which needs the cursor).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        yield


@pytest.fixture
def quote(seeds):
    return seeds[0].quotes.order_by("start").first()


@pytest.fixture
def endorses(db):
    return LabelSet.objects.get(name="Presentation").labels.order_by("order").first()


def label_url(quote):
    return reverse("articles-quote-label", args=[quote.pk])


def test_a_page_while_the_database_is_down_is_a_503_page_with_a_message(
    analyst_client, database_down
):
    response = analyst_client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    text = response.content.decode()
    assert text.startswith("<!doctype html>") and NOT_LOADED in text
    assert "Connection refused" not in text and "Traceback" not in text  # no detail leaked
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    # WSGI servers refuse header names that are str subclasses (Django's CSP enum is one).
    assert all(type(name) is str for name in response.headers)


def test_a_label_posted_with_htmx_while_the_database_is_down_gets_a_fragment(
    analyst_client, quote, endorses, database_down
):
    response = analyst_client.post(
        label_url(quote), {"label": endorses.pk, "label_set": endorses.label_set_id}, **HX
    )
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    text = response.content.decode()
    assert "<html" not in text
    assert text == f'<p class="error" role="alert">{UNSAVED}</p>'


def test_a_plain_form_post_while_the_database_is_down_says_the_change_was_not_saved(
    analyst_client, quote, endorses, database_down
):
    response = analyst_client.post(
        label_url(quote), {"label": endorses.pk, "label_set": endorses.label_set_id}
    )
    assert response.status_code == 503
    assert "<html" in response.content.decode() and UNSAVED in response.content.decode()


def test_the_failure_is_logged_with_its_exception(analyst_client, database_down, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        analyst_client.get("/")
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and records[-1].levelno == logging.ERROR
    assert records[-1].exc_info and records[-1].exc_info[0] is OperationalError


@pytest.mark.parametrize("error", [InterfaceError("connection already closed"), OperationalError])
def test_a_connection_lost_mid_write_saves_no_half_label_and_answers_503(
    analyst_client, quote, endorses, monkeypatch, error
):
    """The stance row is written, then the history write fails: the label must go too."""

    def lost(*args, **kwargs):
        raise error

    monkeypatch.setattr(ChangeRecord, "record", lost)
    response = analyst_client.post(
        label_url(quote), {"label": endorses.pk, "label_set": endorses.label_set_id}, **HX
    )
    assert response.status_code == 503
    assert not StanceAnnotation.objects.filter(quote=quote).exists()
    assert not ChangeRecord.objects.filter(subject="stance").exists()


def test_a_connection_lost_while_the_session_is_saved_is_a_503_saying_it_may_be_saved(
    analyst_client, monkeypatch
):
    """Saving the session (here blind mode; labels and their undo no longer write it) fails:
    Django calls that SessionInterrupted, a 400; it is the database, as the message allows."""

    def lost(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(Session, "save", lost)
    response = analyst_client.post(reverse("articles-blind"), **HX)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert UNSAVED in response.content.decode() and "may not have been saved" in UNSAVED


def test_other_bad_requests_keep_the_plain_400(analyst_client, monkeypatch):
    def refused(*args, **kwargs):
        raise UpdateError  # the session row really was deleted meanwhile (a logout elsewhere)

    monkeypatch.setattr(SessionStore, "save", refused)
    response = analyst_client.post(reverse("articles-blind"), **HX)
    assert response.status_code == 400
    assert "Retry-After" not in response


def test_requests_succeed_again_once_the_database_answers(analyst_client, quote, endorses):
    def refuse(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        assert analyst_client.get("/").status_code == 503
    response = analyst_client.post(
        label_url(quote), {"label": endorses.pk, "label_set": endorses.label_set_id}, **HX
    )
    assert response.status_code == 200
    assert StanceAnnotation.objects.get(quote=quote).label == endorses
    assert ChangeRecord.objects.filter(subject="stance", object_id=quote.pk).count() == 1


def test_other_server_errors_keep_the_plain_500(analyst_client, quote, endorses, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug, not the database")

    monkeypatch.setattr(annotation, "set_label", broken)
    response = analyst_client.post(
        label_url(quote), {"label": endorses.pk, "label_set": endorses.label_set_id}, **HX
    )
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert UNSAVED not in response.content.decode()


@pytest.mark.django_db
def test_healthz_is_503_while_the_database_is_down(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"database unavailable\n"


@pytest.mark.django_db
def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"
