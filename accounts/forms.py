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
