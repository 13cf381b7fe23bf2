"""Production mode: strict settings, and no start without the secrets it needs."""

import os
import subprocess
import sys
import tempfile

import pytest

from civitas.ledger.note import generate_signer
from civitas.platform.heartbeat import record_heartbeat
from conftest import database_url_for_subprocess


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


def _production_env() -> dict[str, str]:
    return {
        **os.environ,
        "CIVITAS_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "FIELD_ENCRYPTION_KEYS": "k" * 43,
        "ALLOWED_HOSTS": "civitas.example",
        "LEDGER_SUBJECT_KEY": "s" * 43,
        "LEDGER_SIGNING_KEY": generate_signer("civitas.example/ledger"),
        "LEDGER_STATE_DIR": tempfile.mkdtemp(prefix="ledger-state-"),
        "DJANGO_SETTINGS_MODULE": "civitas.settings",
    }


def test_production_mode_sets_secure_cookies():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=_production_env(), capture_output=True, text=True
    )
    assert result.stdout.split() == ["True", "True", "True"], result.stderr


PROBE_HEALTHZ = """
import django
django.setup()
from django.test import Client
for remote_addr, headers in [
    ("127.0.0.1", {"HTTP_HOST": "127.0.0.1:8000"}),
    ("::1", {"HTTP_HOST": "localhost"}),
    ("203.0.113.9", {"HTTP_HOST": "civitas.example"}),
    ("127.0.0.1", {"HTTP_HOST": "civitas.example", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}),
]:
    response = Client(REMOTE_ADDR=remote_addr).get("/healthz", **headers)
    print(response.status_code, response.get("Location", "-"))
"""


@pytest.mark.django_db(transaction=True)
def test_in_production_a_probe_on_the_same_host_gets_healthz_over_plain_http():
    record_heartbeat(worker_id="host-41")
    result = subprocess.run(
        [sys.executable, "-c", PROBE_HEALTHZ],
        env={**_production_env(), "DATABASE_URL": database_url_for_subprocess()},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        "200 -",  # from loopback, whatever Host it names
        "200 -",
        # Anyone else, and anything a proxy on this host passes on, is sent to https.
        "301 https://civitas.example/healthz",
        "301 https://civitas.example/healthz",
    ]


def test_production_mode_refuses_to_start_with_debug_on():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**_production_env(), "DEBUG": "true"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DEBUG must be off when CIVITAS_ENV=production" in result.stderr


def test_production_mode_refuses_to_start_without_a_ledger_state_directory():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**_production_env(), "LEDGER_STATE_DIR": ""},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "LEDGER_STATE_DIR must be set when CIVITAS_ENV=production" in result.stderr
