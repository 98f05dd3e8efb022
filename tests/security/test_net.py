from django.test import RequestFactory

from security.net import client_ip


def test_client_ip_ignores_forwarded_for_without_trusted_proxies(settings):
    settings.IPCENTER_TRUSTED_PROXIES = 0
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "127.0.0.1"


def test_client_ip_takes_the_address_our_proxy_saw(settings):
    settings.IPCENTER_TRUSTED_PROXIES = 1
    # The client forged the first entry; nginx appended the real peer.
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_ip(request) == "203.0.113.7"


def test_client_ip_is_none_for_garbage(settings):
    settings.IPCENTER_TRUSTED_PROXIES = 1
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_ip(request) == "127.0.0.1"
    request.META["REMOTE_ADDR"] = ""
    assert client_ip(request) is None
