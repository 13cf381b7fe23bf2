"""Django settings, read from the environment.

The embedded default (no variables set) is the demo: SQLite in var/, a database-backed
job queue, a generated secret key. CIVITAS_ENV=production turns on the strict settings
and refuses to start without the secrets it needs.
"""

from pathlib import Path
from typing import Literal

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from civitas.domains import DOMAINS
from civitas.platform.environment import (
    ConfigurationError,
    demo_secret,
    read_bool,
    read_int,
    read_list,
    read_rate,
    read_str,
)

SRC_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(read_str("CIVITAS_HOME") or SRC_DIR.parent.parent)
VAR_DIR = Path(read_str("CIVITAS_VAR_DIR") or BASE_DIR / "var")

ENVIRONMENT = read_str("CIVITAS_ENV", "development")
IS_PRODUCTION = ENVIRONMENT == "production"
DEBUG = read_bool("DEBUG", default=False)
if IS_PRODUCTION and DEBUG:
    # Debug pages show settings, SQL and local variables, personal data among them.
    raise ConfigurationError("DEBUG must be off when CIVITAS_ENV=production")


def _secret(name: str) -> str:
    """A secret from the environment; in production it must be set."""
    value = read_str(name)
    if value:
        return value
    if IS_PRODUCTION:
        raise ConfigurationError(f"{name} must be set when CIVITAS_ENV=production")
    return demo_secret(VAR_DIR / name.lower())


SECRET_KEY = _secret("SECRET_KEY")
# Encrypts sensitive fields at rest (answers, email addresses): 32 bytes, urlsafe base64.
# A comma-separated list: the first encrypts, all decrypt, so keys can be rotated.
FIELD_ENCRYPTION_KEYS = read_list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if IS_PRODUCTION:
        raise ConfigurationError("FIELD_ENCRYPTION_KEYS must be set when CIVITAS_ENV=production")
    FIELD_ENCRYPTION_KEYS = [demo_secret(VAR_DIR / "field_encryption_key", length=32)]

ALLOWED_HOSTS = read_list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = read_list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_BASE_URL = read_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "civitas.platform",
    *(f"civitas.{domain}" for domain in DOMAINS),
]

MIDDLEWARE = [
    # Outermost, so that every response carries it, the health probe's included.
    "civitas.platform.middleware.PermissionsPolicyMiddleware",
    # Before the https redirect and the host check, which a local probe cannot satisfy.
    "civitas.platform.middleware.LocalHealthProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the tiles' short way, so that their 405 is a problem document too.
    "civitas.platform.middleware.MethodNotAllowedProblemMiddleware",
    # The transparency log's tiles: public, immutable files, served as cheaply as static.
    "civitas.ledger.tile_middleware.TileMiddleware",
    "civitas.platform.middleware.NoStoreByDefaultMiddleware",
    # Before anything reads request.GET or request.POST (the CSRF check does).
    "civitas.platform.middleware.RequireUtf8Middleware",
    "civitas.platform.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After authentication: ends a staff session past its idle or absolute timeout.
    "civitas.identity.staff_sessions.StaffSessionTimeoutMiddleware",
    "civitas.identity.middleware.CitizenAccountMiddleware",
    # django-csp's, with the site's policy written out once rather than per response.
    "civitas.platform.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "civitas.ledger.middleware.LedgerUnavailableMiddleware",
]

ROOT_URLCONF = "civitas.urls"
WSGI_APPLICATION = "civitas.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        # Each domain keeps its pages in its own templates/<domain>/ folder.
        "DIRS": sorted(str(path) for path in SRC_DIR.glob("*/templates")),
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "civitas.platform.templating.environment",
            "context_processors": [
                "civitas.platform.templating.page_context",
                # The staff pages' timeout warning (reads the session only).
                "civitas.identity.staff_sessions.timeout_warning_context",
                # A citizen's account pages' timeout warning (reads the session only).
                "civitas.identity.account_sessions.timeout_warning_context",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------
DATABASE_URL = read_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'civitas.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
# Connecting per request is five times slower (PostgreSQL): keep connections.
DATABASES["default"]["CONN_MAX_AGE"] = read_int("DATABASE_CONN_MAX_AGE", default=600)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with writers queued on a lock file instead of put to sleep by
    # SQLite for a millisecond or more (platform/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "civitas.platform.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue on busy_timeout
        # instead of one failing with "database is locked" half-way through.
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
        ),
    }
    # A file, not memory, so a worker process started by a test sees the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-civitas.sqlite3")}
