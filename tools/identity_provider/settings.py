"""Settings of the local identity provider; everything it needs comes from the
environment `python -m identity_provider` sets (see __main__)."""

import json
import os
from pathlib import Path

STATE = Path(os.environ["IDP_STATE_DIR"])
ISSUER = os.environ["IDP_ISSUER"]

SECRET_KEY = os.environ["IDP_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "identity_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "identity_provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": STATE / "idp.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LOGIN_URL = "/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": (STATE / "signing-key.pem").read_text(),
    "OIDC_ISS_ENDPOINT": ISSUER,
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    "SCOPES": {"openid": "Sign in", "email": "Your email address"},
    "OAUTH2_VALIDATOR_CLASS": "identity_provider.validator.Validator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 180,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
}

# The relying parties: client id -> its public key (PEM) and redirect URIs.
CLIENTS = json.loads(os.environ["IDP_CLIENTS"])
# The people who can sign in: email -> password and the identity confidence they have
# proved ("P2", or "P0" for none).
PEOPLE = json.loads(os.environ["IDP_PEOPLE"])
TIME_ZONE = "UTC"
