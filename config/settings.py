"""Följa settings: one file, driven by the environment (see docs/operations.md)."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

import dj_database_url
import django.conf.locale
from django.core.exceptions import ImproperlyConfigured

from config import csp as csp_policy
from config.env import Env, base_url

env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("FOLJA_VAR_DIR", str(BASE_DIR / "var")))
TESTING = "pytest" in sys.modules or env.bool("FOLJA_TESTING")

DEBUG = env.bool("FOLJA_DEBUG", default=False)

SECRET_KEY = env.str("FOLJA_SECRET_KEY")
ALLOWED_HOSTS = env.list("FOLJA_ALLOWED_HOSTS")
if DEBUG or TESTING:
    # Development and tests only: production refuses to start without these (below).
    SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-use-in-production-3f9a1c7e5b2d4f6a8c0e"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "testserver"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured("FOLJA_SECRET_KEY must be set when FOLJA_DEBUG is off")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("FOLJA_SECRET_KEY must be at least 50 characters with at least 5 different ones")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("FOLJA_ALLOWED_HOSTS must be set when FOLJA_DEBUG is off")

# The address people reach Följa at, for links that leave a request behind: e-mails and other
# notices (folja.core.urls.absolute_url). Required in production; development falls back to the
# default address of runserver.
FOLJA_BASE_URL = base_url(env.str("FOLJA_BASE_URL", ""), "FOLJA_BASE_URL")
if not FOLJA_BASE_URL:
    if DEBUG or TESTING:
        FOLJA_BASE_URL = "http://localhost:8000"
    else:
        raise ImproperlyConfigured(
            "FOLJA_BASE_URL must be set when FOLJA_DEBUG is off: the address in links in e-mails, "
            "e.g. https://folja.example.se"
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "folja.core",
    "folja.directory",
    "folja.accounts",
    "folja.access",
    "folja.curriculum",
    "folja.learninglog",
    "folja.media",
    "folja.transitions",
    "folja.sis",
    "folja.talks",
    "folja.notifications",
    "folja.export",
    "folja.retention",
    "folja.translation",  # machine translation of posts and comments (docs/languages.md)
    "folja.ops",  # health, metrics, backup and restore (docs/operations.md)
    "folja.pages",
    "folja.oauth",  # apps sign in: OAuth 2.1 with PKCE (docs/api-auth.md)
    "folja.demo",
]
# The benchmarks' reference page (bench/README.md): never installed unless asked for.
FOLJA_BENCH_PAGES = env.bool("FOLJA_BENCH_PAGES", default=False)
if FOLJA_BENCH_PAGES:
    INSTALLED_APPS += ["folja.bench"]

MIDDLEWARE = [
    # Counts requests and their latency per route for /metrics (folja/ops, docs/operations.md).
    "folja.ops.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every page (see below)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "folja.accounts.middleware.ViewerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "folja.core.errors.ErrorPageMiddleware",  # a page for the empty 405 of require_POST and friends
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "folja" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "folja.core.context_processors.folja",
                "folja.pages.notices.context.notices",
            ],
        },
    },
]

# Database: SQLite under var/ by default, PostgreSQL in production (DATABASE_URL).
DATABASE_URL = env.str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'folja.sqlite3'}"
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env.int("FOLJA_DB_CONN_MAX_AGE", 60, minimum=0))
except Exception as exc:  # dj-database-url raises several types for a malformed URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if not _db.get("NAME"):
    # Otherwise "postgres://host" starts fine and fails only at the first query.
    raise ImproperlyConfigured("DATABASE_URL must name a database, e.g. postgres://user@host:5432/folja")
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {}).update(
        {
            # IMMEDIATE avoids "database is locked" between the web server and the task worker.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    _db["CONN_MAX_AGE"] = 0
if _db["ENGINE"] == "django.db.backends.postgresql":
    # JIT compiles the access filters' many subplans anew for every query: seconds each on pages
    # that otherwise take milliseconds (bench/README.md). Short queries gain nothing from it.
    _db.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
_db["CONN_HEALTH_CHECKS"] = True
_db.setdefault("TEST", {})
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Sessions made by Följa's sign-in load the person with the user; the plain backend serves the admin.
AUTHENTICATION_BACKENDS = ["folja.accounts.backends.PersonModelBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"

# Language and time.
LANGUAGE_CODE = "sv"
# Each language named in itself: a reader looking for their own language finds it in its own script
# (docs/languages.md). The names are not translated on purpose.
LANGUAGES = [
    ("sv", "Svenska"),
    ("en", "English"),
    ("ar", "العربية"),
    ("fa", "فارسی"),
    ("so", "Soomaali"),
    ("uk", "Українська"),
    ("fi", "Suomi"),
]
# Somali is not among the languages Django ships; its entry in LANG_INFO is what Django's
# get_language_info() and {% get_language_info %} read (docs/languages.md, "Adding a language").
EXTRA_LANG_INFO = {"so": {"bidi": False, "code": "so", "name": "Somali", "name_local": "Soomaali"}}
django.conf.locale.LANG_INFO.update({k: v for k, v in EXTRA_LANG_INFO.items() if k not in django.conf.locale.LANG_INFO})
LOCALE_PATHS = [BASE_DIR / "folja" / "locale"]
TIME_ZONE = "Europe/Stockholm"
# One date style per language, named formats only (folja/core/formats/__init__.py).
FORMAT_MODULE_PATH = ["folja.core.formats"]
USE_I18N = True
USE_TZ = True

# Static files are served by WhiteNoise; media never is (see folja/media).
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "folja" / "static"]
MEDIA_ROOT = Path(env.str("FOLJA_MEDIA_ROOT", str(VAR_DIR / "media")))
if TESTING and not env.str("FOLJA_MEDIA_ROOT"):
    # Tests never write into var/: one temporary folder per test process, removed at exit.
    import atexit
    import shutil
    import tempfile

    MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="folja-test-media-"))
    atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
MEDIA_URL = None
FOLJA_MEDIA_STORAGE = env.choice("FOLJA_MEDIA_STORAGE", ("local", "s3"), "local")
FOLJA_MEDIA_ACCEL_REDIRECT = env.str("FOLJA_MEDIA_ACCEL_REDIRECT", "")  # e.g. "/_protected/" behind nginx
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if FOLJA_MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("FOLJA_S3_BUCKET"),
            "endpoint_url": env.str("FOLJA_S3_ENDPOINT_URL"),
            "region_name": env.str("FOLJA_S3_REGION", "eu-north-1"),
            "access_key": env.str("FOLJA_S3_ACCESS_KEY_ID"),
            "secret_key": env.str("FOLJA_S3_SECRET_ACCESS_KEY"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env.int("FOLJA_S3_URL_SECONDS", 60, minimum=5),
            "file_overwrite": False,
        },
    }
    if not STORAGES["default"]["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("FOLJA_S3_BUCKET must be set when FOLJA_MEDIA_STORAGE is s3")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FOLJA_MEDIA_MAX_BYTES = env.int("FOLJA_MEDIA_MAX_BYTES", 200 * 1024 * 1024, minimum=1024)
FOLJA_IMAGE_MAX_PIXELS = env.int("FOLJA_IMAGE_MAX_PIXELS", 50_000_000, minimum=1)
FOLJA_VIDEO_MAX_SECONDS = env.int("FOLJA_VIDEO_MAX_SECONDS", 300, minimum=1)  # films and audio
# Files uploaded and text autosaved on the compose page whose post is never saved are deleted after
# this many days (on the uploader's next upload, and by the daily tasks in docs/operations.md).
FOLJA_COMPOSE_KEEP_DAYS = env.int("FOLJA_COMPOSE_KEEP_DAYS", 7, minimum=1)
# A file sent in parts through the API (`/api/v1/uploads/resumable`, docs/api.md) that gets no part
# for this many hours expires; its parts are deleted by the daily uploads task.
FOLJA_UPLOAD_SESSION_HOURS = env.int("FOLJA_UPLOAD_SESSION_HOURS", 24, minimum=1)
# The weekly "Barn att uppmärksamma" notice to staff (docs/notifications.md): children named in no
# published post within this many days.
FOLJA_ATTENTION_DAYS = env.int("FOLJA_ATTENTION_DAYS", 21, minimum=1)
# Portfolio exports (folja/export): how long the files stay downloadable, and the TrueType fonts
# the PDF is set in (Debian's fonts-dejavu-core).
FOLJA_EXPORT_KEEP_HOURS = env.int("FOLJA_EXPORT_KEEP_HOURS", 72, minimum=1)
FOLJA_PDF_FONT_DIR = env.str("FOLJA_PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
# Culling (folja/retention): how many days ahead guardians and staff are told what will be culled.
FOLJA_CULL_NOTICE_DAYS = env.int("FOLJA_CULL_NOTICE_DAYS", 30, minimum=1)
# Sign-in records belong to no organisation: the platform keeps them this many days.
FOLJA_SIGNIN_KEEP_DAYS = env.int("FOLJA_SIGNIN_KEEP_DAYS", 730, minimum=30)
# Machine translation of posts and comments (docs/languages.md): the services this platform offers.
# An organisation chooses one and names it in its terms of use before anything is sent to it.
FOLJA_LIBRETRANSLATE_URL = (env.str("FOLJA_LIBRETRANSLATE_URL") or "").strip()
FOLJA_LIBRETRANSLATE_API_KEY = env.str("FOLJA_LIBRETRANSLATE_API_KEY") or ""
# How long one translation waits for the service (to connect, to send, per read); a post is never kept waiting for it.
FOLJA_TRANSLATION_TIMEOUT_MS = env.int("FOLJA_TRANSLATION_TIMEOUT_MS", 4000, minimum=100)

# Background work through the Django Tasks API.
FOLJA_TASKS_BACKEND = env.choice("FOLJA_TASKS_BACKEND", ("database", "rq", "immediate"), "database")
REDIS_URL = env.str("FOLJA_REDIS_URL", "redis://127.0.0.1:6379/0")
if FOLJA_TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "rq": "django_tasks_rq.RQBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[FOLJA_TASKS_BACKEND],
        "QUEUES": ["default"],
    }
}

# Cache. Per process by default. With several app servers (or to share rendered post fragments
# between workers) set FOLJA_CACHE_URL to a Redis URL: sign-in rate limits then hold across
# servers, and sessions are read from the cache and written through to the database.
FOLJA_CACHE_URL = env.str("FOLJA_CACHE_URL", "")
if FOLJA_CACHE_URL:
    if not FOLJA_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("FOLJA_CACHE_URL must be a Redis URL (redis://, rediss:// or unix://)")
    CACHES = {
        "default": {
            # Django's Redis backend that answers as an empty cache while Redis is gone (folja/core/cache.py).
            "BACKEND": "folja.core.cache.FailSoftRedisCache",
            "LOCATION": FOLJA_CACHE_URL,
            "KEY_PREFIX": "folja",
        }
    }
    # Only with a shared cache: a per-process cache would keep a signed-out session alive in the
    # other processes until it expired there.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 20_000}}
    }

# Post cards (folja.pages.listing.render_fragments) are kept only in a shared cache: sealing a
# child (R5) removes that child's posts' cards from it at once, which a per-process cache in the
# other processes would not see.
FOLJA_CARD_CACHE = bool(FOLJA_CACHE_URL)

# `{% cache %}` fragments (the unfiltered filter box, the same for everyone in a language) are
# kept per process: nothing invalidates them before they expire, and the shared cache would cost
# a round trip on every list page.
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "OPTIONS": {"MAX_ENTRIES": 1000},
}

# Sessions and cookies.
SESSION_COOKIE_AGE = env.int("FOLJA_SESSION_MAX_SECONDS", 12 * 3600, minimum=60)
FOLJA_SESSION_IDLE_SECONDS = env.int("FOLJA_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
# Apps (docs/api-auth.md): access tokens live minutes; a refresh token that is not used for this
# long expires (each use rotates it and starts the time again).
FOLJA_OAUTH_ACCESS_TOKEN_SECONDS = env.int("FOLJA_OAUTH_ACCESS_TOKEN_SECONDS", 10 * 60, minimum=60)
FOLJA_OAUTH_REFRESH_TOKEN_SECONDS = env.int("FOLJA_OAUTH_REFRESH_TOKEN_SECONDS", 30 * 24 * 3600, minimum=3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Development-only persona picker; refused when DEBUG is off (folja/accounts/views.py).
FOLJA_DEMO_LOGIN = DEBUG and env.bool("FOLJA_DEMO_LOGIN", default=True)

# Sign-in (folja/accounts, docs/sign-in.md).
# Test e-ID: sign in by typing a demo person's civic number. Never in production: refused below.
FOLJA_TEST_EID_ENABLED = env.bool("FOLJA_TEST_EID_ENABLED", default=False)
if FOLJA_TEST_EID_ENABLED and not (DEBUG or TESTING):
    raise ImproperlyConfigured(
        "FOLJA_TEST_EID_ENABLED must be off when FOLJA_DEBUG is off: anyone could sign in as anyone"
    )
# Sign-in rate limits per window (folja/accounts/signin.py rate_limited; cache-based, use a shared
# cache at scale): starts per identity attempted (test e-ID civic number, admin username), and all
# starts per client address, a budget for a school or workplace whose users share one address.
FOLJA_SIGNIN_RATE_LIMIT = env.int("FOLJA_SIGNIN_RATE_LIMIT", 20, minimum=1)
FOLJA_SIGNIN_ADDRESS_RATE_LIMIT = env.int("FOLJA_SIGNIN_ADDRESS_RATE_LIMIT", 300, minimum=1)
FOLJA_SIGNIN_RATE_WINDOW_SECONDS = env.int("FOLJA_SIGNIN_RATE_WINDOW_SECONDS", 300, minimum=1)
# The JSON API (/api/v1/, docs/api.md): requests per signed-in person (per address before sign-in)
# and window, in the same cache counter as the sign-in limits; over it the answer is 429 with Retry-After.
FOLJA_API_RATE_LIMIT = env.int("FOLJA_API_RATE_LIMIT", 600, minimum=1)
FOLJA_API_RATE_WINDOW_SECONDS = env.int("FOLJA_API_RATE_WINDOW_SECONDS", 60, minimum=1)
# Guardians without Swedish e-ID (docs/sign-in.md): the SMS gateway backend (a dotted class path:
# folja.accounts.sms.gateways.ConsoleGateway prints the message, for the demo;
# folja.accounts.sms.gateways.HttpGateway posts JSON to FOLJA_SMS_HTTP_URL with the bearer token
# read from the environment variable named by FOLJA_SMS_HTTP_TOKEN_ENV); an empty value offers no SMS.
FOLJA_SMS_BACKEND = env.str("FOLJA_SMS_BACKEND", "")
FOLJA_SMS_HTTP_URL = env.str("FOLJA_SMS_HTTP_URL", "")
FOLJA_SMS_HTTP_TOKEN_ENV = env.str("FOLJA_SMS_HTTP_TOKEN_ENV", "")
FOLJA_SMS_SENDER = env.str("FOLJA_SMS_SENDER", "Folja")
# One-time SMS codes: minutes valid, wrong answers before the code is dead, codes sent per number
# and window (the window is FOLJA_SIGNIN_RATE_WINDOW_SECONDS).
FOLJA_SMS_CODE_MINUTES = env.int("FOLJA_SMS_CODE_MINUTES", 10, minimum=1)
FOLJA_SMS_CODE_ATTEMPTS = env.int("FOLJA_SMS_CODE_ATTEMPTS", 5, minimum=1)
FOLJA_SMS_PER_NUMBER_LIMIT = env.int("FOLJA_SMS_PER_NUMBER_LIMIT", 3, minimum=1)
# Printed enrolment codes: days valid.
FOLJA_ENROLMENT_CODE_DAYS = env.int("FOLJA_ENROLMENT_CODE_DAYS", 14, minimum=1)
# A pupil's QR code (issue 29): how long it may be scanned, and how long the session it starts lasts.
FOLJA_PUPIL_CODE_MINUTES = env.int("FOLJA_PUPIL_CODE_MINUTES", 30, minimum=1)
FOLJA_PUPIL_SESSION_MINUTES = env.int("FOLJA_PUPIL_SESSION_MINUTES", 60, minimum=1)
# Reverse proxies in front of the app that append to X-Forwarded-For (0: use the socket address).
FOLJA_PROXY_COUNT = env.int("FOLJA_PROXY_COUNT", 0, minimum=0)
# BankID Relying Party API v6.0: base URL (…/rp/v6.0/), RP certificate and key (PEM), BankID's CA (PEM).
FOLJA_BANKID_URL = env.str("FOLJA_BANKID_URL", "")
FOLJA_BANKID_CERT = env.str("FOLJA_BANKID_CERT", "")
FOLJA_BANKID_KEY = env.str("FOLJA_BANKID_KEY", "")
FOLJA_BANKID_CA = env.str("FOLJA_BANKID_CA", "")
FOLJA_BANKID_APP_URL = env.str("FOLJA_BANKID_APP_URL", "https://app.bankid.com/")
FOLJA_BANKID_FOR_STAFF = env.bool("FOLJA_BANKID_FOR_STAFF", default=False)
# OIDC broker for guardians' e-ID (Freja eID and others).
FOLJA_OIDC_ISSUER = env.str("FOLJA_OIDC_ISSUER", "")
FOLJA_OIDC_CLIENT_ID = env.str("FOLJA_OIDC_CLIENT_ID", "")
FOLJA_OIDC_CLIENT_SECRET = env.str("FOLJA_OIDC_CLIENT_SECRET", "")
FOLJA_OIDC_CIVIC_CLAIM = env.str("FOLJA_OIDC_CIVIC_CLAIM", "https://id.oidc.se/claim/personalIdentityNumber")
# "method=acr" pairs: each e-ID offered through the broker and the acr value asked for it.
FOLJA_OIDC_METHODS = env.list("FOLJA_OIDC_METHODS", ["freja=http://id.elegnamnden.se/loa/1.0/loa3"])
# Staff SSO per organisation (OrganisationSSO in the admin): the SAML SP's signing and decryption
# certificate and key (PEM files), shared by every organisation's SP; allowed clock skew for SAML and OIDC.
FOLJA_SAML_SP_CERT = env.str("FOLJA_SAML_SP_CERT", "")
FOLJA_SAML_SP_KEY = env.str("FOLJA_SAML_SP_KEY", "")
FOLJA_SSO_CLOCK_SKEW_SECONDS = env.int("FOLJA_SSO_CLOCK_SKEW_SECONDS", 60, minimum=0)

# Security headers; production settings follow from DEBUG being off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env.bool("FOLJA_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("FOLJA_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # "__Host-" cookies are bound to this exact host, sent only over HTTPS, path "/".
    SESSION_COOKIE_NAME = "__Host-folja-session"
    CSRF_COOKIE_NAME = "__Host-folja-csrf"
    if env.bool("FOLJA_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        USE_X_FORWARDED_HOST = False
CSRF_TRUSTED_ORIGINS = env.list("FOLJA_CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "folja.core.errors.csrf_failure"

# Content-Security-Policy on every page (config/csp.py, docs/operations.md): scripts, styles and
# images from this origin only, no inline script or style. Signed media URLs of object storage and
# a CDN (FOLJA_CSP_MEDIA_ORIGINS) may serve photos and films; forms may go to the e-ID broker (its
# sign-out) and FOLJA_CSP_FORM_ACTION. Answers that set their own policy (media files) keep it.
_media_origins = csp_policy.origins(env.list("FOLJA_CSP_MEDIA_ORIGINS"), "FOLJA_CSP_MEDIA_ORIGINS")
if FOLJA_MEDIA_STORAGE == "s3":
    _s3 = STORAGES["default"]["OPTIONS"]
    _media_origins[:0] = csp_policy.s3_origins(
        bucket=_s3["bucket_name"], endpoint_url=_s3["endpoint_url"] or "", region=_s3["region_name"] or ""
    )
_form_origins = csp_policy.origins(env.list("FOLJA_CSP_FORM_ACTION"), "FOLJA_CSP_FORM_ACTION")
if FOLJA_OIDC_ISSUER:
    _form_origins.insert(0, csp_policy.origin(FOLJA_OIDC_ISSUER, "FOLJA_OIDC_ISSUER"))
CONTENT_SECURITY_POLICY = csp_policy.page_policy(media_origins=_media_origins, form_origins=_form_origins)
# The sign-in method page's forms start a sign-in answered by a redirect to the chosen identity
# provider, an organisation's IdP configured in the admin among them, and browsers apply form-action
# to that redirect: that one page allows any HTTPS origin (plain HTTP too in development, for the
# local test IdP). It shows no user-written content.
FOLJA_CSP_SIGN_IN_FORM_ACTION = ["https:", "http:"] if DEBUG else ["https:"]

# E-mail.
EMAIL_BACKEND = env.str("FOLJA_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("FOLJA_FROM_EMAIL", "folja@localhost")
# Web Push (folja/notifications/push.py): the VAPID private key (a PEM file's path or its base64url
# text) and the contact the push services may write to. Development makes a key in var/; without
# one in production push is off and the settings page offers no devices.
FOLJA_VAPID_PRIVATE_KEY = env.str("FOLJA_VAPID_PRIVATE_KEY", "")
FOLJA_VAPID_SUBJECT = env.str("FOLJA_VAPID_SUBJECT", "mailto:" + DEFAULT_FROM_EMAIL)
# Where the accessibility statement (/accessibility/) tells people to report problems (lag 2018:1937).
FOLJA_ACCESSIBILITY_CONTACT = env.str("FOLJA_ACCESSIBILITY_CONTACT", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("FOLJA_LOG_LEVEL", "INFO")},
    # xmlschema (under pysaml2) tells at INFO on every start that it loaded a schema.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "xmlschema": {"level": "WARNING"}},
}

# Health and metrics (folja/ops, docs/operations.md "Health and metrics"). /metrics answers the
# client addresses in these networks (as client_ip sees them behind FOLJA_PROXY_COUNT proxies) and
# requests with "Authorization: Bearer FOLJA_METRICS_TOKEN"; everyone else gets a 404.
FOLJA_METRICS_ALLOWED_ADDRESSES = env.list("FOLJA_METRICS_ALLOWED_ADDRESSES", ["127.0.0.1/32", "::1/128"])
try:
    FOLJA_METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network(a, strict=False) for a in FOLJA_METRICS_ALLOWED_ADDRESSES]
except ValueError as exc:
    raise ImproperlyConfigured(f"FOLJA_METRICS_ALLOWED_ADDRESSES: {exc}") from None
FOLJA_METRICS_TOKEN = env.str("FOLJA_METRICS_TOKEN", "")
if FOLJA_METRICS_TOKEN and len(FOLJA_METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("FOLJA_METRICS_TOKEN must be at least 32 characters")
# /health/ready fails when the oldest task ready to run has waited longer than this.
FOLJA_READY_TASK_LAG_SECONDS = env.int("FOLJA_READY_TASK_LAG_SECONDS", 600, minimum=1)

# Curriculum data shipped with the project.
FOLJA_CURRICULUM_DIR = BASE_DIR / "folja" / "curriculum" / "data"
