"""Django settings, all from validated environment variables (one place, checked at start-up).

BACKCARE_ENV            "development" (default) or "production"
BACKCARE_SECRET_KEY     required in production (>= 50 characters); a fixed dev key otherwise
BACKCARE_ALLOWED_HOSTS  comma-separated; default "127.0.0.1,localhost" (and "testserver" in dev)
DATABASE_URL            e.g. postgres://user:pass@127.0.0.1:5432/backcare; default SQLite (WAL)
BACKCARE_DATA_DIR       where the SQLite file lives; default ./var
BACKCARE_SESSION_IDLE_MINUTES  idle sign-out; default 30
BACKCARE_EMERGENCY_NUMBER  the local emergency number (e.g. 999, 911, 112) for tap-to-call links;
                        default: none, and pages say "your local emergency number"
BACKCARE_BASE_URL       the site's address, for links in emails; default http://127.0.0.1:8000
BACKCARE_EMAIL_FROM     sender of alert emails; default backcare@localhost
BACKCARE_SMTP_HOST, BACKCARE_SMTP_PORT (587), BACKCARE_SMTP_USER, BACKCARE_SMTP_PASSWORD,
BACKCARE_SMTP_TLS ("1" default): alert email in production (console output in development)
BACKCARE_TRUSTED_PROXIES  how many reverse proxies in front of the app append to
                        X-Forwarded-For (0 to 5); default 0: the address is the connection's own
BACKCARE_CACHE_URL      the cache several app servers share, e.g. redis://127.0.0.1:6379/0
                        (rediss:// for TLS); default: each process's own memory (one server)
BACKCARE_LOG_FORMAT     "text" (default) or "json": one JSON object a line, for a log collector
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name} must be from {low} to {high}, not {value}")
    return value


ENVIRONMENT = _env("BACKCARE_ENV", "development")
if ENVIRONMENT not in ("development", "production"):
    raise ImproperlyConfigured(
        f"BACKCARE_ENV must be 'development' or 'production', not {ENVIRONMENT!r}"
    )
PRODUCTION = ENVIRONMENT == "production"
DEBUG = False if PRODUCTION else _env("BACKCARE_DEBUG", "1") == "1"

_secret = _env("BACKCARE_SECRET_KEY")
if PRODUCTION and (_secret is None or len(_secret) < 50 or len(set(_secret)) < 5):
    raise ImproperlyConfigured(
        "BACKCARE_SECRET_KEY must be set to a random string of at least 50 characters in "
        "production (python -c 'import secrets; print(secrets.token_urlsafe(64))')"
    )
SECRET_KEY = _secret or "development-only-key-not-for-production-use-0123456789abcdefghij"

ALLOWED_HOSTS = [
    h.strip()
    for h in (_env("BACKCARE_ALLOWED_HOSTS", "127.0.0.1,localhost") or "").split(",")
    if h.strip()
]
if not PRODUCTION:
    ALLOWED_HOSTS.append("testserver")

INSTALLED_APPS = [
    # First, so that its createsuperuser (which checks the password) is the one that runs.
    "backcare.staff",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",  # its Swagger UI files, served from here (no CDN)
    "backcare.accounts",
    "backcare.api",
    "backcare.audit",
    "backcare.clinic",
    "backcare.selfcheck",
]

MIDDLEWARE = [
    # First: the request's id (X-Request-ID) on every log line of it, and one line per request.
    "backcare.web.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outermost but security: a database or cache that is down answers a branded 503 (pages)
    # or a JSON one (the API), even when the session, sign-in or two-factor step hit it first.
    "backcare.web.outage.OutageMiddleware",
    "backcare.web.middleware.ApiBodySizeMiddleware",  # a JSON 413 before anything reads it
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backcare.web.errors.FriendlyErrors",  # the friendly 404 and 403 in development too
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): a second factor given
    "backcare.web.middleware.NoStoreMiddleware",  # no copy of a record in a browser or proxy
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "backcare.web.middleware.IdleTimeoutMiddleware",
    "backcare.web.two_factor.TwoFactorMiddleware",  # the code step before any page
    "backcare.web.middleware.RefuseNulMiddleware",
    "axes.middleware.AxesMiddleware",
]

# The largest request body read (Django's default, named here): an API request over it answers
# 413 (web/middleware.py). An intake is a few kilobytes; a long course a few hundred.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

ROOT_URLCONF = "backcare.web.urls"
WSGI_APPLICATION = "backcare.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "backcare.web.context.site",
            ],
        },
    },
]

# --- database: SQLite (WAL) by default, PostgreSQL by DATABASE_URL --------------------------
DATA_DIR = Path(_env("BACKCARE_DATA_DIR", str(Path.cwd() / "var")) or "var")
_database_url = _env("DATABASE_URL")
if _database_url:
    import dj_database_url

    if not _database_url.startswith(("postgres://", "postgresql://", "sqlite:")):
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// or sqlite: URL")
    # Connections are kept for a minute and checked before reuse (CONN_HEALTH_CHECKS): after a
    # database restart a stale connection is replaced, and no request fails on it.
    DATABASES = {
        "default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["ENGINE"] = "backcare.web.sqlite"  # as below
        DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            # Django's SQLite backend with writers queued on a file lock (web/sqlite/base.py).
            "ENGINE": "backcare.web.sqlite",
            "NAME": str(DATA_DIR / "backcare.sqlite3"),
            # Tests in memory, as with Django's own backend (named, so that pytest-django, which
            # knows only that backend by name, does not make a file name of it per worker).
            "TEST": {"NAME": ":memory:"},
            # WAL lets readers and a writer work at once; IMMEDIATE avoids lock upgrades. A
            # writer waits up to 20 s for the one write lock (sqlite3's default is 5 s, which a
            # busy server's queue of writers can pass: "database is locked", answered 503), still
            # within gunicorn's 30 s worker timeout.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # every change goes through an atomic action
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache: each process's memory by default; Redis shared by several app servers -------------
# It holds the cached page fragments (keyed on what they show, so a change on one server is a new
# key on all) and the self-check's rate-limit counters, which must count across servers.


def _redis_cache(url: str) -> dict[str, object]:
    """Django's Redis cache at `url`, refused at start-up unless it is a plain Redis URL (the
    message never repeats the URL: it may hold a password)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        database = parts.path.strip("/") or "0"
        sane = (
            parts.scheme in ("redis", "rediss")
            and bool(parts.hostname)
            and (parts.port is None or parts.port > 0)
            and database.isdigit()
            and not parts.query
        )
    except ValueError:  # a port that is not a number
        sane = False
    if not sane:
        raise ImproperlyConfigured(
            "BACKCARE_CACHE_URL must be a Redis URL: redis:// or rediss://, a host, an optional "
            "port and an optional database number, e.g. redis://127.0.0.1:6379/0"
        )
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "backcare",
        # A Redis that does not answer fails the request in seconds, never hangs a worker.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }


