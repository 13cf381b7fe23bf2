"""A caseworker's decision in the browser is proved to be in the public log, from outside.

The decision goes through the real pages; the worker's periodic job integrates it; then
`civitas ledger verify`, a separate process that knows only the URL, proves the entry is
in the signed log. The public entry page passes axe-core's WCAG 2.2 A and AA rules.
"""

import json
import os
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from civitas.cases.public import submit_application
from civitas.cases.tests.factories import ANSWERS
from civitas.platform.periodic import run_periodic_jobs_once
from conftest import current_code, run_queued_jobs
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_decision_in_the_browser_is_proved_in_the_log_by_an_outside_verifier(
    live_server, parking_permit, caseworker, smtp_inbox, tmp_path, payments
):
    base = live_server.url
    case = submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=13000)
    payments.pay(case.reference)
    with browser_page() as page:
        page.goto(f"{base}/staff/")
        page.get_by_label("Email address").fill(caseworker.email)
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Enter your security code").fill(current_code())
        page.get_by_role("button", name="Continue").click()
        page.goto(f"{base}/staff/cases/{case.reference}/")
        page.get_by_role("radio", name="Approve", exact=True).check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_text("Approved: decided by")).to_be_visible()

        # The case page lists the decision's entry by its index, linked to its public page.
        row = page.locator("tr", has_text="Decision made")
        index = int(row.get_by_role("link").inner_text())
        assert "not yet signed" in row.inner_text()
        assert_accessible(page, "ledger-01-case-with-log-entries")

        run_periodic_jobs_once()  # what every worker does each second

        state = tmp_path / "ledger-state.json"
        result = subprocess.run(
            [
                sys.executable, "-m", "civitas.cli", "ledger", "verify",
                "--url", f"{base}/api/v1/ledger", "--entry", str(index),
                "--state", str(state), "--full",
            ],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "LOG_LEVEL": "WARNING"},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert f"entry {index}: included in the signed log" in result.stdout
        assert json.loads(state.read_text())["size"] > index

        # The applicant's email names the entry and links to its public page.
        run_queued_jobs()
        approved = next(
            message
            for message in smtp_inbox.wait_for(3)  # submitted, the receipt, approved
            if "has been approved" in message["Subject"]
        )
        body = next(
            part.get_payload(decode=True).decode()
            for part in approved.walk()
            if part.get_content_type() == "text/plain"
        )
        assert f"/ledger/entries/{index}/" in body

        page.goto(f"{base}/ledger/entries/{index}/")
        expect(page.get_by_text("Checked", exact=True)).to_be_visible()
        assert "case.decided" in page.content()
        assert_accessible(page, "ledger-02-public-entry")

    with browser_page(width=375) as phone:
        phone.goto(f"{base}/ledger/entries/{index}/")
        assert_accessible(phone, "ledger-03-public-entry-phone")
        # Hashes and the checkpoint wrap: no horizontal scrolling (WCAG 1.4.10 reflow).
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
