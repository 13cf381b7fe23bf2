"""Fixtures shared by every test: a real SMTP server, the example service, staff personas."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message as EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

import pyotp
import pytest
from aiosmtpd.controller import Controller
from django.db import connection, transaction

if TYPE_CHECKING:
    from civitas.platform.tests.clamd_sandbox import ClamdSandbox

REPO = Path(__file__).parent
SERVICES = REPO / "services"
PARKING_PERMIT = SERVICES / "resident-parking-permit" / "service.yaml"
# The same service slug, published by a second council: the wall between them is tested.
OTHER_COUNCIL_PERMIT = SERVICES / "sample-district-parking-permit" / "service.yaml"
# The parking permit's address page (the address pattern), answered by hand as a browser
# without JavaScript posts it; its postcode says the zone (EB9 9ZZ is in none).
PERMIT_HOME = "12 Station Road\nEastbury\nEB1 1AA"


def permit_address(postcode: str = "EB1 1AA", line_1: str = "12 Station Road") -> dict[str, str]:
    """The fields of the parking permit's address page, entered by hand."""
    return {
        "address-step": "manual",
        "address-line-1": line_1,
        "address-town": "Eastbury",
        "address-postcode": postcode,
    }


# --- Personal data never in logs (tests/log_scan.py) -------------------------------------
TEST_LOG_FOLDER_VARIABLE = "CIVITAS_TEST_LOG_FOLDER"


def pytest_configure(config) -> None:
    # The controlling process (or a run without xdist) makes the run's folder; the xdist
    # workers it starts inherit its name from the environment.
    if os.environ.get("PYTEST_XDIST_WORKER") or TEST_LOG_FOLDER_VARIABLE in os.environ:
        return
    import shutil

    runs = REPO / "var" / "test-logs"
    shutil.rmtree(runs, ignore_errors=True)  # earlier runs' records
    folder = runs / f"run-{os.getpid()}"
    folder.mkdir(parents=True)
    os.environ[TEST_LOG_FOLDER_VARIABLE] = str(folder)
    config.civitas_test_log_owner = True


def pytest_sessionstart(session) -> None:
    # After Django's own logging configuration, which replaces the root's handlers.
    from tests.log_scan import start_recording

    folder = Path(os.environ[TEST_LOG_FOLDER_VARIABLE])
    session.config.civitas_record_file = start_recording(
        folder, os.environ.get("PYTEST_XDIST_WORKER", "controller")
    )


def pytest_runtest_setup(item) -> None:
    from tests.log_scan import keep_recording

    handler = getattr(item.config, "civitas_record_file", None)
    if handler is not None:
        keep_recording(handler)


