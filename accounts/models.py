from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

phone_validator = RegexValidator(
    r"^\+?\d[\d\- ]{6,19}$", _("Enter a phone number of digits, e.g. 13812341234.")
)
credit_code_validator = RegexValidator(
    r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    _("A unified social credit code has 18 characters (digits and capital letters)."),
)


class User(AbstractUser):
    """A merchant (经营户) or a member of the center's staff."""

    phone = models.CharField(
        _("phone"), max_length=20, blank=True, validators=[phone_validator]
    )
    shop_name = models.CharField(
        _("shop name"),
        max_length=100,
        blank=True,
        help_text=_("The shop or company name shown on registrations."),
    )
    stall_no = models.CharField(
        _("stall number"),
        max_length=30,
        blank=True,
        help_text=_("Market stall number (摊位号), e.g. A区3-112."),
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[credit_code_validator],
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.shop_name or self.get_full_name() or self.username

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile")