else:
    # Django's backend, with a health check that asks the server only when the socket
    # says something happened (platform/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "civitas.platform.postgresql"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Django turns psycopg's prepared statements off, and its own cursors bind values in the
    # client and never prepare. The session update asks for preparing (platform/sessions.py),
    # which psycopg honours only when a threshold is set; this one is never reached by
    # counting, so nothing else is prepared. A pooler in front must keep prepared
    # statements (session mode, or PgBouncer 1.21 or later: docs/operations.md).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
    DATABASES["default"].setdefault("TEST", {})["NAME"] = read_str(
        "DATABASE_TEST_NAME", "test_civitas"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Wiring ----------------------------------------------------------------------------
# The module whose tables wire domain events to handlers, periodic jobs to workers and
# parts of /healthz to the kernel (civitas/wiring.py).
CIVITAS_WIRING = "civitas.wiring"

# --- Queue -----------------------------------------------------------------------------
REDIS_URL = read_str("REDIS_URL")
TASK_QUEUES = ["default", "email"]
if REDIS_URL:
    INSTALLED_APPS.append("django_rq")
    CACHES = {
        "default": {
            "BACKEND": "civitas.platform.cache.RedisCache",
            "LOCATION": REDIS_URL,
        },
        # Sessions only: sealed strings stored as they are, never pickled (platform/sessions.py).
        "sessions": {
            "BACKEND": "civitas.platform.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "serializer": "civitas.platform.sessions.SealedValueSerializer",
                # A hung Redis costs a request one second, then the database serves sessions.
                "socket_connect_timeout": 1,
                "socket_timeout": 1,
            },
        },
    }
    # The queues share the cache's connection pool (platform/cache.py says why), and put
    # a job on the queue in one round trip (platform/rq_queue.py).
    RQ_QUEUES = {
        name: {
            "USE_REDIS_CACHE": "default",
            "DEFAULT_TIMEOUT": 300,
            "QUEUE_CLASS": "civitas.platform.rq_queue.OneTripQueue",
        }
        for name in TASK_QUEUES
    }
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}

# --- Identity --------------------------------------------------------------------------
AUTH_USER_MODEL = "identity.StaffUser"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "identity:sign-in"
OTP_TOTP_ISSUER = "Civitas"
# django-otp's own throttle doubles its wait after each wrong code without bound, so anyone
# with the password could lock a caseworker out for good; it also refuses a right code
# typed within a second of a wrong one. The platform limiter takes its place (below).
OTP_TOTP_THROTTLE_FACTOR = 0


