"""Login, roles, security headers and the health check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/articles/1/", "/articles/1/raw/"])
def test_pages_require_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"


@pytest.mark.django_db
def test_login_page_is_public_and_has_a_csrf_token(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


@pytest.mark.django_db
def test_session_rotates_at_login_and_ends_at_logout(client, alice):
    client.get("/accounts/login/")
    client.cookies["sessionid"] = "attacker-chosen"
    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-pw-123"})
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != "attacker-chosen"
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_a_deactivated_user_loses_their_session(client, alice):
    client.force_login(alice)
    assert client.get("/").status_code == 200
    alice.is_active = False
    alice.save()
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_a_change_of_role_applies_at_the_next_request(client, alice):
    """The roles are read with the session's user on every request (one query,
    newsdesk.authentication), never kept from an earlier request or the login."""
    from django.contrib.auth.models import Group

    client.force_login(alice)
    assert 'href="/admin/"' not in client.get("/").text
    alice.groups.add(Group.objects.get(name="editor"))
    assert 'href="/admin/"' in client.get("/").text
    alice.groups.clear()
    assert 'href="/admin/"' not in client.get("/").text
    assert client.post("/coverage/undo/").status_code == 403


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account_for_a_while(client, alice):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-pw-123"})
    assert response.status_code == 429
    assert b"locked" in response.content.lower()


@pytest.mark.django_db
def test_there_is_no_self_registration(client):
    assert client.get("/accounts/signup/").status_code in (302, 404)
    assert client.get("/accounts/register/").status_code in (302, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("who, status", [("victor", 302), ("alice", 302), ("eddie", 200)])
def test_the_admin_is_for_editors_only(client, request, who, status):
    user = request.getfixturevalue(who)
    if who != "eddie":
        user.is_staff = True  # even a staff flag does not open the admin without the role
        user.save()
    client.force_login(user)
    assert client.get("/admin/").status_code == status


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy(client, alice):
    client.force_login(alice)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_pages_have_no_inline_scripts_or_styles(client, seeds, alice):
    client.force_login(alice)
    for url in ["/", f"/articles/{seeds[0].pk}/", "/accounts/login/"]:
        html = client.get(url).content.decode()
        assert " style=" not in html and "<style" not in html
        for tag in html.split("<script")[1:]:
            assert " src=" in tag.split(">")[0], f"inline script on {url}"


def run_settings(**env):
    # A production process: none of the test run's own settings (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright's event loop, which --deploy rightly flags).
    unset = {"SECRET_KEY", "DEBUG", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ = {k: v for k, v in os.environ.items() if k not in unset}
    environ.update(env)
    environ["DJANGO_SETTINGS_MODULE"] = "newsdesk.settings"
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = run_settings()
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = run_settings(SECRET_KEY="x" * 60 + "-production-grade-secret-key-value")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_raw_text_is_served_as_plain_text_never_html(client, alice, tmp_path):
    from articles.importing import ArticleImporter

    path = tmp_path / "evil.txt"
    path.write_text(
        "Title with <b>tags</b> and a </script> end\n\n"
        "<img src=x onerror=alert(2)> said the text, \u201c<script>alert(1)</script> is here.\u201d\n"
    )
    result = ArticleImporter().import_file(path, "evil.txt")
    client.force_login(alice)
    response = client.get(reverse("articles-raw", args=[result.article_id]))
    assert response["Content-Type"].startswith("text/plain")
    assert response["X-Content-Type-Options"] == "nosniff"
    page = client.get(reverse("articles-reader", args=[result.article_id])).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "<b>tags</b>" not in page and "&lt;b&gt;tags&lt;/b&gt;" in page
