"""Staff sign in with a password and a one-time code; every attempt is audited."""

from civitas.platform.models import AuditEvent
from conftest import current_code


def test_a_wrong_password_shows_an_error_and_is_audited(client, caseworker):
    response = client.post("/staff/sign-in", {"email": caseworker.email, "password": "wrong"})
    assert response.status_code == 400
    assert b"Enter a correct email address and password" in response.content
    assert AuditEvent.objects.filter(
        action="staff.password_checked", details__outcome="failed"
    ).exists()


def test_empty_fields_are_named_in_the_error_summary(client, db):
    response = client.post("/staff/sign-in", {"email": "", "password": ""})
    assert b'href="#email"' in response.content
    assert b'href="#password"' in response.content


def test_a_wrong_code_is_refused(client, caseworker):
    client.post("/staff/sign-in", {"email": caseworker.email, "password": "correct-horse-battery"})
    response = client.post("/staff/sign-in/code", {"code": "000000"})
    assert response.status_code == 400
    assert client.get("/staff/").status_code == 302


def test_a_code_cannot_be_used_twice(client, caseworker):
    from django.test import Client

    code = current_code()
    client.post("/staff/sign-in", {"email": caseworker.email, "password": "correct-horse-battery"})
    assert client.post("/staff/sign-in/code", {"code": code}).status_code == 302
    other = Client()
    other.post("/staff/sign-in", {"email": caseworker.email, "password": "correct-horse-battery"})
    assert other.post("/staff/sign-in/code", {"code": code}).status_code == 400


def test_sign_in_does_not_redirect_off_site(client, caseworker):
    client.post("/staff/sign-in", {"email": caseworker.email, "password": "correct-horse-battery"})
    response = client.post(
        "/staff/sign-in/code", {"code": current_code(), "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/staff/"


def test_passwords_are_hashed_with_argon2_outside_tests():
    from django.utils.module_loading import import_string

    from civitas import settings as project_settings

    hasher = import_string(project_settings.PASSWORD_HASHERS[0])()
    encoded = hasher.encode("correct-horse-battery", hasher.salt())
    assert encoded.startswith("argon2$argon2id$")
    assert hasher.verify("correct-horse-battery", encoded)


def test_a_nul_byte_in_the_email_is_a_field_error(client, caseworker):
    # PostgreSQL refuses NUL in text; it must not get as far as the database.
    response = client.post(
        "/staff/sign-in", {"email": f"{caseworker.email}\x00", "password": "correct-horse-battery"}
    )
    assert response.status_code == 400
    assert b'href="#email"' in response.content
    assert "_auth_user_id" not in client.session


def test_control_characters_in_the_email_are_a_field_error(client, caseworker):
    response = client.post(
        "/staff/sign-in", {"email": f"\x1b{caseworker.email}", "password": "correct-horse-battery"}
    )
    assert response.status_code == 400
    assert b'href="#email"' in response.content


def test_the_return_address_is_carried_to_the_next_step_whole(client, caseworker):
    response = client.post(
        "/staff/sign-in?next=/staff/cases/%3Fstatus%3Dsubmitted%26after%3Dx",
        {"email": caseworker.email, "password": "correct-horse-battery"},
    )
    assert response.headers["Location"] == (
        "/staff/sign-in/code?next=%2Fstaff%2Fcases%2F%3Fstatus%3Dsubmitted%26after%3Dx"
    )