# Sign-in attempts, counted before any password is hashed (docs/decisions/0008). A fixed
# window: the longest wait is one window, however many attempts were made in it.
SIGN_IN_RATE_PER_ACCOUNT = read_rate("SIGN_IN_RATE_PER_ACCOUNT", "10/15minutes")
SIGN_IN_RATE_PER_ADDRESS = read_rate("SIGN_IN_RATE_PER_ADDRESS", "50/15minutes")
# Applications sent through the pages from one address: generous, as a library or an
# office shares one, and bounded, as a script filling the queues with junk would not be.
SUBMISSION_RATE_PER_ADDRESS = read_rate("SUBMISSION_RATE_PER_ADDRESS", "60/hour")
SECURITY_CODE_RATE_PER_ACCOUNT = read_rate("SECURITY_CODE_RATE_PER_ACCOUNT", "5/15minutes")
# Staff invitations: how long the emailed link works (it works once).
STAFF_INVITE_HOURS = read_int("STAFF_INVITE_HOURS", default=72)
# Staff sessions end after this long without a request, and this long after signing in
# whatever happens (docs/decisions/0039); the GOV.UK timeout warning comes this many
# seconds before the idle end.
STAFF_IDLE_TIMEOUT_MINUTES = read_int("STAFF_IDLE_TIMEOUT_MINUTES", default=30)
STAFF_ABSOLUTE_TIMEOUT_HOURS = read_int("STAFF_ABSOLUTE_TIMEOUT_HOURS", default=10)
STAFF_TIMEOUT_WARNING_SECONDS = read_int("STAFF_TIMEOUT_WARNING_SECONDS", default=120)
# Citizens' accounts (docs/decisions/0038): how long each emailed link works, and how
# often links and notices may be emailed per address typed in and per client.
ACCOUNT_VERIFY_LINK_HOURS = read_int("ACCOUNT_VERIFY_LINK_HOURS", default=24)
# A citizen's signed-in session ends after this long without a request, and after this
# long in all, whatever they do (the journey's own timeout keeps answers in progress).
ACCOUNT_IDLE_MINUTES = read_int("ACCOUNT_IDLE_MINUTES", default=60)
ACCOUNT_SESSION_HOURS = read_int("ACCOUNT_SESSION_HOURS", default=12)
ACCOUNT_TIMEOUT_WARNING_SECONDS = read_int("ACCOUNT_TIMEOUT_WARNING_SECONDS", default=120)
ACCOUNT_SIGN_IN_LINK_MINUTES = read_int("ACCOUNT_SIGN_IN_LINK_MINUTES", default=15)
ACCOUNT_RESET_LINK_MINUTES = read_int("ACCOUNT_RESET_LINK_MINUTES", default=60)
ACCOUNT_EMAIL_RATE_PER_EMAIL = read_rate("ACCOUNT_EMAIL_RATE_PER_EMAIL", "5/hour")
ACCOUNT_EMAIL_RATE_PER_ADDRESS = read_rate("ACCOUNT_EMAIL_RATE_PER_ADDRESS", "20/hour")
# Following links: a token is 256 random bits, so this bounds only the noise.
ACCOUNT_LINK_RATE_PER_ADDRESS = read_rate("ACCOUNT_LINK_RATE_PER_ADDRESS", "30/15minutes")
# The client's address is REMOTE_ADDR. Behind a reverse proxy, name the header the proxy
# sets (X-Forwarded-For) and how many proxies of yours append to it; never trust it otherwise.
CLIENT_ADDRESS_HEADER = read_str("CLIENT_ADDRESS_HEADER", "")
CLIENT_ADDRESS_PROXY_COUNT = read_int("CLIENT_ADDRESS_PROXY_COUNT", default=1)
# Calls to the API with one key (docs/decisions/0025), counted before the body is read.
API_KEY_RATE = read_rate("API_KEY_RATE", "600/minute")
# How long a submission's response is kept for a retry with the same Idempotency-Key.
IDEMPOTENCY_KEY_HOURS = read_int("IDEMPOTENCY_KEY_HOURS", default=24)
# How long an application accepted through the API waits for its job before the sweep
# makes its case (decision 0037).
ACCEPTED_APPLICATION_SWEEP_SECONDS = read_int("ACCEPTED_APPLICATION_SWEEP_SECONDS", default=2)
# /healthz says "delayed" once one has waited this long for its case.
ACCEPTED_APPLICATION_DELAY_ALERT_SECONDS = read_int(
    "ACCEPTED_APPLICATION_DELAY_ALERT_SECONDS", default=300
)

