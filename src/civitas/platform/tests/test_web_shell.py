"""The web shell: health, security headers, languages, error pages."""

from django.db import connection

from civitas.platform.heartbeat import record_heartbeat
from conftest import permit_address


def test_healthz_reports_each_part(client, db, smtp_inbox):
    record_heartbeat(worker_id="worker-1")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {"database", "queue", "worker", "ledger", "messages", "smtp"} <= set(body)
    assert {part["status"] for name, part in body.items() if name != "status"} == {"ok"}


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
        "/services/example-borough/resident-parking-permit/address/",
        {"version": "1", **permit_address()},
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_data FROM django_session")
        stored = cursor.fetchone()[0]
    # Sealed, and nothing else: the seal authenticates it.
    assert stored.startswith("enc1:")
    assert "EB1" not in stored


def test_the_language_switch_refuses_a_query_in_a_character_set_other_than_utf8(client, db):
    # Django decodes the query string in the character set a request declares; in UTF-7
    # "+2AA-" is a lone surrogate, which no response can encode.
    response = client.get(
        "/language/cy/?next=/%2B2AA-", headers={"Content-Type": "text/plain; charset=utf-7"}
    )
    assert response.status_code == 415


def test_an_api_request_in_a_character_set_other_than_utf8_is_a_415_problem(client, db):
    response = client.generic(
        "POST",
        "/api/v1/services/nope/applications",
        data="{}".encode("utf-16"),
        content_type="application/json; charset=utf-16",
    )
    assert response.status_code == 415
    assert response.headers["Content-Type"] == "application/problem+json"


def test_a_form_declared_as_utf8_is_read(client, db):
    for charset in ("utf-8", "UTF-8"):
        response = client.post(
            "/staff/sign-in",
            data=b"email=a%40example.com&password=x",
            content_type=f"application/x-www-form-urlencoded; charset={charset}",
        )
        assert response.status_code == 400, charset
        assert b"Enter a correct email address and password" in response.content
