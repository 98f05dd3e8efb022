"""Public search and image match answer 429 with Retry-After past their limits.

The limiter is the search app's (search/ratelimit.py); these tests check it from outside,
per endpoint, per client address.
"""

import pytest
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.django_db


def _limited_endpoints() -> list[tuple[str, str]]:
    endpoints = [("GET", reverse("api:designs") + "?q=牡丹")]
    for name in ("api:match", "search:image"):  # search by image, once it is served
        try:
            endpoints.append(("POST", reverse(name)))
        except NoReverseMatch:
            pass
    return endpoints


@pytest.mark.parametrize("method,url", _limited_endpoints())
def test_public_endpoint_answers_429_with_retry_after(
    client, settings, limiter_clock, method, url
):
    settings.API_RATE_LIMIT = 3
    send = client.get if method == "GET" else client.post
    statuses = [send(url).status_code for _ in range(3)]
    assert 429 not in statuses
    limited = send(url)
    assert limited.status_code == 429
    # 5 s into the minute: the window ends in 55 s, and Retry-After says so.
    assert int(limited["Retry-After"]) == 56
    assert "Too many requests" in limited.json()["detail"]
    # Another address is not held back by the first one's requests.
    assert send(url, REMOTE_ADDR="198.51.100.7").status_code != 429


def test_forged_forwarded_for_does_not_escape_the_limit(
    client, settings, limiter_clock
):
    settings.API_RATE_LIMIT = 2
    settings.IPCENTER_TRUSTED_PROXIES = 0
    url = reverse("api:designs") + "?q=牡丹"
    answers = [
        client.get(url, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(4)
    ]
    assert answers[-1] == 429


def test_the_next_minute_lets_the_client_in_again(client, settings, limiter_clock):
    settings.API_RATE_LIMIT = 2
    url = reverse("api:designs") + "?q=牡丹"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    limiter_clock.now += 54  # 59 s into the same minute: still held back
    assert client.get(url).status_code == 429
    limiter_clock.now += 2  # the next minute
    assert client.get(url).status_code == 200