# --- Journeys: timing out, saving and returning ---------------------------------------
# A journey left alone this long is deleted; citizens are told so on every question page,
# and warned this many seconds before (the GOV.UK timeout warning pattern).
JOURNEY_TIMEOUT_MINUTES = read_int("JOURNEY_TIMEOUT_MINUTES", default=30)
JOURNEY_TIMEOUT_WARNING_SECONDS = read_int("JOURNEY_TIMEOUT_WARNING_SECONDS", default=120)
# Journey events are written in batches of this many, or once the oldest has waited this
# long (insights/recording.py, decision 0057).
JOURNEY_EVENTS_BATCH_SIZE = read_int("JOURNEY_EVENTS_BATCH_SIZE", default=200)
JOURNEY_EVENTS_FLUSH_SECONDS = read_int("JOURNEY_EVENTS_FLUSH_SECONDS", default=5)
# A thread of each process writes events held that long even when no more come.
JOURNEY_EVENTS_FLUSH_ON_TIMER = read_bool("JOURNEY_EVENTS_FLUSH_ON_TIMER", default=True)
# How long the emailed link to saved answers works; after that the answers are deleted.
SAVED_JOURNEY_DAYS = read_int("SAVED_JOURNEY_DAYS", default=7)
# Emails of a link to saved answers, per address written in and per client address.
SAVE_AND_RETURN_RATE_PER_EMAIL = read_rate("SAVE_AND_RETURN_RATE_PER_EMAIL", "5/hour")
SAVE_AND_RETURN_RATE_PER_ADDRESS = read_rate("SAVE_AND_RETURN_RATE_PER_ADDRESS", "20/hour")
# "Track your application": one-time codes emailed to the address on an application.
TRACKING_CODE_MINUTES = read_int("TRACKING_CODE_MINUTES", default=15)
TRACKING_CODE_TRIES = read_int("TRACKING_CODE_TRIES", default=5)
TRACKING_CODE_RATE_PER_APPLICATION = read_rate("TRACKING_CODE_RATE_PER_APPLICATION", "3/hour")
TRACKING_CODE_RATE_PER_ADDRESS = read_rate("TRACKING_CODE_RATE_PER_ADDRESS", "20/hour")
TRACKING_ACCESS_MINUTES = read_int("TRACKING_ACCESS_MINUTES", default=30)

# --- Sessions and cookies --------------------------------------------------------------
# With Redis, sessions are read from it and written through to the database, so a
# restarted Redis loses no answers in progress, and a Redis outage only slows them down.
SESSION_ENGINE = "civitas.platform.sessions" if REDIS_URL else "civitas.platform.database_sessions"
SESSION_CACHE_ALIAS = "sessions" if REDIS_URL else "default"
# After a session cache error, how long sessions come from the database alone.
SESSION_CACHE_RETRY_SECONDS = read_int("SESSION_CACHE_RETRY_SECONDS", default=5)
# Sessions hold answers in progress: they are sealed like any other personal data (the
# engines' SealedSessionCodec); this serializer reads sessions stored signed before that.
SESSION_SERIALIZER = "civitas.platform.crypto.EncryptedSessionSerializer"
SESSION_COOKIE_AGE = 60 * 60 * 4
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "civitas.platform.views.csrf_failure"
LANGUAGE_COOKIE_SECURE = IS_PRODUCTION
LANGUAGE_COOKIE_SAMESITE: Literal["Lax"] = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Every powerful browser feature off, for our pages and anything they embed: no page uses
# one (docs/decisions/0039). A feature a page comes to need is named here with (self).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "sync-xhr",
        "usb",
        "xr-spatial-tracking",
    )
)
X_FRAME_OPTIONS = "DENY"
if IS_PRODUCTION:
    SECURE_SSL_REDIRECT = read_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# --- Languages -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [SRC_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/London"

# --- Static files ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Email -----------------------------------------------------------------------------
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = read_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = read_int("EMAIL_PORT", default=1025)
EMAIL_HOST_USER = read_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = read_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = read_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = read_int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = read_str(
    "DEFAULT_FROM_EMAIL", "Example Borough Council <noreply@example-borough.gov.uk>"
)

# --- Civitas ---------------------------------------------------------------------------
SERVICES_DIR = BASE_DIR / "services"
# The name in the header of pages that belong to no one organisation (the home page).
PLATFORM_NAME = read_str("CIVITAS_PLATFORM_NAME", "Civitas public services")
# A message whose delivery lease ran out (a worker died mid-send) is tried again.
NOTIFY_LEASE_SECONDS = read_int("NOTIFY_LEASE_SECONDS", default=120)
NOTIFY_MAX_ATTEMPTS = read_int("NOTIFY_MAX_ATTEMPTS", default=10)
# /healthz answers 503 once an email has waited longer than this to be sent.
NOTIFY_DELAY_ALERT_SECONDS = read_int("NOTIFY_DELAY_ALERT_SECONDS", default=600)
# Who carries each channel's messages: a provider's dotted path per channel
# (notify/providers/base.py says what a provider does).
NOTIFY_PROVIDERS = {
    "email": "civitas.notify.providers.smtp.SmtpEmailProvider",
    "letter": "civitas.notify.providers.printer.PrintOutboxProvider",
    "sms": "civitas.notify.providers.failover.FailoverTextMessageProvider",
}
# Letters (docs/operations.md, "Letters"): the font embedded in every letter, where the
# day's letters wait for the printer, and the time the printer takes the day's batch.
NOTIFY_LETTER_FONT_DIR = Path(
    read_str("NOTIFY_LETTER_FONT_DIR") or "/usr/share/fonts/truetype/dejavu"
)
NOTIFY_PRINT_OUTBOX = Path(read_str("NOTIFY_PRINT_OUTBOX") or VAR_DIR / "print-outbox")
NOTIFY_PRINT_CUTOFF = read_str("NOTIFY_PRINT_CUTOFF", "17:30")


