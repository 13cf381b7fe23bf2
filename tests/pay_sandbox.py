"""The local payment sandbox (tools/pay_sandbox, speaking the GOV.UK Pay API), run as
its own process for the tests; a payer going through its card pages, with `requests`
or in a browser.

The `pay_sandbox` fixture starts one per test process, on a free port; tests that need
their own settings (a webhook, settlement days, a short expiry) start their own."""

import hashlib
import hmac
import html
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
SUCCEEDS = "4444333322221111"
DECLINED = "4000000000000002"
CARD_EXPIRED = "4000000000000069"
PROCESSING_ERROR = "4000000000000119"
NEEDS_3DS = "4000000000003220"
# A payer's card form, filled as the card pages expect (the card number apart).
CARD_FORM = {
    "expiry_month": "12",
    "expiry_year": "2040",
    "cardholder_name": "Sam Payer",
    "security_code": "123",
    "address_line_1": "12 Station Road",
    "address_line_2": "",
    "address_city": "Example Town",
    "address_postcode": "EB1 1AA",
    "email": "sam.payer@example.com",
}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class PaySandbox:
    url: str
    api_key: str
    process: subprocess.Popen
    state_dir: Path
    arguments: list[str] = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def restart(self) -> None:
        """Stops the sandbox and starts it again on the same port and state."""
        self.stop()
        self.process = launch_sandbox_process(self.arguments, self.url)

    def faults(self, **switches) -> None:
        """Sets fault switches: fail_with=503, count=2; hang_seconds=5, count=1;
        refunds_pending_seconds=2; clear=True."""
        response = requests.post(
            f"{self.url}/_sandbox/faults", json=switches, headers=self.headers, timeout=10
        )
        assert response.status_code == 204, response.text

    def expire(self, payment_id: str) -> None:
        """Expires an unfinished payment now (failed, P0020)."""
        response = requests.post(
            f"{self.url}/_sandbox/expire/{payment_id}", headers=self.headers, timeout=10
        )
        assert response.status_code == 204, response.text

    def create_payment(self, **fields) -> dict:
        """A new payment (the fields override a small valid one)."""
        body = {
            "amount": 1250,
            "reference": "REF-1",
            "description": "Resident parking permit",
            "return_url": "http://127.0.0.1:9/return",
        } | fields
        response = requests.post(
            f"{self.url}/v1/payments", json=body, headers=self.headers, timeout=10
        )
        assert response.status_code == 201, response.text
        return response.json()

    def search(self, **params) -> dict:
        """GET /v1/payments with these search parameters."""
        response = requests.get(
            f"{self.url}/v1/payments", params=params, headers=self.headers, timeout=10
        )
        assert response.status_code == 200, response.text
        return response.json()

    def get_payment(self, payment_id: str) -> dict:
        response = requests.get(
            f"{self.url}/v1/payments/{payment_id}", headers=self.headers, timeout=10
        )
        assert response.status_code == 200, response.text
        return response.json()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_pay_sandbox(
    folder: Path,
    api_key: str,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    **options,
) -> PaySandbox:
    """Starts the sandbox with its state in `folder`; `options` are its other command
    line options by name (expiry_seconds=2, settle_days=3)."""
    for attempt in range(3):
        try:
            return _start_on_a_free_port(folder, api_key, webhook_url, webhook_secret, options)
        except RuntimeError:
            # Another process took the port between our probe and the sandbox's bind.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _start_on_a_free_port(
    folder: Path,
    api_key: str,
    webhook_url: str | None,
    webhook_secret: str | None,
    options: dict,
) -> PaySandbox:
    port = free_port()
    arguments = [
        sys.executable,
        "-m",
        "pay_sandbox",
        "--port",
        str(port),
        "--state-dir",
        str(folder),
        # Joined with "=": a random key or secret may begin with "-", which argparse would
        # otherwise take for an option.
        f"--api-key={api_key}",
    ]
    if webhook_url:
        arguments += ["--webhook-url", webhook_url, f"--webhook-secret={webhook_secret or ''}"]
    for name, value in options.items():
        arguments += [f"--{name.replace('_', '-')}", str(value)]
    url = f"http://127.0.0.1:{port}"
    return PaySandbox(
        url=url,
        api_key=api_key,
        process=launch_sandbox_process(arguments, url),
        state_dir=folder,
        arguments=arguments,
    )


