"""Shared fixtures: a user per role, and the seed corpus."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from articles.importing import ArticleImporter, iter_text_files

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def make_user(username, *roles, staff=False):
    user = User.objects.create_user(username, password=f"{username}-pw-123")
    user.groups.add(*Group.objects.filter(name__in=roles))
    user.is_staff = staff
    user.save()
    return user


@pytest.fixture
def alice(db):
    """An analyst."""
    return make_user("alice", "analyst")


@pytest.fixture
def bob(db):
    """Another analyst."""
    return make_user("bob", "analyst")


@pytest.fixture
def victor(db):
    """A viewer: reads, never writes."""
    return make_user("victor", "viewer")


@pytest.fixture
def eddie(db):
    """An editor: runs the corpus in the admin."""
    return make_user("eddie", "editor", staff=True)


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def seeds(db):
    """The five seed articles, imported as a user would."""
    importer = ArticleImporter()
    results = [importer.import_file(path, name) for path, name in iter_text_files([SEEDS])]
    assert [r.status for r in results] == ["imported"] * 5, results
    from articles.models import Article

    return list(Article.objects.order_by("pk"))


_migration_apps = None


@pytest.fixture(autouse=True)
def _defaults_for_transactional_tests(request):
    """Put back what the data migration made (roles, label sets, frame tags) before a
    transactional test: the previous one flushed every table, and serialized rollback alone
    does not restore them once plain database tests have run earlier in the session (seen
    with the browser tests after tests/test_agreement.py)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or (marker is not None and marker.kwargs.get("transaction", False))
    )
    if not transactional:
        return
    request.getfixturevalue("_django_db_helper")
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    global _migration_apps
    if _migration_apps is None:
        _migration_apps = MigrationLoader(connection).project_state().apps
    importlib.import_module("articles.migrations.0002_defaults").create_defaults(
        _migration_apps, None
    )
