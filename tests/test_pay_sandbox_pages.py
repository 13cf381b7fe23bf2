"""The payment sandbox's card pages, driven without a browser: what each test card does,
3-D Secure, cancelling, Welsh, and the pages' defences."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.pay_sandbox import (
    CARD_EXPIRED,
    CARD_FORM,
    CSRF,
    DECLINED,
    NEEDS_3DS,
    PROCESSING_ERROR,
    SUCCEEDS,
    Payer,
    pay_without_browser,
)

RETURN_URL = "http://127.0.0.1:9/return"


def opened(sandbox, **fields) -> tuple[dict, Payer]:
    payment = sandbox.create_payment(return_url=RETURN_URL, **fields)
    payer = Payer()
    page = payer.open(payment["_links"]["next_url"]["href"])
    assert page.status_code == 200
    return payment, payer


def status_of(sandbox, payment: dict) -> dict:
    return sandbox.get_payment(payment["payment_id"])["state"]


@pytest.mark.parametrize("card_number", [SUCCEEDS, "4000056655665556", "5105105105105100"])
def test_each_good_test_card_pays_and_returns_to_the_service(pay_sandbox, card_number):
    payment, payer = opened(pay_sandbox)
    assert status_of(pay_sandbox, payment)["status"] == "started"
    assert "Enter card details" in payer.page.text
    assert "£12.50" in payer.page.text

    confirm = payer.enter_card(card_number)
    assert confirm.url.endswith("/confirm")
    assert status_of(pay_sandbox, payment)["status"] == "submitted"
    assert "Confirm your payment" in confirm.text
    assert f"Card ending in {card_number[-4:]}" in confirm.text
    assert "Sam Payer" in confirm.text
    answer = payer.submit(confirm.url, {})

    assert answer.status_code == 303
    assert answer.headers["Location"] == RETURN_URL
    assert status_of(pay_sandbox, payment) == {"status": "success", "finished": True}


def test_card_numbers_may_be_typed_with_spaces(pay_sandbox):
    _, payer = opened(pay_sandbox)

    page = payer.enter_card("4444 3333 2222 1111")

    assert page.url.endswith("/confirm")


@pytest.mark.parametrize(
    ("card_number", "status", "code", "words"),
    [
        (DECLINED, "failed", "P0010", "Your payment has been declined"),
        (CARD_EXPIRED, "failed", "P0010", "Your card has expired"),
        (PROCESSING_ERROR, "error", "P0050", "We’re experiencing technical problems"),
        ("4242424242424242", "failed", "P0010", "Your payment has been declined"),
    ],
    ids=["declined", "card expired", "processing error", "unknown card"],
)
def test_a_card_the_bank_refuses_ends_the_payment(pay_sandbox, card_number, status, code, words):
    payment, payer = opened(pay_sandbox)

    page = payer.enter_card(card_number)

    assert page.status_code == 200
    assert words in page.text
    assert f'href="{RETURN_URL}"' in page.text
    state = status_of(pay_sandbox, payment)
    assert (state["status"], state["code"]) == (status, code)


def test_a_3ds_card_asks_the_payer_to_prove_it_is_them(pay_sandbox):
    payment, payer = opened(pay_sandbox)

    challenge = payer.enter_card(NEEDS_3DS)
    assert challenge.url.endswith("/3ds")
    assert "Confirm it’s you" in challenge.text
    assert status_of(pay_sandbox, payment)["status"] == "started"
    # The confirm page cannot be skipped to.
    assert payer.session.post(
        challenge.url.replace("/3ds", "/confirm"),
        data={"csrfmiddlewaretoken": CSRF.search(challenge.text).group(1)},
        allow_redirects=False,
    ).status_code in {200, 303}
    assert status_of(pay_sandbox, payment)["status"] == "started"

    confirm = payer.submit(challenge.url, {"outcome": "pass"})
    assert confirm.url.endswith("/confirm")
    assert payer.submit(confirm.url, {}).status_code == 303
    assert status_of(pay_sandbox, payment)["status"] == "success"


def test_failing_3ds_declines_the_payment(pay_sandbox):
    payment = pay_sandbox.create_payment()

    page = pay_without_browser(payment["_links"]["next_url"]["href"], NEEDS_3DS, passes_3ds=False)

    assert "Your payment has been declined" in page.text
    assert status_of(pay_sandbox, payment)["code"] == "P0010"


def test_a_moto_payment_is_for_staff_on_the_telephone_without_3ds_or_email(pay_sandbox):
    _, payer = opened(pay_sandbox, moto=True)

    assert "Enter the caller’s card details" in payer.page.text
    assert 'name="email"' not in payer.page.text
    page = payer.enter_card(NEEDS_3DS, email="")

    assert page.url.endswith("/confirm")


def test_errors_are_listed_in_a_summary_and_beside_each_field(pay_sandbox):
    payment, payer = opened(pay_sandbox)

    page = payer.enter_card(
        "4444333322221112",
        expiry_month="01",
        expiry_year="2020",
        cardholder_name="",
        security_code="12",
        address_postcode="!!",
        email="nope",
    )

    assert page.status_code == 400
    assert page.text.count("govuk-error-summary__list") == 1
    for field, message in [
        ("card_number", "Enter a valid card number"),
        ("expiry_month", "The card has expired"),
        ("cardholder_name", "Enter the name as it appears on the card"),
        ("security_code", "Enter a valid card security code"),
        ("address_postcode", "Enter a valid postcode"),
        ("email", "Enter a valid email address"),
    ]:
        assert f'<a href="#{field}">{message}' in page.text
    assert "<title>Error: " in page.text
    # What was typed stays, apart from nothing: the page shows the same number back.
    assert 'value="4444333322221112"' in page.text
    assert status_of(pay_sandbox, payment)["status"] == "started"


def test_the_payer_cancels_from_the_card_page(pay_sandbox):
    payment, payer = opened(pay_sandbox)

    answer = payer.submit(f"/card_details/{payment['payment_id']}/cancel", {})

    assert answer.status_code == 303
    assert answer.headers["Location"] == RETURN_URL
    assert status_of(pay_sandbox, payment)["code"] == "P0030"


def test_the_payer_cancels_from_the_confirm_page(pay_sandbox):
    payment, payer = opened(pay_sandbox)
    payer.enter_card()

    answer = payer.submit(f"/card_details/{payment['payment_id']}/cancel", {})

    assert answer.status_code == 303
    assert status_of(pay_sandbox, payment) == {
        "status": "failed",
        "finished": True,
        "code": "P0030",
        "message": "Payment was cancelled by the user",
    }


def test_welsh_payments_get_welsh_pages(pay_sandbox):
    _, payer = opened(pay_sandbox, language="cy")

    assert '<html lang="cy"' in payer.page.text
    assert "Rhowch fanylion y cerdyn" in payer.page.text
    assert "Rhif y cerdyn" in payer.page.text
    confirm = payer.enter_card()
    assert "Cadarnhewch eich taliad" in confirm.text


def test_confirming_twice_charges_once(pay_sandbox):
    payment, payer = opened(pay_sandbox)
    confirm = payer.enter_card()

    first = payer.submit(confirm.url, {})
    payer.page = confirm  # the same form, sent again
    second = payer.submit(confirm.url, {})

    assert (first.status_code, second.status_code) == (303, 303)
    events = requests.get(
        f"{pay_sandbox.url}/v1/payments/{payment['payment_id']}/events",
        headers=pay_sandbox.headers,
        timeout=10,
    ).json()["events"]
    assert [event["state"]["status"] for event in events].count("success") == 1


def test_confirms_sent_at_once_charge_once(pay_sandbox):
    payment, payer = opened(pay_sandbox)
    confirm = payer.enter_card()
    token = CSRF.search(confirm.text).group(1)

    def send(_):
        return payer.session.post(
            confirm.url, data={"csrfmiddlewaretoken": token}, allow_redirects=False, timeout=10
        ).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(send, range(6)))

    assert answers == [303] * 6
    events = requests.get(
        f"{pay_sandbox.url}/v1/payments/{payment['payment_id']}/events",
        headers=pay_sandbox.headers,
        timeout=10,
    ).json()["events"]
    assert [event["state"]["status"] for event in events].count("success") == 1


def test_reopening_a_finished_payment_says_the_session_has_ended(pay_sandbox):
    payment = pay_sandbox.create_payment(return_url=RETURN_URL)
    next_url = payment["_links"]["next_url"]["href"]
    pay_without_browser(next_url)

    page = requests.get(next_url, timeout=10)

    assert page.status_code == 200
    assert "Your payment session has ended" in page.text
    assert f'href="{RETURN_URL}"' in page.text
    assert 'name="card_number"' not in page.text


def test_the_service_cancelling_ends_the_payers_session(pay_sandbox):
    payment, payer = opened(pay_sandbox)
    requests.post(
        f"{pay_sandbox.url}/v1/payments/{payment['payment_id']}/cancel",
        headers=pay_sandbox.headers,
        timeout=10,
    )

    page = payer.enter_card()

    assert "Your payment session has ended" in page.text
    assert status_of(pay_sandbox, payment)["status"] == "cancelled"


@pytest.mark.parametrize("token", ["forged", "x" * 43, "%00"])
def test_a_forged_token_is_not_found(pay_sandbox, token):
    assert requests.get(f"{pay_sandbox.url}/secure/{token}", timeout=10).status_code == 404


def test_the_link_works_once_another_browser_cannot_take_over(pay_sandbox):
    payment, payer = opened(pay_sandbox)

    other = requests.get(payment["_links"]["next_url"]["href"], timeout=10)
    snooping = requests.get(f"{pay_sandbox.url}/card_details/{payment['payment_id']}", timeout=10)

    assert other.status_code == 404
    assert snooping.status_code == 404
    assert payer.open(payment["_links"]["next_url"]["href"]).url.endswith(payment["payment_id"])


def test_the_service_may_post_the_payer_to_next_url_post(pay_sandbox):
    payment = pay_sandbox.create_payment()
    link = payment["_links"]["next_url_post"]

    page = requests.post(link["href"], data=link["params"], timeout=10)

    assert page.status_code == 200
    assert "Enter card details" in page.text


def test_forms_without_the_csrf_token_are_refused(pay_sandbox):
    payment, payer = opened(pay_sandbox)

    response = payer.session.post(
        payer.page.url, data={**CARD_FORM, "card_number": SUCCEEDS}, allow_redirects=False
    )

    assert response.status_code == 403
    assert status_of(pay_sandbox, payment)["status"] == "started"


def test_pages_carry_a_strict_content_security_policy(pay_sandbox):
    _, payer = opened(pay_sandbox)
    policy = payer.page.headers["Content-Security-Policy"]

    assert "default-src 'none'" in policy
    assert "script-src" not in policy
    assert "form-action 'self' http://127.0.0.1:9" in policy
    assert payer.page.headers["X-Frame-Options"] == "DENY"
    assert "<script" not in payer.page.text
    stylesheet = requests.get(f"{pay_sandbox.url}/static/govuk/civitas.css", timeout=10)
    assert stylesheet.status_code == 200
    assert ".govuk-button" in stylesheet.text


def test_the_card_number_is_stored_nowhere(pay_sandbox):
    _, payer = opened(pay_sandbox)
    payer.enter_card(SUCCEEDS, security_code="987")

    database = (pay_sandbox.state_dir / "pay-sandbox.sqlite3").read_bytes()

    assert SUCCEEDS.encode() not in database