def launch_sandbox_process(arguments: list[str], url: str) -> subprocess.Popen:
    state_dir = Path(arguments[arguments.index("--state-dir") + 1])
    state_dir.mkdir(parents=True, exist_ok=True)
    # What it says goes to a file beside its state, for a test that wants to know why.
    with open(state_dir / "sandbox.log", "ab") as log:
        process = subprocess.Popen(
            arguments, cwd=REPO / "tools", stdout=log, stderr=subprocess.STDOUT
        )
    # Slow to start on a busy machine (Django, then its migrations): be patient.
    deadline = time.monotonic() + 120
    while True:
        try:
            # Any answer will do: without a key, the API's 401.
            requests.get(f"{url}/v1/payments", timeout=1)
            return process
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                said = (state_dir / "sandbox.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the payment sandbox did not start: {said}") from None
            time.sleep(0.1)


# --- A payer, without a browser ---------------------------------------------------------


class Payer:
    """One browser's session at the card pages, driven with `requests`: the payer's
    cookies, and the CSRF token of the last page they saw."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.page: requests.Response | None = None

    def open(self, url: str) -> requests.Response:
        """Follows `url` (next_url) to the page it leads to."""
        self.page = self.session.get(url, timeout=10)
        return self.page

    def submit(self, action: str, data: dict[str, str]) -> requests.Response:
        """Posts a form of the page last seen, the way a browser would; redirects within
        the sandbox are followed, one to the service is not."""
        assert self.page is not None
        token = CSRF.search(self.page.text)
        assert token, self.page.text[:500]
        url = urllib.parse.urljoin(self.page.url, action)
        response = self.session.post(
            url,
            data={"csrfmiddlewaretoken": html.unescape(token.group(1)), **data},
            allow_redirects=False,
            timeout=10,
        )
        while response.status_code in {302, 303}:
            location = urllib.parse.urljoin(url, response.headers["Location"])
            if not location.startswith(_origin(url)):
                return response
            response = self.session.get(location, allow_redirects=False, timeout=10)
        self.page = response
        return response

    def enter_card(self, card_number: str = SUCCEEDS, **fields: str) -> requests.Response:
        assert self.page is not None
        action = urllib.parse.urlsplit(self.page.url).path
        return self.submit(action, {**CARD_FORM, "card_number": card_number, **fields})


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def pay_without_browser(
    next_url: str, card_number: str = SUCCEEDS, *, passes_3ds: bool = True
) -> requests.Response:
    """Pays at the card pages with `requests`: the last answer, a 303 to the service's
    return_url when the payment succeeded."""
    payer = Payer()
    payer.open(next_url)
    page = payer.enter_card(card_number)
    if page.status_code == 200 and page.url.endswith("/3ds"):
        page = payer.submit(page.url, {"outcome": "pass" if passes_3ds else "fail"})
    if page.status_code == 200 and page.url.endswith("/confirm"):
        page = payer.submit(page.url, {})
    return page


# --- A payer, in a browser --------------------------------------------------------------


def pay_on_hosted_page(
    page,
    card_number: str = SUCCEEDS,
    *,
    passes_3ds: bool = True,
    confirm: bool = True,
    email: str | None = "sam.payer@example.com",
    **fields: str,
) -> None:
    """Fills in the sandbox's card page the browser `page` is on (in English or Welsh),
    passes or fails 3-D Secure if the bank asks, and confirms (or cancels, with
    `confirm=False`) on the confirm page. Leaves the browser where the sandbox sends it:
    the service's return_url on success."""
    form = CARD_FORM | fields
    page.locator("#card_number").fill(card_number)
    for name, value in form.items():
        if name == "email":
            continue
        page.locator(f"#{name}").fill(value)
    email_field = page.locator("#email")
    if email is not None and email_field.count():
        email_field.fill(email)
    page.locator("form[action$='" + _card_action(page.url) + "'] button[type=submit]").click()
    page.wait_for_load_state()
    if page.url.endswith("/3ds"):
        page.locator(f"button[value={'pass' if passes_3ds else 'fail'}]").click()
        page.wait_for_load_state()
    if page.url.endswith("/confirm"):
        action = "confirm" if confirm else "cancel"
        page.locator(f"form[action$='/{action}'] button[type=submit]").click()
        page.wait_for_load_state()


def _card_action(url: str) -> str:
    return urllib.parse.urlsplit(url).path


def signature(body: bytes, secret: str) -> str:
    """Pay-Signature, as a webhook receiver checks it."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