def _sms_secret(name: str) -> str:
    """A gateway's credential: from the environment; in the demo and development, made
    once under var/ (the local sandbox gateways read the same file). Production without
    it leaves that gateway refusing every message, for the next to take."""
    value = read_str(name) or ""
    if value or IS_PRODUCTION:
        return value
    return demo_secret(VAR_DIR / name.lower(), length=24)


# --- Text messages (docs/decisions/0044-text-messages-and-callbacks.md) -----------------
# The SMS gateways, in the order they are tried; the next takes over when one is down.
SMS_PROVIDERS = read_list("SMS_PROVIDERS", default=["firetext", "mmg"])
SMS_DEFAULT_SENDER = read_str("SMS_DEFAULT_SENDER", "Civitas")
# A gateway that failed is tried last for this long, so new messages skip a gateway that
# hangs.
SMS_GATEWAY_REST_SECONDS = read_int("SMS_GATEWAY_REST_SECONDS", default=30)
# The defaults are the local sandbox gateways (`civitas smsgateway`, in `make demo`).
FIRETEXT_URL = read_str("FIRETEXT_URL", "http://127.0.0.1:8201/api/sendsms/json")
FIRETEXT_API_KEY = _sms_secret("FIRETEXT_API_KEY")
FIRETEXT_TIMEOUT_SECONDS = read_int("FIRETEXT_TIMEOUT_SECONDS", default=10)
# Where Firetext posts delivery receipts ("": PUBLIC_BASE_URL's), and the password its
# receipts and received texts authenticate with (HTTP basic auth, user name "firetext").
FIRETEXT_RECEIPT_URL = read_str("FIRETEXT_RECEIPT_URL", "")
FIRETEXT_CALLBACK_PASSWORD = _sms_secret("FIRETEXT_CALLBACK_PASSWORD")
MMG_URL = read_str("MMG_URL", "http://127.0.0.1:8202/jsonv2a/api.php")
MMG_API_KEY = _sms_secret("MMG_API_KEY")
MMG_TIMEOUT_SECONDS = read_int("MMG_TIMEOUT_SECONDS", default=10)
MMG_RECEIPT_URL = read_str("MMG_RECEIPT_URL", "")
MMG_CALLBACK_PASSWORD = _sms_secret("MMG_CALLBACK_PASSWORD")
# Services' callbacks (delivery statuses, received texts): GOV.UK Notify's timeout, and
# how many tries, with back-off doubling from NOTIFY_CALLBACK_BACKOFF_SECONDS, before one
# is given up.
NOTIFY_CALLBACK_TIMEOUT_SECONDS = read_int("NOTIFY_CALLBACK_TIMEOUT_SECONDS", default=5)
NOTIFY_CALLBACK_MAX_ATTEMPTS = read_int("NOTIFY_CALLBACK_MAX_ATTEMPTS", default=6)
NOTIFY_CALLBACK_BACKOFF_SECONDS = read_int("NOTIFY_CALLBACK_BACKOFF_SECONDS", default=30)
# Callback URLs must be https; http to this machine only for development and tests.
NOTIFY_CALLBACK_ALLOW_LOCAL_HTTP = read_bool("NOTIFY_CALLBACK_ALLOW_LOCAL_HTTP", default=DEBUG)
# Each worker records a heartbeat this often; /healthz counts it live while it is fresher
# than the stale limit (long enough for a slow sweep to finish).
WORKER_HEARTBEAT_SECONDS = read_int("WORKER_HEARTBEAT_SECONDS", default=5)
WORKER_HEARTBEAT_STALE_SECONDS = read_int("WORKER_HEARTBEAT_STALE_SECONDS", default=60)

