"""What production settings promise on the wire (HTTPS redirect, HSTS, secure cookies, frame,
referrer and sniffing headers), and how login throttling is keyed and expires.

The settings are read from `newsdesk.settings` in a child process with the environment of a
production server, then applied here: the test checks the real production values, not a copy.
"""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import get_resolver
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
WIRE_SETTINGS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "X_FRAME_OPTIONS",
    "SECURE_CSP",
]
PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings; "
    f"print(json.dumps({{k: getattr(settings, k) for k in {WIRE_SETTINGS!r}}}, default=str))"
)


@pytest.fixture(scope="module")
def production():
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS"}}
    environ.update(
        DJANGO_SETTINGS_MODULE="newsdesk.settings",
        SECRET_KEY="x" * 50 + "-a-production-grade-secret",
    )
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    if values["SECURE_PROXY_SSL_HEADER"]:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def test_production_is_https_only_with_debug_off(production):
    assert production["DEBUG"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SESSION_COOKIE_SECURE"] is True and production["CSRF_COOKIE_SECURE"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600


@pytest.mark.django_db
def test_production_headers_and_cookies_on_the_wire(production, alice):
    with override_settings(**production):
        client = Client()  # built inside: middleware reads the settings when it loads
        plain = client.get("/accounts/login/")
        assert plain.status_code == 301 and plain["Location"].startswith("https://")
        assert client.get("/healthz").status_code == 200  # the load balancer's plain probe

        page = client.get("/accounts/login/", secure=True)
        assert page.status_code == 200
        hsts = page["Strict-Transport-Security"]
        assert "max-age=31536000" in hsts and "includeSubDomains" in hsts and "preload" in hsts
        assert page["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
        assert page["Referrer-Policy"] == "same-origin"
        assert page["X-Content-Type-Options"] == "nosniff"
        assert page["Cross-Origin-Opener-Policy"] == "same-origin"
        csrf_cookie = page.cookies["csrftoken"]
        assert csrf_cookie["secure"] and csrf_cookie["samesite"] == "Lax"

        login = client.post(
            "/accounts/login/",
            {"username": "alice", "password": "alice-pw-123"},
            secure=True,
        )
        assert login.status_code == 302
        session = login.cookies["sessionid"]
        assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


@pytest.mark.django_db
def test_behind_a_proxy_only_the_forwarded_https_header_counts_as_https(production):
    with override_settings(**production):
        client = Client()
        forwarded = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
        assert forwarded.status_code == 200 and "Strict-Transport-Security" in forwarded
        spoofed = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "http"})
        assert spoofed.status_code == 301


def test_there_is_no_registration_or_password_reset_url():
    patterns = []

    def walk(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern, prefix + str(pattern.pattern))
            else:
                patterns.append((prefix + str(pattern.pattern), pattern.name or ""))

    walk(get_resolver())
    for route, name in patterns:
        text = f"{route} {name}".lower()
        for word in ("signup", "sign-up", "register", "registration", "password_reset", "join"):
            assert word not in text, route


# --- login throttling -------------------------------------------------------------------------


def _login(client, username, password, ip, **headers):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        headers=headers,
    )


@pytest.mark.django_db
def test_lockout_is_keyed_on_username_and_address_and_ignores_forwarded_for(client, alice, bob):
    for _ in range(5):
        _login(client, "alice", "wrong", "10.0.0.1")
    assert _login(Client(), "alice", "alice-pw-123", "10.0.0.1").status_code == 429
    # A forged X-Forwarded-For does not make the attacker someone else.
    spoofed = _login(
        Client(), "alice", "alice-pw-123", "10.0.0.1", **{"X-Forwarded-For": "1.2.3.4"}
    )
    assert spoofed.status_code == 429
    # The same address may still log in as someone else; alice from her own address too.
    assert _login(Client(), "bob", "bob-pw-123", "10.0.0.1").status_code == 302
    assert _login(Client(), "alice", "alice-pw-123", "10.0.0.2").status_code == 302


@pytest.mark.django_db
def test_behind_a_counted_proxy_each_forwarded_client_has_its_own_lockout(alice, settings):
    # PROXY_COUNT=1: every request arrives from the proxy's address; the client is the address
    # the proxy appended to X-Forwarded-For, and an address the client put there itself is
    # ignored.
    settings.PROXY_COUNT = 1
    proxy = "10.0.0.254"
    attacker = {"X-Forwarded-For": "1.2.3.4"}
    for _ in range(5):
        _login(Client(), "alice", "wrong", proxy, **attacker)
    assert _login(Client(), "alice", "alice-pw-123", proxy, **attacker).status_code == 429
    forged = {"X-Forwarded-For": "9.9.9.9, 1.2.3.4"}
    assert _login(Client(), "alice", "alice-pw-123", proxy, **forged).status_code == 429
    # Alice at her own address, through the same proxy, is not locked out by the attacker.
    alice_at_home = {"X-Forwarded-For": "5.6.7.8"}
    assert _login(Client(), "alice", "alice-pw-123", proxy, **alice_at_home).status_code == 302


@pytest.mark.parametrize(
    "hops, forwarded, expected",
    [
        (0, "1.2.3.4", "10.0.0.254"),  # no proxy: the header is ignored
        (1, "", "10.0.0.254"),  # did not come through the proxy
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "9.9.9.9, 1.2.3.4", "1.2.3.4"),  # the client's own entry is ignored
        (2, "9.9.9.9, 1.2.3.4, 10.0.0.1", "1.2.3.4"),
        (2, "10.0.0.1", "10.0.0.254"),  # fewer entries than proxies
    ],
)
def test_client_address_counts_proxies_from_the_right(settings, hops, forwarded, expected):
    from django.test import RequestFactory

    from newsdesk.client_address import client_address

    settings.PROXY_COUNT = hops
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.254", headers=headers)
    assert client_address(request) == expected


@pytest.mark.django_db
def test_a_lockout_expires_after_the_cool_off(client, alice, settings):
    from axes.models import AccessAttempt

    for _ in range(5):
        _login(client, "alice", "wrong", "10.0.0.1")
    assert _login(Client(), "alice", "alice-pw-123", "10.0.0.1").status_code == 429
    cool_off = dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off - dt.timedelta(minutes=1))
    assert _login(Client(), "alice", "alice-pw-123", "10.0.0.1").status_code == 302


def test_lockouts_are_stored_in_the_database_not_a_per_process_cache(settings):
    # A per-process cache would give each gunicorn worker its own count of failures.
    handler = getattr(settings, "AXES_HANDLER", "axes.handlers.database.AxesDatabaseHandler")
    assert handler == "axes.handlers.database.AxesDatabaseHandler"


@pytest.mark.django_db
def test_htmx_is_configured_for_a_strict_policy(client, alice):
    """htmx must not evaluate code (hx-on, js: values), inject its indicator <style>, or run
    <script> tags that arrive in swapped content."""
    client.force_login(alice)
    html = client.get("/").content.decode()
    meta = html.split('<meta name="htmx-config" content=\'', 1)[1].split("'", 1)[0]
    config = json.loads(meta)
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["allowScriptTags"] is False
    htmx_tag = next(tag for tag in html.split("<script")[1:] if "htmx" in tag.split(">")[0])
    assert " src=" in htmx_tag.split(">")[0] and "nonce=" in htmx_tag.split(">")[0]
