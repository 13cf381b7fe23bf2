"""A citizen's account through its pages: creating it, confirming the address by an
emailed link (over real SMTP), signing in by password or by link, and the refusals on the
way: wrong, reused or expired, too short, too common, too many."""

import datetime
import re
import time
from email.header import decode_header, make_header

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import timezone

from civitas.identity.accounts import email_index, token_digest
from civitas.identity.models import AccountLink, CitizenAccount
from civitas.identity.tests.factories import PASSWORD, CitizenAccountFactory
from civitas.notify.models import Message
from conftest import run_queued_jobs

CREATE, SIGN_IN, LINK = "/account/create", "/account/sign-in", "/account/sign-in/email-link"


def emailed_link(smtp_inbox, count: int = 1) -> str:
    """The path of the link in the newest email, once `count` emails have arrived."""
    run_queued_jobs()
    received = smtp_inbox.wait_for(count)
    assert len(received) >= count, "the email did not arrive"
    text = next(
        part.get_payload(decode=True).decode()
        for part in received[-1].walk()
        if part.get_content_type() == "text/plain"
    )
    return re.search(r"https?://[^/\s]+(/account/\S+/)", text).group(1)


def plain_text(message) -> str:
    return next(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    )


def signed_in_account_of(client) -> str | None:
    return client.session.get("account:id")


@pytest.fixture
def account(db) -> CitizenAccount:
    return CitizenAccountFactory(email="resident@example.com")


