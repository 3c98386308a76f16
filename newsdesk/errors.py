"""Error handlers: a database that is not answering gets a 503 that says so, not a bare 500.

Django turns any exception raised in a view or a middleware into a call of `handler500`, still
inside the `except` block, so that handler sees every database failure (the session read in the
login check, the label write, the page rendered after it), not only those raised in views.
One failure arrives as a 400 instead: when the database goes away while the session is saved
after the view, Django reports the failed save as SessionInterrupted. django.request logs each
one with its traceback, at ERROR, as it does for any 5xx answer.
"""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.csp import CSP, build_policy
from django.utils.html import format_html
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import server_error as django_server_error

# PostgreSQL restarts or fails over in a few seconds: ask clients to wait that long.
RETRY_AFTER_SECONDS = 5
# "may": the connection can drop after the change committed but before the answer was ready
# (the fault drill saw it happen), so never claim it was not saved.
UNSAVED = (
    "The database is not answering; your last change may not have been saved — "
    "reload the page in a moment to check, then try again."
)
NOT_LOADED = "The database is not answering; try again in a moment."


def caused_by_database(exc: BaseException | None) -> bool:
    """The exception, or one it was raised while handling, is a lost or refused connection."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def database_unavailable(request):
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


def server_error(request):
    if caused_by_database(sys.exc_info()[1]):
        return database_unavailable(request)
    return django_server_error(request)


def bad_request(request, exception):
    if caused_by_database(exception):
        return database_unavailable(request)
    return django_bad_request(request, exception)
