from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts import roles
from accounts.forms import ProfileForm, SignUpForm, StaffForm
from accounts.models import User


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your merchant account is ready."))
        # An invited respondent signs up from the invitation link and goes back to it.
        next_url = request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(
            next_url,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            return redirect(next_url)
        return redirect("designs:mine")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@permission_required("accounts.add_user", raise_exception=True)
def staff(request: HttpRequest) -> HttpResponse:
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        user = roles.create_staff(by=request.user, **data)
        messages.success(
            request, _("Staff account %(name)s created.") % {"name": user.username}
        )
        return redirect("accounts:staff")
    members = (
        User.objects.filter(groups__name__in=list(roles.STAFF_ROLES))
        .prefetch_related("groups")
        .distinct()
        .order_by("username")
    )
    return render(
        request,
        "accounts/staff.html",
        {"form": form, "members": members, "role_names": roles.STAFF_ROLES},
    )
