from django.contrib.auth import logout
from django.shortcuts import redirect
from django_otp.plugins.otp_totp.models import TOTPDevice


class TwoFactorSessionMiddleware:
    """End any session of a two-factor account that did not pass the code step.

    Our login view never creates one; this catches every other way in (another login
    form, a session from before two-factor was turned on). Runs after OTPMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        ):
            logout(request)
            return redirect("accounts:login")
        return self.get_response(request)
