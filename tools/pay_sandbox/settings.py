"""Settings of the payment sandbox; everything it needs comes from the environment
`python -m pay_sandbox` sets (see __main__)."""

import os
from pathlib import Path

STATE = Path(os.environ["PAY_SANDBOX_STATE_DIR"])
# Where the sandbox is reached: the start of next_url and every _links href.
BASE_URL = os.environ["PAY_SANDBOX_BASE_URL"]
API_KEY = os.environ["PAY_SANDBOX_API_KEY"]
WEBHOOK_URL = os.environ.get("PAY_SANDBOX_WEBHOOK_URL", "")
WEBHOOK_SECRET = os.environ.get("PAY_SANDBOX_WEBHOOK_SECRET", "")
# GOV.UK Pay fails a payment not completed within 90 minutes of its creation (P0020).
EXPIRY_SECONDS = int(os.environ.get("PAY_SANDBOX_EXPIRY_SECONDS", "5400"))
# Days from capture to the money reaching the service's bank account.
SETTLE_DAYS = int(os.environ.get("PAY_SANDBOX_SETTLE_DAYS", "0"))

SECRET_KEY = os.environ["PAY_SANDBOX_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "pay_sandbox",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pay_sandbox.faults.FaultMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pay_sandbox.pages.ContentSecurityPolicyMiddleware",
]
ROOT_URLCONF = "pay_sandbox.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.csrf"]},
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": STATE / "pay-sandbox.sqlite3",
        # Card pages and API calls write from several threads: take the write lock at
        # the start of each transaction rather than fail upgrading a read lock.
        # Write-ahead logging, synced at checkpoints: a sandbox's state needs no fsync per
        # payment, and readers (the poller's GETs) never wait for a writer.
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False

# The payer's hold on a payment's pages: a signed cookie, no table.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_NAME = "pay_sandbox_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "pay_sandbox_csrftoken"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# GOV.UK Frontend as Civitas builds it (`make assets`), served by WhiteNoise.
STATIC_URL = "/static/"
STATICFILES_DIRS = [Path(__file__).resolve().parents[2] / "src" / "civitas" / "platform" / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False
