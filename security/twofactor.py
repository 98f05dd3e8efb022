"""TOTP two-factor login for staff (django-otp): which device a user has, QR codes."""

import base64

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import is_staff_member


def may_use_two_factor(user) -> bool:
    return bool(user.is_authenticated and (is_staff_member(user) or user.is_staff))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user) -> TOTPDevice:
    """Return the device being enrolled; reused, so a reload keeps the scanned code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii")


def qr_svg(device: TOTPDevice) -> str:
    """Return an inline SVG QR code of the otpauth:// URL for an authenticator app."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)
