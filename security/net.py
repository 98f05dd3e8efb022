"""The client address as far as we can trust it: for login lockout and rate limits."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """Return the client IP, reading X-Forwarded-For only behind known proxies.

    With IPCENTER_TRUSTED_PROXIES=N the Nth address from the right of X-Forwarded-For is
    the client: the ones to its right were added by our own proxies, anything to its
    left was sent by the client and could be forged to dodge a lockout.
    """
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
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
    return _valid(forwarded[-hops]) or remote


def _valid(address: str) -> str | None:
    # No request (force_login in tests, scripts) or a garbled header: no address.
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def axes_client_ip(request: HttpRequest) -> str | None:
    return client_ip(request)
