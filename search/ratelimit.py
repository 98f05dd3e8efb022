"""A small fixed-window rate limiter on the Django cache (per client, per minute).

With several server processes the cache must be shared (Redis, Memcached, database
cache) for the limit to be per client rather than per process.
"""

import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from security.net import client_ip

WINDOW_SECONDS = 60


def client_key(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    # X-Forwarded-For only as far as our own proxies vouch for it (security.net).
    return f"ip:{client_ip(request) or 'unknown'}"


def rate_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer 429 with Retry-After once a client passes API_RATE_LIMIT requests a minute."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        key = f"ratelimit:{view.__name__}:{client_key(request)}:{window}"
        cache.add(key, 0, timeout=WINDOW_SECONDS + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS + 1)
            count = 1
        if count > settings.API_RATE_LIMIT:
            retry_after = int((window + 1) * WINDOW_SECONDS - now) + 1
            response = JsonResponse(
                {
                    "detail": _("Too many requests. Try again in %(s)d seconds.")
                    % {"s": retry_after}
                },
                status=429,
            )
            response["Retry-After"] = str(retry_after)
            return response
        return view(request, *args, **kwargs)

    return wrapper
