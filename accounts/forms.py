from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class SignUpForm(UserCreationForm):
    """Self sign-up for merchants; staff are created by the administrator."""

    class Meta:
        model = User
        fields = ["username", "email", "phone", "shop_name", "stall_no", "credit_code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("phone", "shop_name", "stall_no", "email"):
            self.fields[name].required = True
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        self.fields["email"].help_text = _("Used to reset your password.")


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["email", "phone", "shop_name", "stall_no", "credit_code"]


class StaffForm(forms.ModelForm):
    """The administrator creates a staff account with one role and a first password."""

    role = forms.ChoiceField(label=_("role"))
    password = forms.CharField(
        label=_("first password"),
        widget=forms.PasswordInput,
        min_length=10,
        help_text=_("At least 10 characters; ask them to change it after logging in."),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "email", "phone"]

    def __init__(self, *args, **kwargs):
        from accounts.roles import STAFF_ROLES

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = list(STAFF_ROLES.items())
        self.fields["first_name"].label = _("name")
        self.fields["first_name"].required = True
