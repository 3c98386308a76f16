"""The address a request came from, for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE).

Behind PROXY_COUNT trusted reverse proxies, each proxy appends the address it received the
request from to X-Forwarded-For, so the client is the PROXY_COUNT-th entry from the right;
anything to its left was written by the client and may be forged. With no proxy (the default)
the header is ignored entirely and the connection's own address counts.
"""

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        # Fewer entries than proxies: the request did not come through all of them.
        return remote
    return forwarded[-hops]
