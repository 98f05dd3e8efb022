"""Settings for ipcenter: one module, every knob an IPCENTER_* environment variable.

Defaults suit a developer's machine (SQLite, media and search index under var/).
Production sets IPCENTER_DEBUG=false, IPCENTER_SECRET_KEY and IPCENTER_ALLOWED_HOSTS.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, str(default).lower()).strip().lower()
    if value not in ("true", "false"):
        raise ImproperlyConfigured(f"{name} must be 'true' or 'false', not {value!r}")
    return value == "true"


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, not {raw!r}"
        ) from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


# --- IPCENTER_* settings (all listed in README.md) ---------------------------------
DEBUG = env_bool("IPCENTER_DEBUG", default=True)
DATA_DIR = Path(env_str("IPCENTER_DATA_DIR", str(BASE_DIR / "var"))).resolve()
# The embedded default keeps the SQLite file here, so the folder must exist before migrate.
DATA_DIR.mkdir(parents=True, exist_ok=True)
SECRET_KEY = os.environ.get("IPCENTER_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # A guessable key in production lets anyone forge sessions and reset tokens.
        raise ImproperlyConfigured(
            "IPCENTER_SECRET_KEY is not set. Production (IPCENTER_DEBUG=false) refuses to "
            "start without it; generate one with: python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"
ALLOWED_HOSTS = env_list(
    "IPCENTER_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else ""
)
CSRF_TRUSTED_ORIGINS = env_list("IPCENTER_CSRF_TRUSTED_ORIGINS")
DATABASE_URL = env_str(
    "IPCENTER_DATABASE_URL", f"sqlite:///{DATA_DIR / 'ipcenter.sqlite3'}"
)
MEDIA_ROOT = Path(env_str("IPCENTER_MEDIA_DIR", str(DATA_DIR / "media")))
SEARCH_INDEX_DIR = Path(env_str("IPCENTER_INDEX_DIR", str(DATA_DIR / "index")))
SEARCH_BACKEND = env_str("IPCENTER_SEARCH_BACKEND", "whoosh")
if SEARCH_BACKEND not in ("whoosh", "postgres"):
    raise ImproperlyConfigured(
        f"IPCENTER_SEARCH_BACKEND must be 'whoosh' or 'postgres', not {SEARCH_BACKEND!r}"
    )
# Seconds a design save waits for the Whoosh writer lock before giving up (the next
# reconcile_index repairs what was skipped).
SEARCH_WRITER_TIMEOUT = env_int("IPCENTER_SEARCH_WRITER_TIMEOUT", 10, minimum=1)
# Requests per minute per client to the public JSON API (/api/v1/).
API_RATE_LIMIT = env_int("IPCENTER_API_RATE_LIMIT", 60, minimum=1)
REGISTRATION_PREFIX = env_str("IPCENTER_REGISTRATION_PREFIX", "NTHT")
COMPLAINT_PREFIX = env_str("IPCENTER_COMPLAINT_PREFIX", "TS")
MAX_UPLOAD_MB = env_int("IPCENTER_MAX_UPLOAD_MB", 20, minimum=1)
MAX_IMAGE_PIXELS = env_int("IPCENTER_MAX_IMAGE_MEGAPIXELS", 50, minimum=1) * 1_000_000
EMAIL_BACKEND = env_str(
    "IPCENTER_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("IPCENTER_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("IPCENTER_EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("IPCENTER_FROM_EMAIL", "ipcenter@localhost")
TIME_ZONE = env_str("IPCENTER_TIME_ZONE", "Asia/Shanghai")
# How long statistics of the running month may be reused before they are recounted.
IPCENTER_STATS_LIVE_SECONDS = env_int("IPCENTER_STATS_LIVE_SECONDS", 300)
SECURE_HSTS_SECONDS = env_int("IPCENTER_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_SSL_REDIRECT = env_bool("IPCENTER_SSL_REDIRECT", default=not DEBUG)
# Hardening (security/ app; decisions and figures in docs/security.md).
LOGIN_FAILURE_LIMIT = env_int("IPCENTER_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("IPCENTER_LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
IPCENTER_TRUSTED_PROXIES = env_int("IPCENTER_TRUSTED_PROXIES", 0)
# After the permission check, let the proxy send image and evidence files.
IPCENTER_SENDFILE_HEADER = env_str("IPCENTER_SENDFILE_HEADER", "")
if IPCENTER_SENDFILE_HEADER not in ("", "X-Accel-Redirect", "X-Sendfile"):
    raise ImproperlyConfigured(
        "IPCENTER_SENDFILE_HEADER must be empty, 'X-Accel-Redirect' or 'X-Sendfile', "
        f"not {IPCENTER_SENDFILE_HEADER!r}"
    )
IPCENTER_SENDFILE_PREFIX = env_str("IPCENTER_SENDFILE_PREFIX", "/protected-media/")
# -------------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "ipcenter",
    "accounts",
    "designs",
    "search",
    "cases",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "security",
    "dashboard",
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files from the app servers themselves (no CDN, no nginx rule).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "security.middleware.TwoFactorSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it can turn a failed login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ipcenter.urls"
WSGI_APPLICATION = "ipcenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ipcenter" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "dashboard.context_processors.watch_alerts",
                "cases.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "security.backends.LockoutBackend",
    # Its get_user() refuses inactive users, so disabling an account ends its sessions.
    "django.contrib.auth.backends.ModelBackend",
]
# django-axes: lock one account from one address, so a guesser elsewhere cannot lock
# a merchant out of their own account; one address guessing many accounts is
# limited per account (each pair counts separately; see docs/security.md).
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "security.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "security.net.axes_client_ip"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "ipcenter"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "ipcenter" / "locale"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("IPCENTER_STATIC_DIR", str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(
    parents=True, exist_ok=True
)  # WhiteNoise warns on every request otherwise
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve static files straight from the app folders (no collectstatic needed) in dev.
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "media/"
# Decoded-size guard for Pillow as a second line behind the explicit check in uploads.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ipcenter",
    }
}

SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"ipcenter": {"level": "INFO"}},
}
