"""Settings for the IOP program-management system.

With no environment set, the app runs in its embedded development mode:
SQLite in var/ and a Celery broker kept in files under var/broker/. With
DEBUG off (production), SECRET_KEY, DATABASE_URL and CELERY_BROKER_URL are
required and startup stops naming whichever is missing.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# Production guard
if not DEBUG:
    for name in ("SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"):
        if not env.str(name, default=""):
            raise ImproperlyConfigured(
                f"{name} is not set. Production mode (DEBUG off) needs "
                f"{name} in the environment; set it, or set DEBUG=1 for "
                "the embedded development mode."
            )

SECRET_KEY = env.str(
    "SECRET_KEY", default="development-only-key-not-for-production-use"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Base of the links in alert emails; follows IOP_PORT, the port make run uses.
SITE_URL = env.str(
    "SITE_URL", default=f"http://127.0.0.1:{env.str('IOP_PORT', default='8000')}"
)

# Applications
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "iop",
    "deadlines",
    "referrals",
    "treatment",
    "discharge",
    "incidents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "iop.urls"
WSGI_APPLICATION = "iop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "iop.context_processors.staff",
            ],
        },
    },
]

# Database
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
else:
    # Web, worker and beat share this file. IMMEDIATE transactions take the
    # write lock up front, so a read-then-write transaction waits for the
    # lock (up to the timeout) instead of failing halfway with "database is
    # locked". WAL lets readers run beside the writer.
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "iop.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: API throttling counts live here. Local memory is per process, so
# production with several web workers sets CACHE_URL to Redis to share them.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# Authentication
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Time: instants are stored in UTC; each program reads calendar days in its
# own timezone (Program.timezone).
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# In development WhiteNoise serves straight from the app and project folders,
# so no collectstatic is needed before `make run`.
WHITENOISE_USE_FINDERS = DEBUG

# Email: alerts to program directors. The console backend prints them in the
# embedded mode; production sets EMAIL_URL (for example smtp://host:587).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="iop@localhost")

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["iop.permissions.IsProgramStaff"],
    "DEFAULT_PARSER_CLASSES": [
        "iop.api_errors.ApiJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # The token endpoint allows this many tries per client address, which
    # slows password guessing. Counts live in the default cache.
    "DEFAULT_THROTTLE_RATES": {"token": "10/minute"},
    # How many reverse proxies in front of the app append to X-Forwarded-For;
    # throttling reads the client address that far from the end. With 0 the
    # header is ignored, because a client can write any address into it.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "iop.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IOP program management API",
    "DESCRIPTION": (
        "Referrals, evaluations, admissions, care teams, discharges, "
        "appointments, adverse incidents and the deadlines the health plan's "
        "performance specification sets on them."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Serve Swagger UI from the installed package, not a CDN, so the API docs
    # work on a machine without internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Without this the control folder is a relative "control/" in the
        # working directory of whichever process starts first.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {
        "task": "deadlines.tasks.sweep_deadlines_task",
        "schedule": 60.0,
    },
}

# Deadlines: when the "due soon" warning starts. Rules due within a day of
# their start warn this many hours before the due time. The evaluation and
# incident rules warn from local midnight this many days before the due day.
DEADLINE_DUE_SOON_HOURS = env.int("DEADLINE_DUE_SOON_HOURS", default=4)
DEADLINE_DUE_SOON_DAYS = env.int("DEADLINE_DUE_SOON_DAYS", default=0)

# Security for production
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logging
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {
        "strip_query_strings": {"()": "iop.logging.StripQueryStrings"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["strip_query_strings"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's defaults give the "django" and "django.server" loggers their
    # own handlers, which printed each request warning twice and the access
    # log unfiltered. Both now go through the filtered console.
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
