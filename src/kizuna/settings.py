"""Kizuna settings: one module, configured from the environment.

Every knob is an environment variable (see README "Configuration"). The defaults are safe for a
single person on their own machine: an embedded SQLite database under ``var/``, a secret key
generated on first start and kept in ``var/``, the database-backed job queue.
``KIZUNA_ENV=production`` turns the defaults strict: it refuses to start without an explicit
secret key and sends cookies only over HTTPS.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("KIZUNA_DATA_DIR", Path.cwd() / "var")).resolve()

KIZUNA_ENV = os.environ.get("KIZUNA_ENV", "local")
if KIZUNA_ENV not in {"local", "production", "test"}:
    raise ImproperlyConfigured("KIZUNA_ENV must be one of local, production, test")
PRODUCTION = KIZUNA_ENV == "production"

DEBUG = env_bool("KIZUNA_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("KIZUNA_DEBUG must be off when KIZUNA_ENV=production")


# --- secret key --------------------------------------------------------------------------------
# Locally a random key is generated once and kept in var/ so sessions survive a restart. In
# production the key must come from the environment: a key on disk next to the database is a
# key that leaks with a backup.
WEAK_SECRET_KEYS = {"", "change-me", "changeme", "secret", "kizuna", "django-insecure"}


def _local_secret_key() -> str:
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = os.environ.get("KIZUNA_SECRET_KEY", "")
if PRODUCTION:
    if SECRET_KEY.strip().lower() in WEAK_SECRET_KEYS or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "KIZUNA_ENV=production needs KIZUNA_SECRET_KEY: a random value of 32+ characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
elif not SECRET_KEY:
    SECRET_KEY = _local_secret_key()

ALLOWED_HOSTS = env_list(
    "KIZUNA_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env_list("KIZUNA_CSRF_TRUSTED_ORIGINS", [])


# --- applications --------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves its OpenAPI docs page (swagger-ui) from local static files, not a CDN
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "django_tasks_rq",
    "django_rq",
    "axes",
    "csp",
    "kizuna.core",
    "kizuna.customers",
    "kizuna.commerce",
    "kizuna.pipeline",
    "kizuna.actions",
    "kizuna.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kizuna.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the final authentication result (django-axes' rule).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kizuna.urls"
WSGI_APPLICATION = "kizuna.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kizuna.core.context_processors.navigation",
            ],
        },
    },
]


# --- database ------------------------------------------------------------------------------------
# SQLite is the embedded default: WAL so readers never wait for the writer, IMMEDIATE transactions
# so two writers queue up instead of failing half-way with "database is locked".
DEFAULT_SQLITE = DATA_DIR / "kizuna.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- authentication ------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): 5 failures for one user name from one address locks that
# pair out for 15 minutes; other users and addresses are unaffected.
AXES_FAILURE_LIMIT = int(os.environ.get("KIZUNA_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the page, not from the cookie
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = env_bool(
    "KIZUNA_SECURE_COOKIES", default=PRODUCTION
)
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("KIZUNA_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("KIZUNA_HSTS_SECONDS", "31536000"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: scripts only from our own origin, never inline (docs/decisions/0004).
# Styles allow 'unsafe-inline' because Plotly writes <style> elements at run time.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}


# --- internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True  # stored in UTC
TIME_ZONE = os.environ.get("KIZUNA_TIME_ZONE", "Asia/Tokyo")  # shown in Tokyo time


# --- static files --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it, even if empty
STATICFILES_DIRS = [("plotly", Path(__import__("plotly").__file__).parent / "package_data")]
WHITENOISE_USE_FINDERS = True  # serve straight from the apps: no collectstatic step for the demo
WHITENOISE_AUTOREFRESH = DEBUG


# --- background jobs -----------------------------------------------------------------------------
# KIZUNA_QUEUE=db (default) keeps jobs in the operational database; KIZUNA_QUEUE=redis://host:port/n
# puts them on RQ for many workers. Both run through Django's Tasks API (docs/decisions/0005).
KIZUNA_QUEUE = os.environ.get("KIZUNA_QUEUE", "db")
if KIZUNA_QUEUE == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif KIZUNA_QUEUE == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
elif KIZUNA_QUEUE.startswith(("redis://", "rediss://")):
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    raise ImproperlyConfigured("KIZUNA_QUEUE must be db, immediate or a redis:// URL")
RQ_QUEUES = {
    "default": {
        "URL": KIZUNA_QUEUE if KIZUNA_QUEUE.startswith("redis") else "redis://127.0.0.1:6379/0",
        "DEFAULT_TIMEOUT": 3600,
    }
}


# --- mail ----------------------------------------------------------------------------------------
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("KIZUNA_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("KIZUNA_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("KIZUNA_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KIZUNA_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KIZUNA_SMTP_STARTTLS", default=False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("KIZUNA_SMTP_SSL", default=False)  # implicit TLS, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set only one of KIZUNA_SMTP_STARTTLS and KIZUNA_SMTP_SSL")
EMAIL_TIMEOUT = int(os.environ.get("KIZUNA_SMTP_TIMEOUT", "30"))  # seconds; never hang a run
DEFAULT_FROM_EMAIL = os.environ.get("KIZUNA_MAIL_FROM", "kizuna@localhost")
# Links in mails (task notifications) point here: the address people open Kizuna at.
KIZUNA_SITE_URL = os.environ.get("KIZUNA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")


# --- API -----------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
KIZUNA_API_MAX_PAGE_SIZE = 200


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KIZUNA_LOG_LEVEL", "WARNING")},
}
