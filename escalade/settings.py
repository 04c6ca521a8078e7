"""Settings, read from environment variables.

The embedded default needs none of them: a SQLite file in ``var/`` next to the
project. ``DATABASE_URL`` switches to PostgreSQL (``postgres://user@host/db``).
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.utils.translation import gettext_lazy as _

# Lets admin classes and querysets be subscripted (ModelAdmin[Account]) at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ESCALADE_VAR_DIR", BASE_DIR / "var"))


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("ESCALADE_DEBUG", False)
SECRET_KEY = os.environ.get("ESCALADE_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_flag("ESCALADE_REQUIRE_SECRET", False):
        raise RuntimeError("ESCALADE_SECRET_KEY must be set in production.")
    # Good enough for the embedded demo; production sets ESCALADE_SECRET_KEY.
    SECRET_KEY = "escalade-insecure-development-key-change-me"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ESCALADE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("ESCALADE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    # Daphne first: its runserver serves ASGI (HTTP and the console's WebSocket).
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "escalade.core",
    "escalade.webhooks",
    "escalade.network",
    "escalade.contracts",
    "escalade.customers",
    "escalade.incidents",
    "escalade.contactcenter",
    "escalade.telephony",
    "escalade.desk",
    "escalade.console",
    "escalade.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "escalade.urls"
WSGI_APPLICATION = "escalade.wsgi.application"
ASGI_APPLICATION = "escalade.asgi.application"

TEMPLATES: list[dict[str, Any]] = [
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
                "escalade.console.context.console",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("ESCALADE_SQLITE_PATH", str(VAR_DIR / "escalade.sqlite3")),
            # WAL and a busy timeout let the web process and workers share the file.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Parameters bound by the server let psycopg prepare the statements a connection runs
    # again and again: PostgreSQL then plans the many-join reads once, not per request.
    if env_flag("ESCALADE_PG_PREPARED_STATEMENTS", True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=2
        )
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "ESCALADE_TEST_DATABASE", "escalade_test"
    )
    # A pool per process (psycopg_pool): ASGI requests each run in a context of their own
    # and cannot keep a connection between them; the pool keeps the connections (and their
    # prepared statements) for the next request instead. Processes × size must stay under
    # PostgreSQL's max_connections; 0 turns the pool off (persistent connections instead).
    pool_size = int(os.environ.get("ESCALADE_PG_POOL_SIZE", "16"))
    if pool_size > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": pool_size,
            "timeout": 10,
        }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "escalade" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "console:login"

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ESCALADE_LOG_LEVEL", "WARNING")},
}

# Regions tried, in order, for phone numbers written in a national format
# ("01 42 68 53 00") when the caller's country is not known.
PHONE_REGIONS = [
    r.strip().upper()
    for r in os.environ.get("ESCALADE_PHONE_REGIONS", "FR,GB,DE,US").split(",")
    if r.strip()
]

# Incidents
INCIDENT_NUMBER_PREFIX = os.environ.get("ESCALADE_INCIDENT_PREFIX", "INC-")
# A case cancelled this soon after opening gives its allowance unit back.
INCIDENT_CANCEL_GRACE_MINUTES = int(os.environ.get("ESCALADE_CANCEL_GRACE_MINUTES", "60"))
# A partner that escalates a case keeps read access to it.
PARTNER_KEEPS_ESCALATED_ACCESS = env_flag("ESCALADE_PARTNER_KEEPS_ACCESS", True)

# Small reference tables (tiers, routing rules, targets, webhook endpoints) are kept per
# process this long; a change made in another process applies within it.
REFERENCE_CACHE_SECONDS = float(os.environ.get("ESCALADE_REFERENCE_CACHE_SECONDS", "10"))

# Live events (screen pop): in memory for one process; Redis when several processes serve.
REDIS_URL = os.environ.get("ESCALADE_REDIS_URL", "")
# A console waits for its messages with a blocking read of 5 s (channels-redis); the
# client's read timeout (redis-py: 5 s by default) must outlast it, or a busy process
# times out the read, and the console stops receiving its pops.
CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
    "default": (
        {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}]},
        }
        if REDIS_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}