# --- Payments (docs/payments.md, docs/decisions/0046-payments.md) ----------------------
# Who takes payments: a provider's dotted path by name (pay/providers/base.py says what a
# provider does). The first speaks GOV.UK Pay's API; the demo's is the local sandbox
# (`civitas paysandbox`, in `make demo`), which speaks the same API.
PAY_PROVIDERS = {"govuk_pay": "civitas.pay.providers.govuk_pay.GovukPayProvider"}
PAY_PROVIDER = read_str("PAY_PROVIDER", "govuk_pay")
PAY_API_URL = read_str("PAY_API_URL", "http://127.0.0.1:8300")
# Where the provider's card pages are, when not at the API's address (GOV.UK Pay's are
# at card.payments.service.gov.uk): the pages that send people there allow it in CSP.
PAY_PAGES_URL = read_str("PAY_PAGES_URL", "")
PAY_API_KEY = _sms_secret("PAY_API_KEY")
PAY_WEBHOOK_SECRET = _sms_secret("PAY_WEBHOOK_SECRET")
# One call to the provider waits this long; a payment whose answer never came is found
# again by the poller (its idempotency key makes asking twice harmless).
PAY_TIMEOUT_SECONDS = read_int("PAY_TIMEOUT_SECONDS", default=10)
# The poller asks the provider about a payment not finished this long after it was made,
# then at growing intervals up to the longest, until it finishes.
PAY_POLL_FIRST_SECONDS = read_int("PAY_POLL_FIRST_SECONDS", default=60)
PAY_POLL_LONGEST_SECONDS = read_int("PAY_POLL_LONGEST_SECONDS", default=30 * 60)
# Concurrent requests the poller makes to the provider.
PAY_POLL_CONNECTIONS = read_int("PAY_POLL_CONNECTIONS", default=8)
# Days from a payment succeeding to the provider settling it (the sandbox settles the
# same day; a Stripe account about 2 working days): the reconciliation flags a payment
# not settled by then.
PAY_SETTLEMENT_DAYS = read_int("PAY_SETTLEMENT_DAYS", default=0)

# --- Uploads (docs/operations.md, docs/decisions/0018-file-uploads.md) -----------------
# Sealed upload files live here: outside the static files and anything a web server serves.
UPLOAD_ROOT = Path(read_str("UPLOAD_ROOT") or VAR_DIR / "uploads")
# The platform's largest file; a question's max_size may be smaller, never larger.
UPLOAD_MAX_BYTES = read_int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# A request body larger than this is refused before anything reads it (the CSRF check
# would otherwise parse, and spool to disk, a body of any size): the largest file plus
# room for the form's other fields.
UPLOAD_MAX_REQUEST_BYTES = UPLOAD_MAX_BYTES + 256 * 1024
# Uploaded files up to this size stay in memory while a request is read; larger ones are
# spooled to a temporary file. Fields other than files are limited to Django's 2.5MB.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2621440
FILE_UPLOAD_PERMISSIONS = 0o600
# A journey's uploads are deleted this long after they were made, unless submitted by then
# (a session lasts SESSION_COOKIE_AGE; the margin covers a page submitted at its end).
UPLOAD_ABANDONED_AFTER_SECONDS = read_int(
    "UPLOAD_ABANDONED_AFTER_SECONDS", default=60 * 60 * 4 + 60 * 60
)
# The virus scanner: clamd at CLAMD_ADDRESS (tcp://host:3310 or unix:///path/clamd.ctl).
# With no clamd configured the demo and development scan nothing; production always uses
# clamd, so without one every upload is refused ("could not be checked"), never unscanned.
CLAMD_ADDRESS = read_str("CLAMD_ADDRESS", "")
CLAMD_TIMEOUT_SECONDS = read_int("CLAMD_TIMEOUT_SECONDS", default=30)
FILE_SCANNER = read_str("FILE_SCANNER") or (
    "civitas.platform.files.scanners.ClamdScanner"
    if CLAMD_ADDRESS or IS_PRODUCTION
    else "civitas.platform.files.scanners.NoScanner"
)

