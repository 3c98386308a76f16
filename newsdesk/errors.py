"""The server-error handler: a database that is not answering gets a 503 that says so.

Django turns any exception raised in a view or a middleware into a call of `handler500`, still
inside the `except` block, so this handler sees every database failure (the session read in
the login check, the label write, the session save after it), not only those raised in views.
django.request logs each one with its traceback, at ERROR, as it does for any 5xx answer.
"""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.csp import CSP, build_policy
from django.utils.html import format_html
from django.views.defaults import server_error as django_server_error

# PostgreSQL restarts or fails over in a few seconds: ask clients to wait that long.
RETRY_AFTER_SECONDS = 5
UNSAVED = "The database is not answering; your last change was not saved — try again in a moment."
NOT_LOADED = "The database is not answering; try again in a moment."


def database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError))


def server_error(request):
    exc = sys.exc_info()[1]
    if not database_unavailable(exc):
        return django_server_error(request)
    message = NOT_LOADED if request.method in ("GET", "HEAD", "OPTIONS") else UNSAVED
    # No request context: the context processors would ask the database for the user again.
    if request.headers.get("HX-Request") == "true":
        body = format_html('<p class="error" role="alert">{}</p>', message)
    else:
        body = render_to_string("503.html", {"message": message})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # The failure may have come from a middleware that runs before the CSP and frame-options
    # ones, whose headers would then be missing: set them here (the page has no script).
    response[str(CSP.HEADER_ENFORCE)] = build_policy(settings.SECURE_CSP)
    response["X-Frame-Options"] = "DENY"
    return response
