from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, skipped where there is no web request.

    Every login form passes the request; only the test client's `login()` and scripts
    call `authenticate()` without one, and axes would raise there instead of checking.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
