"""The web shell: health, security headers, languages, error pages."""

import os
import subprocess
import sys

from django.db import connection


def test_healthz_reports_each_part(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "queue": "ok"}


def test_healthz_answers_503_naming_the_part_that_is_down(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["queue"] == "down"
    assert response.json()["database"] == "ok"


def test_every_page_has_a_strict_content_security_policy(client, db):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self' 'nonce-" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_language_switch_works_without_javascript(client, db):
    response = client.get("/language/cy/?next=/")
    assert response.status_code == 302
    page = client.get("/")
    assert 'lang="cy"' in page.content.decode()
    assert "Neidio i" in page.content.decode()
    assert "Skip to main content" not in page.content.decode()


def test_the_language_switch_does_not_redirect_off_site(client, db):
    response = client.get("/language/en/?next=https://evil.example/")
    assert response.headers["Location"] == "/"


def test_an_api_404_is_a_problem_document(client, db):
    response = client.get("/api/v1/services/nope")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_sessions_are_encrypted_at_rest(client, parking_permit):
    client.post(
        "/services/resident-parking-permit/postcode/", {"version": "1", "postcode": "EB1 1AA"}
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_data FROM django_session")
        stored = cursor.fetchone()[0]
    import base64
    import zlib

    payload = stored.split(":")[0]
    compressed = payload.startswith(".")
    decoded = base64.urlsafe_b64decode(payload.lstrip(".") + "=" * (-len(payload) % 4))
    serialised = zlib.decompress(decoded) if compressed else decoded
    assert serialised.startswith(b"enc1:")
    assert b"EB1" not in serialised


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
        "LEDGER_SIGNING_KEY_FILE": "",
        "DJANGO_SETTINGS_MODULE": "civitas.settings",
    }
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.stdout.split() == ["True", "True", "True"], result.stderr