def test_a_citizen_creates_an_account_confirms_it_by_the_emailed_link_and_is_signed_in(
    client, db, smtp_inbox
):
    response = client.post(CREATE, {"email": " Resident@Example.COM ", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/account/check-your-email?sent=confirm"
    account = CitizenAccount.objects.get()
    assert account.email == "resident@example.com"
    assert account.email_verified_at is None
    assert account.password.startswith("md5$")  # the configured hasher (argon2 outside tests)

    link = emailed_link(smtp_inbox)
    assert smtp_inbox.messages[-1]["To"] == "resident@example.com"
    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm and sign in" in page.content.decode()
    assert signed_in_account_of(client) is None  # a mail scanner's GET spends nothing

    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert signed_in_account_of(client) == str(account.pk)
    account.refresh_from_db()
    assert account.is_verified
    home = client.get("/account/")
    assert home.status_code == 200
    assert "resident@example.com" in home.content.decode()


def test_the_address_is_kept_encrypted_and_found_by_a_keyed_hash(db):
    CitizenAccountFactory(email="resident@example.com")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT email, email_index FROM identity_citizenaccount")
        stored, index = cursor.fetchone()
    assert "resident" not in stored
    assert stored.startswith("enc2:")
    assert index == email_index("resident@example.com")
    assert "resident" not in index


def test_a_link_works_once_and_says_so_when_used_again(client, db, smtp_inbox):
    client.post(CREATE, {"email": "resident@example.com", "password": PASSWORD})
    link = emailed_link(smtp_inbox)
    assert client.post(link).status_code == 302
    again = Client().post(link)
    assert again.status_code == 410
    assert "This link has already been used" in again.content.decode()
    assert signed_in_account_of(Client()) is None


def test_an_expired_link_is_refused_with_a_clear_message(client, db, smtp_inbox):
    client.post(CREATE, {"email": "resident@example.com", "password": PASSWORD})
    link = emailed_link(smtp_inbox)
    AccountLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
    assert not CitizenAccount.objects.get().is_verified


def test_a_made_up_link_opens_nothing(client, db):
    response = client.post("/account/confirm/not-a-token-anyone-was-sent/")
    assert response.status_code == 404
    assert "This link is not right" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "", "password": PASSWORD}, "email", "Enter your email address"),
        ({"email": "not-an-address", "password": PASSWORD}, "email", "in the correct format"),
        ({"email": "a@example.com\x00", "password": PASSWORD}, "email", "in the correct format"),
        ({"email": "a@example.com", "password": ""}, "password", "Enter a password"),
        ({"email": "a@example.com", "password": "short12"}, "password", "at least 8 characters"),
        ({"email": "a@example.com", "password": "password1"}, "password", "too common"),
        ({"email": "a@example.com", "password": "qwertyuiop"}, "password", "too common"),
        ({"email": "a@example.com", "password": "x" * 257}, "password", "256 characters or fewer"),
    ],
)
def test_bad_input_to_sign_up_is_refused_with_the_error_summary(client, db, data, field, message):
    response = client.post(CREATE, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert f'href="#{field}"' in body
    assert message in body
    assert not CitizenAccount.objects.exists()


def test_a_long_passphrase_with_no_digits_or_capitals_is_welcome(client, db):
    response = client.post(
        CREATE,
        {"email": "a@example.com", "password": "the quick brown fox jumps over a lazy dog " * 4},
    )
    assert response.status_code == 302


def test_signing_up_with_an_address_that_has_an_account_answers_the_same_and_tells_its_owner(
    client, account, smtp_inbox
):
    other = Client()
    response = other.post(
        CREATE, {"email": "RESIDENT@example.com", "password": "another long password"}
    )
    fresh = Client().post(CREATE, {"email": "new@example.com", "password": "another long password"})
    assert response.status_code == fresh.status_code == 302
    assert response["Location"] == fresh["Location"]
    run_queued_jobs()
    received = smtp_inbox.wait_for(2)
    to_owner = next(message for message in received if message["To"] == "resident@example.com")
    assert "already has one" in plain_text(to_owner)
    account.refresh_from_db()
    assert CitizenAccount.objects.count() == 2
    # The owner's password is unchanged.
    assert (
        Client().post(SIGN_IN, {"email": "resident@example.com", "password": PASSWORD}).status_code
        == 302
    )


def test_a_right_password_signs_in_under_a_new_session_id(client, account):
    client.get(SIGN_IN)
    client.session.save()
    before = client.cookies["sessionid"].value
    response = client.post(SIGN_IN, {"email": "Resident@example.com ", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    after = client.cookies["sessionid"].value
    assert after != before
    assert signed_in_account_of(client) == str(account.pk)


def test_sign_in_goes_back_to_the_page_asked_for_and_only_on_this_site(client, account):
    response = client.post(
        SIGN_IN,
        {"email": "resident@example.com", "password": PASSWORD, "next": "/account/two-factor"},
    )
    assert response["Location"] == "/account/two-factor"
    response = Client().post(
        SIGN_IN,
        {"email": "resident@example.com", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/account/"


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client, account):
    wrong = Client().post(
        SIGN_IN, {"email": "resident@example.com", "password": "not the password"}
    )
    unknown = Client().post(
        SIGN_IN, {"email": "nobody@example.com", "password": "not the password"}
    )
    assert wrong.status_code == unknown.status_code == 400

    def main(response) -> str:
        body = response.content.decode()
        body = body[body.index("<main") : body.index("</main>")]
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
        return body.replace("resident@example.com", "X").replace("nobody@example.com", "X")

    assert main(wrong) == main(unknown)
    assert "Enter a correct email address and password" in main(wrong)


def test_an_unknown_address_costs_a_password_hash_like_a_wrong_password(settings, account):
    # With the real hasher: a refusal that skipped the hash would answer in a fraction of
    # the time, and tell anyone timing it that the address has no account.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    CitizenAccount.objects.filter(pk=account.pk).update(password=make_password(PASSWORD))

    def timed(email: str) -> float:
        started = time.perf_counter()
        Client().post(SIGN_IN, {"email": email, "password": "not the password"})
        return time.perf_counter() - started

    timed("warm-up@example.com")
    wrong = min(timed("resident@example.com") for _ in range(3))
    unknown = min(timed(f"nobody{n}@example.com") for n in range(3))
    assert unknown > wrong * 0.5, (unknown, wrong)
    assert wrong > unknown * 0.5, (unknown, wrong)


def test_an_unconfirmed_account_is_sent_a_new_link_instead_of_being_signed_in(
    client, db, smtp_inbox
):
    CitizenAccountFactory(email="resident@example.com", unconfirmed=True)
    response = client.post(SIGN_IN, {"email": "resident@example.com", "password": PASSWORD})
    assert response["Location"] == "/account/check-your-email?sent=confirm-again"
    assert signed_in_account_of(client) is None
    assert "/account/confirm/" in emailed_link(smtp_inbox)


def test_guessing_passwords_is_held_back_and_told_when_to_try_again(client, account, settings):
    settings.SIGN_IN_RATE_PER_ACCOUNT = "3/15minutes"
    for _ in range(3):
        assert (
            client.post(
                SIGN_IN, {"email": "resident@example.com", "password": "guess guess"}
            ).status_code
            == 400
        )
    refused = client.post(SIGN_IN, {"email": "resident@example.com", "password": PASSWORD})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 800
    assert "Too many attempts. Try again in 15 minutes" in refused.content.decode()
    assert signed_in_account_of(client) is None


def test_sign_in_needs_the_form_token(account):
    client = Client(enforce_csrf_checks=True)
    response = client.post(SIGN_IN, {"email": "resident@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert signed_in_account_of(client) is None


def test_a_citizen_signing_in_drops_a_staff_sign_in_from_the_session(
    client, signed_in, caseworker, account
):
    signed_in(caseworker)
    assert client.get("/staff/").status_code == 200
    client.post(SIGN_IN, {"email": "resident@example.com", "password": PASSWORD})
    assert client.session.get("_auth_user_id") is None
    assert client.get("/staff/").status_code == 302


def test_an_emailed_sign_in_link_signs_in_once(client, account, smtp_inbox):
    response = client.post(LINK, {"email": "resident@example.com"})
    assert response["Location"] == "/account/check-your-email?sent=sign-in"
    link = emailed_link(smtp_inbox)
    assert link.startswith("/account/sign-in/link/")
    assert client.post(link)["Location"] == "/account/"
    assert signed_in_account_of(client) == str(account.pk)
    reused = Client().post(link)
    assert reused.status_code == 410
    assert "already been used" in reused.content.decode()


def test_a_sign_in_link_expires_after_its_minutes(client, account, smtp_inbox, settings):
    client.post(LINK, {"email": "resident@example.com"})
    link = emailed_link(smtp_inbox)
    made = AccountLink.objects.get(token_sha256=token_digest(link.rstrip("/").rsplit("/", 1)[1]))
    assert made.expires_at - made.created_at == datetime.timedelta(
        minutes=settings.ACCOUNT_SIGN_IN_LINK_MINUTES
    )
    AccountLink.objects.update(expires_at=timezone.now())
    response = client.post(link)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert signed_in_account_of(client) is None


def test_asking_for_a_link_for_an_unknown_address_answers_the_same_and_sends_nothing(
    client, db, smtp_inbox
):
    response = client.post(LINK, {"email": "nobody@example.com"})
    assert response["Location"] == "/account/check-your-email?sent=sign-in"
    run_queued_jobs()
    assert smtp_inbox.messages == []
    assert not Message.objects.exists()


def test_asking_for_links_is_held_back(client, account, settings):
    settings.ACCOUNT_EMAIL_RATE_PER_EMAIL = "2/hour"
    for _ in range(2):
        assert client.post(LINK, {"email": "resident@example.com"}).status_code == 302
    refused = client.post(LINK, {"email": "resident@example.com"})
    assert refused.status_code == 429
    assert "Too many attempts. Try again in 60 minutes" in refused.content.decode()
    assert AccountLink.objects.count() == 2


def test_following_made_up_links_is_held_back(client, db, settings):
    settings.ACCOUNT_LINK_RATE_PER_ADDRESS = "3/15minutes"
    token = "x" * 43
    AccountLink.objects.create(
        token_sha256=token_digest(token),
        account=CitizenAccountFactory(),
        purpose="sign-in",
        created_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    for n in range(3):
        assert client.post(f"/account/sign-in/link/{'y' * 42}{n}/").status_code == 404
    refused = client.post(f"/account/sign-in/link/{token}/")
    assert refused.status_code == 429
    assert signed_in_account_of(client) is None


def test_signing_out_ends_the_session(client, account):
    client.post(SIGN_IN, {"email": "resident@example.com", "password": PASSWORD})
    response = client.post("/account/sign-out")
    assert response["Location"] == "/account/sign-in?signed_out=1"
    assert signed_in_account_of(client) is None
    assert client.get("/account/")["Location"].startswith("/account/sign-in")


def test_signing_out_is_a_post(client, account):
    client.post(SIGN_IN, {"email": "resident@example.com", "password": PASSWORD})
    assert client.get("/account/sign-out").status_code == 405
    assert signed_in_account_of(client) == str(account.pk)


def test_the_header_links_to_sign_in_and_then_to_the_account(client, account, parking_permit):
    page = client.get("/services/example-borough/resident-parking-permit/").content.decode()
    assert 'href="/account/sign-in"' in page
    client.post(SIGN_IN, {"email": "resident@example.com", "password": PASSWORD})
    page = client.get("/services/example-borough/resident-parking-permit/").content.decode()
    assert 'href="/account/">Your account' in page
    question = client.get("/services/example-borough/resident-parking-permit/address/")
    assert 'href="/account/">Your account' in question.content.decode()


def test_the_pages_are_in_welsh_on_a_welsh_page(client, db):
    client.get("/language/cy/?next=/account/sign-in")
    body = client.get(SIGN_IN).content.decode()
    assert 'lang="cy"' in body
    assert "Mewngofnodi" in body


@pytest.mark.parametrize(
    "email",
    ["resident@example.com\x00", "x" * 5000, "résident@exämple.com", " "],
)
def test_sign_in_with_an_address_nobody_types_is_a_plain_refusal(client, account, email):
    response = client.post(SIGN_IN, {"email": email, "password": PASSWORD})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert signed_in_account_of(client) is None


@pytest.mark.parametrize("token", ["%00", "a" * 3000, "..", "%F0%9F%92%A9", "' OR 1=1 --"])
def test_a_link_nobody_was_sent_is_refused_whatever_it_holds(client, db, token):
    for path in ("/account/confirm/", "/account/sign-in/link/", "/account/reset-password/"):
        response = client.post(f"{path}{token}/", {"password": "a long enough password"})
        assert response.status_code in (404, 410), (path, response.status_code)


def test_the_emails_are_in_the_language_the_citizen_signed_up_in(client, db, smtp_inbox):
    client.get("/language/cy/?next=/account/create")
    client.post(CREATE, {"email": "preswylydd@example.com", "password": PASSWORD})
    run_queued_jobs()
    received = smtp_inbox.wait_for(1)[-1]
    assert str(make_header(decode_header(received["Subject"]))) == "Cadarnhau eich cyfeiriad e-bost"
    assert "Mae'r ddolen yn gweithio unwaith" in plain_text(received)


def test_someone_signing_up_with_an_address_not_theirs_cannot_choose_its_password(
    client, db, smtp_inbox
):
    client.post(CREATE, {"email": "resident@example.com", "password": PASSWORD})
    owners_link = emailed_link(smtp_inbox, 1)
    Client().post(CREATE, {"email": "resident@example.com", "password": "the squatters password"})
    emailed_link(smtp_inbox, 2)  # sent to the owner, who ignores it
    assert client.post(owners_link)["Location"] == "/account/"
    assert (
        Client().post(SIGN_IN, {"email": "resident@example.com", "password": PASSWORD})["Location"]
        == "/account/"
    )
    squatter = Client().post(
        SIGN_IN, {"email": "resident@example.com", "password": "the squatters password"}
    )
    assert squatter.status_code == 400


def test_links_are_deleted_a_day_after_they_expire(db):
    from civitas.identity.accounts import delete_ended_account_links

    account = CitizenAccountFactory()
    now = timezone.now()
    for token, expired_ago in (("old", 25), ("recent", 23), ("live", -1)):
        AccountLink.objects.create(
            token_sha256=token_digest(token),
            account=account,
            purpose="sign-in",
            created_at=now - datetime.timedelta(hours=48),
            expires_at=now - datetime.timedelta(hours=expired_ago),
        )
    assert delete_ended_account_links() == 1
    assert set(AccountLink.objects.values_list("token_sha256", flat=True)) == {
        token_digest("recent"),
        token_digest("live"),
    }


def test_signing_in_by_link_also_gives_a_new_session_id_and_keeps_answers_in_progress(
    client, account, smtp_inbox
):
    session = client.session
    session["journey:answers-in-progress"] = "kept"
    session.save()
    before = session.session_key
    client.post(LINK, {"email": "resident@example.com"})
    client.post(emailed_link(smtp_inbox))
    assert client.cookies["sessionid"].value != before
    assert client.session["journey:answers-in-progress"] == "kept"
    assert signed_in_account_of(client) == str(account.pk)
