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