_cache_url = _env("BACKCARE_CACHE_URL")
CACHES = {
    "default": _redis_cache(_cache_url)
    if _cache_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- sign-in ---------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the user with their therapist and clinic in one query.
    "backcare.accounts.backends.TherapistBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# Lockout: five failures within the cool-off lock the username whatever the addresses, and
# lock the address whatever the usernames (separate entries, not one combined). A clinic behind
# one address shares its count: the safer choice over letting one address guess many users.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Not axes' reset on success: it would also clear the address's count, so one's own account
# could reset the guesses at others'. A sign-in clears only its own username's failures
# (accounts/lockout.py).
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "backcare.lib.addresses.client_address"
# Reverse proxies in front of the app that append the address they saw to X-Forwarded-For:
# the sign-in lockout and the self-check's rate limit both read the client's address through
# backcare.lib.addresses. 0: the header is ignored (anyone can send one).
BACKCARE_TRUSTED_PROXIES = _int("BACKCARE_TRUSTED_PROXIES", 0, 0, 5)
# Two-factor sign-in (django-otp): TOTP apps show the site's name beside the code.
OTP_TOTP_ISSUER = "backcare"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

SESSION_IDLE_SECONDS = 60 * _int("BACKCARE_SESSION_IDLE_MINUTES", 30, 1, 24 * 60)
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "backcare.web.errors.csrf_failure"  # the friendly 403 (issue 11)

# --- security headers --------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = _env("BACKCARE_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# No inline script anywhere: every script is a static file from this site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- static files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it; filled by collectstatic

# --- the emergency number a person in pain is told to call (clinical-rules §6b) ----------------
BACKCARE_EMERGENCY_NUMBER = (_env("BACKCARE_EMERGENCY_NUMBER", "") or "").strip()
if BACKCARE_EMERGENCY_NUMBER and not all(
    c.isdigit() or c in "+ " for c in BACKCARE_EMERGENCY_NUMBER
):
    raise ImproperlyConfigured(
        f"BACKCARE_EMERGENCY_NUMBER must be digits (e.g. 999), not {BACKCARE_EMERGENCY_NUMBER!r}"
    )

# --- email: alerts to the clinic (clinical-rules §6b) --------------------------------------------
BACKCARE_BASE_URL = (_env("BACKCARE_BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/")
DEFAULT_FROM_EMAIL = _env("BACKCARE_EMAIL_FROM", "backcare@localhost")
_smtp_host = _env("BACKCARE_SMTP_HOST")
if _smtp_host:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp_host
    EMAIL_PORT = _int("BACKCARE_SMTP_PORT", 587, 1, 65535)
    EMAIL_HOST_USER = _env("BACKCARE_SMTP_USER", "") or ""
    EMAIL_HOST_PASSWORD = _env("BACKCARE_SMTP_PASSWORD", "") or ""
    EMAIL_USE_TLS = _env("BACKCARE_SMTP_TLS", "1") == "1"
    EMAIL_TIMEOUT = 10
elif PRODUCTION:
    raise ImproperlyConfigured(
        "BACKCARE_SMTP_HOST must be set in production: the clinic is emailed when a client "
        "reports a warning sign (clinical-rules §6b)"
    )
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# Logs go to standard error, each line with its request's id (web/request_id.py), and one line
# per request (method, path without its query, status, duration, user id) from backcare.requests.
LOG_FORMAT = _env("BACKCARE_LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"BACKCARE_LOG_FORMAT must be 'text' or 'json', not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "backcare.web.request_id.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "backcare.web.request_id.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"backcare.requests": {"level": "INFO"}},
}
