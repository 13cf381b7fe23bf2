"""Production mode: strict settings, and no start without the secrets it needs."""

import os
import subprocess
import sys

from civitas.ledger.note import generate_signer


def test_production_mode_refuses_to_start_without_secrets():
    env = {
        **os.environ,
        "CIVITAS_ENV": "production",
        "SECRET_KEY": "",
        "DJANGO_SETTINGS_MODULE": "civitas.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when CIVITAS_ENV=production" in result.stderr


def test_production_mode_sets_secure_cookies():
    env = {
        **os.environ,
        "CIVITAS_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "FIELD_ENCRYPTION_KEYS": "k" * 43,
        "ALLOWED_HOSTS": "civitas.example",
        "LEDGER_SUBJECT_KEY": "s" * 43,
        "LEDGER_SIGNING_KEY": generate_signer("civitas.example/ledger"),
        "DJANGO_SETTINGS_MODULE": "civitas.settings",
    }
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.stdout.split() == ["True", "True", "True"], result.stderr


def test_production_mode_refuses_to_start_with_debug_on():
    env = {
        **os.environ,
        "CIVITAS_ENV": "production",
        "DEBUG": "true",
        "SECRET_KEY": "x" * 50,
        "FIELD_ENCRYPTION_KEYS": "k" * 43,
        "ALLOWED_HOSTS": "civitas.example",
        "LEDGER_SUBJECT_KEY": "s" * 43,
        "LEDGER_SIGNING_KEY": generate_signer("civitas.example/ledger"),
        "DJANGO_SETTINGS_MODULE": "civitas.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DEBUG must be off when CIVITAS_ENV=production" in result.stderr
