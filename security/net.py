"""The client address as far as we can trust it: for login lockout and rate limits."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """Return the client IP, reading X-Forwarded-For only behind known proxies.

    With IPCENTER_TRUSTED_PROXIES=N the Nth address from the right of X-Forwarded-For is
    the client: the ones to its right were added by our own proxies, anything to its
    left was sent by the client and could be forged to dodge a lockout.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    hops = settings.IPCENTER_TRUSTED_PROXIES
    if not hops:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < hops:
        return remote
    return forwarded[-hops]


def axes_client_ip(request: HttpRequest) -> str:
    return client_ip(request)