def pytest_sessionfinish(session, exitstatus) -> None:
    import logging

    from tests.log_scan import find_personal_data

    handler = getattr(session.config, "civitas_record_file", None)
    if handler is not None:
        logging.getLogger().removeHandler(handler)
        handler.close()
    if not getattr(session.config, "civitas_test_log_owner", False):
        return  # a worker: the controlling process reads every worker's file at the end
    folder = Path(os.environ[TEST_LOG_FOLDER_VARIABLE])
    findings = list(find_personal_data(sorted(folder.glob("*.jsonl"))))
    if findings:
        shown = "\n".join(f"  {finding}" for finding in findings[:20])
        more = f"\n  ... and {len(findings) - 20} more" if len(findings) > 20 else ""
        sys.stderr.write(
            f"\nPersonal data of test applicants was logged ({folder}):\n{shown}{more}\n"
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


ORGANISATIONS = {
    "example-borough": "Example Borough Council",
    "sample-district": "Sample District Council",
}
# The teams the example services route cases to (services/report-a-problem routes by
# the kind of problem).
TEAMS = {
    "example-borough": {
        "highways": "Highways",
        "environment": "Environment",
        "street-scene": "Street scene",
        "parking": "Parking",
        "blue-badge": "Blue Badge",
        "benefits": "Benefits",
        "data-protection": "Data protection",
    },
    "sample-district": {"parking": "Parking", "electoral-services": "Electoral services"},
}


class SmtpInbox:
    """What a real SMTP server received, with a switch to stall the next conversation and
    one to refuse every recipient with a given answer (such as "550 No such user")."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.received = threading.Condition()
        self.stall_next_recipient = threading.Event()
        self.release_stall = threading.Event()
        self.refuse_recipients_with: str | None = None
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_recipients_with is not None:
            return self.refuse_recipients_with
        if self.stall_next_recipient.is_set():
            self.stall_next_recipient.clear()
            # Hold the client mid-conversation, as a slow server would, until released.
            import asyncio

            while not self.release_stall.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.received:
            self.messages.append(message_from_bytes(envelope.content))
            self.received.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 20) -> list[EmailMessage]:
        with self.received:
            self.received.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
        return list(self.messages)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings) -> Iterator[SmtpInbox]:
    inbox = SmtpInbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    # pytest-django swaps in an in-memory backend; these tests speak real SMTP.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    try:
        yield inbox
    finally:
        inbox.release_stall.set()
        controller.stop()


@pytest.fixture(autouse=True)
def _fast_passwords(request) -> None:
    # Argon2 takes about 0.2 s a hash by design; tests hash many passwords. Pure tests run
    # without Django (-p no:django), where there are no settings to change.
    if request.config.pluginmanager.has_plugin("django"):
        settings = request.getfixturevalue("settings")
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_journey_events_from_earlier_tests(request) -> None:
    # Journey events wait in this process's memory for a batch (insights/recording.py):
    # a test starts with none held, so none is written into its database by chance.
    if request.config.pluginmanager.has_plugin("django"):
        from civitas.insights.recording import discard_journey_events

        discard_journey_events()
        # No thread writes them behind the test's back, into its database or the next's.
        request.getfixturevalue("settings").JOURNEY_EVENTS_FLUSH_ON_TIMER = False


@pytest.fixture(autouse=True)
def _english_after_each_test(request):
    # A Welsh page activates Welsh for the thread that served it, and the test client
    # serves in the test's thread: put English back, so no test depends on which ran before.
    yield
    if request.config.pluginmanager.has_plugin("django"):
        from django.utils import translation

        translation.activate("en")


@pytest.fixture(autouse=True)
def _own_upload_root(request, tmp_path_factory) -> None:
    # Each test (and so each worker and test database) keeps its sealed files apart.
    if request.config.pluginmanager.has_plugin("django"):
        settings = request.getfixturevalue("settings")
        settings.UPLOAD_ROOT = tmp_path_factory.mktemp("uploads")
        # Letters handed to the printer, likewise.
        settings.NOTIFY_PRINT_OUTBOX = tmp_path_factory.mktemp("print-outbox")
        # The ledger's saved checkpoint: each test's database starts a new log.
        settings.LEDGER_STATE_DIR = str(tmp_path_factory.mktemp("ledger-state"))
        # No payment provider unless a test asks for the sandbox (`payments`): never the
        # demo's on its standard port, should one be running on this machine.
        from civitas.pay.providers import forget_providers

        settings.PAY_API_URL = "http://127.0.0.1:9"
        forget_providers()


@pytest.fixture
def clamd(settings) -> Iterator["ClamdSandbox"]:
    """A clamd sandbox on a local port, and the settings that scan uploads with it."""
    from civitas.platform.tests.clamd_sandbox import ClamdSandbox

    sandbox = ClamdSandbox().start()
    settings.CLAMD_ADDRESS = sandbox.address
    settings.CLAMD_TIMEOUT_SECONDS = 5
    settings.FILE_SCANNER = "civitas.platform.files.scanners.ClamdScanner"
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def organisations(db):
    """Both example councils, registered with their teams, as the demo sets them up."""
    return register_example_organisations()


def register_example_organisations() -> dict:
    """Registers both example councils and the teams their services route cases to."""
    from civitas.identity.public import ensure_organisation, ensure_team

    registered = {}
    for slug, name in ORGANISATIONS.items():
        registered[slug] = ensure_organisation(slug=slug, name=name)
        for team, team_name in TEAMS.get(slug, {}).items():
            ensure_team(organisation=slug, slug=team, name=team_name)
    return registered


@pytest.fixture
def api_key(db):
    """Makes an API key: `api_key(organisation, scopes)` answers the headers that send it."""
    from civitas.identity.public import create_api_key, ensure_organisation

    def make(organisation: str = "example-borough", scopes=("submit",)) -> dict[str, str]:
        ensure_organisation(slug=organisation, name=ORGANISATIONS[organisation])
        _, secret = create_api_key(
            organisation_slug=organisation, name="Test key", scopes=list(scopes), created_by="test"
        )
        return {"Authorization": f"Bearer {secret}"}

    return make


def problem_errors(response) -> dict[str, str]:
    """An API problem's `errors` (RFC 9457: detail and JSON pointer each) by what the pages
    call the answer: `email`, `""` for the application as a whole, `neighbours/1/name`
    for an item of a repeating group (the pointer counts items from 0), `version`."""
    named = {}
    for error in response.json()["errors"]:
        parts = error["pointer"].removeprefix("#/").split("/")
        if parts[0] == "answers":
            parts = [str(int(part) + 1) if part.isdigit() else part for part in parts[1:]]
        named["/".join(part.replace("~0", "~") for part in parts)] = error["detail"]
    return named


@pytest.fixture
def api_headers(api_key) -> dict[str, str]:
    """The headers of a key that may submit to every Example Borough service."""
    return api_key()


def submit_again_through_the_api(client, case, headers: dict[str, str], files=None):
    """Sends the answers an application made on the pages holds to the API, as another
    system would, and answers the case it makes: the same answers must make the same
    application (same answers stored, same fee, estimate and decision, same language).
    `files`: the files the pages took, by question id, sent again as multipart parts (a
    stored file answer names the case's own copy, so those answers are compared by name)."""
    import json

    from civitas.cases.models import Case
    from civitas.catalogue.public import get_service_version
    from civitas.journeys.flow import asked_answers

    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    sent_files = dict(files or {})
    answers = {
        name: value
        for name, value in asked_answers(service, case.answers).items()
        if name not in sent_files
    }
    body = {
        "version": case.service_version,
        "answers": answers,
        "declaration": True,
        "language": case.language,
    }
    path = f"/api/v1/services/{case.organisation.slug}/{case.service_slug}/applications"
    if sent_files:
        response = client.post(
            path, {"application": json.dumps(body), **sent_files}, headers=headers
        )
    else:
        response = client.post(
            path, data=json.dumps(body), content_type="application/json", headers=headers
        )
    assert response.status_code == 201, response.content
    again = Case.objects.get(reference=response.json()["reference"])

    def without_files(stored):
        return {name: value for name, value in stored.items() if name not in sent_files}

    assert without_files(again.answers) == without_files(case.answers)
    assert set(again.answers) == set(case.answers)
    assert (again.fee_pence, again.estimate, again.language, again.status) == (
        case.fee_pence,
        case.estimate,
        case.language,
        case.status,
    )
    assert (again.fee_decision or {}).get("outputs") == (case.fee_decision or {}).get("outputs")
    return again


def publish_example(path: Path):
    """Publishes an example service, registering its organisation first."""
    from civitas.catalogue.public import get_live_service, publish_service_file

    register_example_organisations()
    result = publish_service_file(path, published_by="test")
    return get_live_service(result.organisation, result.slug)


@pytest.fixture
def parking_permit(db):
    return publish_example(PARKING_PERMIT)


@pytest.fixture
def other_council_permit(db):
    return publish_example(OTHER_COUNCIL_PERMIT)


CASEWORKER_TOTP = pyotp.random_base32()


def make_staff(email: str, role: str | None, organisation: str = "example-borough"):
    import base64

    from civitas.identity.models import StaffUser
    from civitas.identity.services import ensure_staff_member

    if role is None:
        return StaffUser.objects.create_user(
            email, "correct-horse-battery", display_name="Outsider"
        )
    return ensure_staff_member(
        email=email,
        display_name=email.split("@")[0].title(),
        password="correct-horse-battery",
        organisation_slug=organisation,
        organisation_name=ORGANISATIONS[organisation],
        role=role,
        totp_key_hex=base64.b32decode(CASEWORKER_TOTP).hex(),
    )


@pytest.fixture
def caseworker(db):
    return make_staff("caseworker@example.gov.uk", "caseworker")


@pytest.fixture
def service_owner(db):
    return make_staff("owner@example.gov.uk", "service_owner")


@pytest.fixture
def administrator(db):
    return make_staff("admin@example.gov.uk", "administrator")


@pytest.fixture
def outsider(db):
    return make_staff("outsider@example.gov.uk", None)


@pytest.fixture
def other_council_caseworker(db):
    """A caseworker of Sample District Council, properly signed in with a second factor:
    they must see nothing of Example Borough's cases or messages."""
    return make_staff("caseworker@sample-district.gov.uk", "caseworker", "sample-district")


def acting(user, organisation: str = "example-borough"):
    """The StaffContext a staff view would hand a service function for this person."""
    from civitas.identity.models import Organisation
    from civitas.identity.public import staff_context_for

    return staff_context_for(user, Organisation.objects.get(slug=organisation).pk)


def current_code() -> str:
    return pyotp.TOTP(CASEWORKER_TOTP).now()


@pytest.fixture
def signed_in(client):
    """Signs a staff member in through the real password and code pages."""

    def sign_in(user) -> None:
        response = client.post(
            "/staff/sign-in", {"email": user.email, "password": "correct-horse-battery"}
        )
        assert response.status_code == 302, response.content
        response = client.post("/staff/sign-in/code", {"code": current_code()})
        assert response.status_code == 302, response.content

    return sign_in


def run_queued_jobs() -> None:
    """Runs every ready job in the database queue in this process, as a worker would, then
    delivers every message due.

    The worker's own loop closes connections between jobs, which a test's transaction
    cannot survive, so this claims and runs each job with the worker's run_task.
    """
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    from civitas.notify.dispatch import deliver_due_messages

    while True:
        with transaction.atomic():
            job = DBTaskResult.objects.ready().get_locked()
            if job is None:
                break
            job.claim("test")
        worker.run_task(job)
    # The outbox is the messages' queue: deliver what is due, as a worker's dispatcher does.
    deliver_due_messages()


def database_url_for_subprocess() -> str:
    """The URL of the test database, for a worker process started by a test."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


def start_worker(env_extra: dict[str, str], *, log_path: Path | None = None) -> subprocess.Popen:
    """A `civitas worker` process on the test database.

    With `log_path` its output goes to that file (a worker retrying a lost connection writes
    more than a pipe nobody reads can hold), in a session of its own, so that the test can
    kill it with the scheduler and job processes it forked.
    """
    from django.conf import settings

    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        # The test's own saved ledger checkpoint (a worker signs checkpoints).
        "LEDGER_STATE_DIR": str(settings.LEDGER_STATE_DIR),
        **env_extra,
    }
    command = [sys.executable, "-m", "civitas.cli", "worker", "--interval", "0.05"]
    if log_path is None:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_until(predicate, timeout: float = 30) -> bool:
    """Whether `predicate()` came true within `timeout` seconds, asking every 50 ms."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(autouse=True)
def _fresh_process_memory(request):
    # Each test has its own database, so nothing a process remembers about the last one
    # (the live service versions, the API keys found, the ledger's start-up check and
    # largest tree seen, the rate limits' leases) may carry over.
    if request.config.pluginmanager.has_plugin("django"):
        from civitas.catalogue.queries import forget_live_versions
        from civitas.identity.services import forget_api_keys
        from civitas.ledger.guard import guard
        from civitas.platform.ratelimit import forget_leases

        forget_live_versions()
        forget_api_keys()
        guard.reset()
        forget_leases()


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory):
    """The local OpenID Connect provider (tests/identity_provider.py), one per process."""
    from tests.identity_provider import RETURN_PATH, STAFF_RETURN_PATH, start_identity_provider

    provider = start_identity_provider(
        tmp_path_factory.mktemp("identity-provider"),
        [f"http://testserver{RETURN_PATH}", f"http://testserver{STAFF_RETURN_PATH}"],
    )
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def pay_sandbox(tmp_path_factory):
    """The local GOV.UK Pay sandbox (tests/pay_sandbox.py), one per process; tests that
    need fresh state use their own references."""
    import secrets

    from tests.pay_sandbox import start_pay_sandbox

    sandbox = start_pay_sandbox(
        tmp_path_factory.mktemp("pay-sandbox"), api_key=secrets.token_urlsafe(24)
    )
    yield sandbox
    sandbox.stop()


class Payments:
    """Civitas pointed at the local payment sandbox, and a payer who pays a case's fee on
    its card pages (without a browser) and comes back, as a citizen does."""

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox

    def start(self, reference: str, *, taken_by: int | None = None):
        from civitas.cases.public import case_payment, pay_for_case

        found = case_payment(reference)
        assert found is not None, f"{reference} takes no payment"
        return pay_for_case(
            found,
            language="en",
            return_url_for=lambda payment_id: (
                f"http://testserver{found.service.url}pay/{reference}/x/return/{payment_id}/"
            ),
            taken_by=taken_by,
        )

    def pay(self, reference: str, card_number: str = "4444333322221111"):
        """Pays the case's fee with `card_number`; returns the payment as the return
        page finds it."""
        from civitas.pay.public import payment_for_return
        from tests.pay_sandbox import pay_without_browser

        payment = self.start(reference)
        pay_without_browser(payment.next_url, card_number)
        return payment_for_return(payment_id=payment.id, case_reference=reference)


def pay_from_check_answers(client, response, card_number: str = "4444333322221111"):
    """Follows a submission that sent the applicant to the card page (`response`, the
    redirect the check answers or declaration page answered): pays there as the citizen
    does, then comes back to the service's return page with the same `client`. Answers
    that page's response: the redirect to the confirmation once the payment succeeded.

    Needs the `payments` fixture, so that the provider can be reached."""
    import urllib.parse

    from tests.pay_sandbox import pay_without_browser

    assert response.status_code == 302, response.content[:2000]
    back = pay_without_browser(response["Location"], card_number)
    assert back.status_code == 303, back.text[:2000]
    # The return URL was made with build_absolute_uri, so it is the test client's origin.
    return_url = urllib.parse.urlsplit(back.headers["Location"])
    assert return_url.netloc == "testserver", back.headers["Location"]
    return client.get(return_url.path)


@pytest.fixture
def payments(pay_sandbox, settings):
    from civitas.pay.providers import forget_providers

    settings.PAY_API_URL = pay_sandbox.url
    settings.PAY_API_KEY = pay_sandbox.api_key
    forget_providers()
    yield Payments(pay_sandbox)
    forget_providers()


@pytest.fixture
def citizen_oidc(identity_provider, settings):
    """Civitas configured to sign citizens in through the local provider."""
    from civitas.identity import oidc
    from tests.identity_provider import CLIENT_ID

    settings.CITIZEN_OIDC_ISSUER = identity_provider.url
    settings.CITIZEN_OIDC_CLIENT_ID = CLIENT_ID
    settings.CITIZEN_OIDC_CLIENT_KEY_FILE = str(identity_provider.client_key_file)
    oidc.forget_provider()
    yield identity_provider
    oidc.forget_provider()
