"""Log-in with lockout and optional TOTP second step; two-factor enrolment for staff."""

import math
import time
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import get_user_model, user_login_failed
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from security import twofactor
from security.forms import TokenForm

# Session key holding a user who passed the password step but not yet the code.
PENDING = "security_pending_2fa"
PENDING_SECONDS = 300


class LoginView(auth_views.LoginView):
    """Django's login, with a second step for accounts that turned on two-factor."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        device = twofactor.confirmed_device(user)
        if device is None:
            return super().form_valid(form)  # login() rotates the session id
        # Not logged in yet: a fresh session id holds only "password was right".
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
        }
        query = urlencode({"next": self.get_success_url()})
        return redirect(f"{reverse('security:verify')}?{query}")


def verify(request: HttpRequest) -> HttpResponse:
    """Second login step: check the TOTP code of the user whose password was right."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        messages.error(request, _("Log in again: the code step timed out."))
        return redirect("accounts:login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    device = twofactor.confirmed_device(user) if user else None
    if device is None:
        request.session.pop(PENDING, None)
        return redirect("accounts:login")
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        return locked_out(request, None, credentials)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            del request.session[PENDING]
            user.backend = pending["backend"]
            auth_login(request, user)
            otp_login(request, device)
            return redirect(_safe_next(request))
        # A wrong code counts towards the same lockout as a wrong password.
        user_login_failed.send(
            sender=__name__, credentials=credentials, request=request
        )
        if getattr(request, "axes_locked_out", False):
            return locked_out(request, None, credentials)
        form.add_error("token", _("That code is wrong or has expired."))
    return render(request, "security/verify.html", {"form": form})


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """Tell a locked-out user why and for how long (axes' AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 3600
    context = {"minutes": max(1, math.ceil(seconds / 60))}
    reply = render(request, "security/locked_out.html", context, status=429)
    reply["Retry-After"] = str(seconds)
    return reply


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Let a staff member turn TOTP two-factor login on (scan, confirm) or off."""
    if not twofactor.may_use_two_factor(request.user):
        raise Http404
    confirmed = twofactor.confirmed_device(request.user)
    form = TokenForm(request.POST or None)
    if confirmed is not None:
        if request.method == "POST" and form.is_valid():
            if confirmed.verify_token(form.cleaned_data["token"]):
                confirmed.delete()
                messages.success(request, _("Two-factor login is off."))
                return redirect("security:two-factor")
            form.add_error("token", _("That code is wrong or has expired."))
        return render(request, "security/two_factor.html", {"form": form, "on": True})
    device = twofactor.pending_device(request.user)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            # This session counts as verified; the middleware ends the others.
            otp_login(request, device)
            messages.success(request, _("Two-factor login is on."))
            return redirect("security:two-factor")
        form.add_error("token", _("That code is wrong or has expired."))
    context = {
        "form": form,
        "on": False,
        "qr_svg": twofactor.qr_svg(device),
        "secret": twofactor.secret_base32(device),
    }
    return render(request, "security/two_factor.html", context)