# --- Transparency log (docs/ledger.md) -------------------------------------------------
# The log's name in its checkpoints: a key name, so no spaces or '+'. Never change it.
LEDGER_ORIGIN = read_str("LEDGER_ORIGIN", "civitas.example/ledger")
# Signer key strings, newest first (`civitas ledger keygen`); outside production one is
# generated into var/. Retired keys' public halves stay in LEDGER_VERIFIER_KEYS_EXTRA.
LEDGER_SIGNING_KEY = read_str("LEDGER_SIGNING_KEY", "")
LEDGER_SIGNING_KEY_FILE = read_str("LEDGER_SIGNING_KEY_FILE", "")
if IS_PRODUCTION and not (LEDGER_SIGNING_KEY or LEDGER_SIGNING_KEY_FILE):
    raise ConfigurationError(
        "LEDGER_SIGNING_KEY or LEDGER_SIGNING_KEY_FILE must be set when CIVITAS_ENV=production"
    )
LEDGER_VERIFIER_KEYS_EXTRA = read_list("LEDGER_VERIFIER_KEYS_EXTRA", default=[])
# Witnesses the log pushes each checkpoint to (C2SP tlog-witness): "<witness cosignature
# key> <URL>" per witness, separated by commas or new lines; read by ledger/witnessing.py.
LEDGER_WITNESSES = read_str("LEDGER_WITNESSES", "")
# How many of them must cosign for a checkpoint to count as witnessed: "2" or "2 of 3";
# blank means a majority.
LEDGER_WITNESS_POLICY = read_str("LEDGER_WITNESS_POLICY", "")
LEDGER_WITNESS_TIMEOUT_SECONDS = read_int("LEDGER_WITNESS_TIMEOUT_SECONDS", default=10)
# /healthz says "degraded" when the newest checkpoint this old has not met the policy.
LEDGER_WITNESS_MAX_LAG_SECONDS = read_int("LEDGER_WITNESS_MAX_LAG_SECONDS", default=300)
# Keys the HMAC that turns a person or case into the subject reference of an entry.
LEDGER_SUBJECT_KEY = _secret("LEDGER_SUBJECT_KEY")
LEDGER_BATCH_SIZE = read_int("LEDGER_BATCH_SIZE", default=10000)
# Where the largest signed checkpoint is kept, outside the database and its backups, so
# that a rolled-back database is refused (docs/ledger.md). Unset outside production: a
# directory under var/ledger-state/ named after the database in use, so the demo and
# every test database (each DATABASE_TEST_NAME, xdist worker, engine) have their own.
LEDGER_STATE_DIR = read_str("LEDGER_STATE_DIR", "")
if IS_PRODUCTION and not LEDGER_STATE_DIR:
    raise ConfigurationError(
        "LEDGER_STATE_DIR must be set when CIVITAS_ENV=production: a directory the "
        "database backups do not cover, where the log keeps its largest signed checkpoint"
    )
# The maximum merge delay each entry's signed promise gives: the log promises the entry is
# in a signed checkpoint within this many seconds of its append (decision 0056).
LEDGER_MAX_MERGE_DELAY_SECONDS = read_int("LEDGER_MAX_MERGE_DELAY_SECONDS", default=300)
if not 1 <= LEDGER_MAX_MERGE_DELAY_SECONDS <= 2**31:
    raise ConfigurationError("LEDGER_MAX_MERGE_DELAY_SECONDS must be from 1 to 2147483648")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": read_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Each letter rendered would log every step and every glyph subset.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Citizens' sign-in through a national identity provider over OpenID Connect (decision
# 0041); off unless an issuer and a client are set. The client's private key signs its
# `private_key_jwt` assertions; the provider holds its public key.
CITIZEN_OIDC_ISSUER = read_str("CITIZEN_OIDC_ISSUER", "")
CITIZEN_OIDC_CLIENT_ID = read_str("CITIZEN_OIDC_CLIENT_ID", "")
CITIZEN_OIDC_CLIENT_KEY_FILE = read_str("CITIZEN_OIDC_CLIENT_KEY_FILE", "")
# The private key Civitas signs its assertions with as a client of organisations' own
# providers, for their staff's single sign-on; each provider holds its public key.
STAFF_OIDC_CLIENT_KEY_FILE = read_str("STAFF_OIDC_CLIENT_KEY_FILE", CITIZEN_OIDC_CLIENT_KEY_FILE)
