"""Sandbox SMS gateways, a service's callback server and text messages, for notify's tests."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from civitas.identity.tests.factories import OrganisationFactory
from civitas.notify.models import Message, SendingService, Template, TemplateVersion
from civitas.notify.providers import registry
from civitas.notify.sandboxes import FiretextSandbox, MmgSandbox
from civitas.notify.sandboxes.sms import basic_api_key

FIRETEXT_KEY = "firetext-test-key"
MMG_KEY = basic_api_key("civitas", "mmg-test-password")
CALLBACK_PASSWORDS = {"firetext": "firetext-receipts-secret", "mmg": "mmg-receipts-secret"}
SMS_PROVIDERS = {"sms": "civitas.notify.providers.failover.FailoverTextMessageProvider"}


@pytest.fixture
def sms_settings(settings):
    settings.NOTIFY_PROVIDERS = {**settings.NOTIFY_PROVIDERS, **SMS_PROVIDERS}
    settings.SMS_PROVIDERS = ["firetext", "mmg"]
    settings.FIRETEXT_API_KEY = FIRETEXT_KEY
    settings.MMG_API_KEY = MMG_KEY
    settings.FIRETEXT_CALLBACK_PASSWORD = CALLBACK_PASSWORDS["firetext"]
    settings.MMG_CALLBACK_PASSWORD = CALLBACK_PASSWORDS["mmg"]
    settings.FIRETEXT_TIMEOUT_SECONDS = 1
    settings.MMG_TIMEOUT_SECONDS = 1
    settings.FIRETEXT_RECEIPT_URL = "http://127.0.0.1:9/notify/providers/firetext/receipts"
    settings.MMG_RECEIPT_URL = "http://127.0.0.1:9/notify/providers/mmg/receipts"
    settings.NOTIFY_CALLBACK_ALLOW_LOCAL_HTTP = True
    registry._resolved = None
    yield settings
    registry._resolved = None


@pytest.fixture
def firetext(sms_settings) -> Iterator[FiretextSandbox]:
    gateway = FiretextSandbox(api_key=FIRETEXT_KEY).start()
    sms_settings.FIRETEXT_URL = gateway.url
    yield gateway
    gateway.stop()


@pytest.fixture
def mmg(sms_settings) -> Iterator[MmgSandbox]:
    gateway = MmgSandbox(api_key=MMG_KEY).start()
    sms_settings.MMG_URL = gateway.url
    yield gateway
    gateway.stop()


def closed_port_url() -> str:
    """A URL nothing listens on: connections to it are refused."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"


def make_service(**fields: Any) -> SendingService:
    return SendingService.objects.create(
        organisation=OrganisationFactory(),
        name="Parking",
        created_at=timezone.now(),
        **fields,
    )


def make_text_message(
    service: SendingService | None = None, *, to: str = "+447700900123", text: str = "Hello"
) -> Message:
    service = service or make_service()
    now = timezone.now()
    template = Template.objects.create(
        sending_service=service, name="Reminder", type="sms", created_at=now, updated_at=now
    )
    TemplateVersion.objects.create(
        template=template, version=1, body=text, created_at=now, created_by="test"
    )
    message = Message(
        organisation_id=service.organisation_id,
        sending_service=service,
        channel=Message.Channel.SMS,
        idempotency_key=f"sms:{Message.objects.count()}:{now.timestamp()}",
        about="REF",
        template="Reminder",
        notify_template=template,
        template_version=1,
        client_reference="their-ref",
        recipient=to,
        subject="",
        body_text=text,
        body_html="",
        fragments=1,
        created_at=now,
        retry_at=now,
    )
    message.save(force_insert=True)
    return message


class CallbackServer:
    """A service's own HTTPS-less callback endpoint: records each POST (headers and JSON),
    answering `fail_next` of them with 500 first."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_next = 0
        self.arrived = threading.Condition()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with server.arrived:
                    if server.fail_next > 0:
                        server.fail_next -= 1
                        status = 500
                    else:
                        status = 200
                    server.received.append(
                        {
                            "path": self.path,
                            "authorization": self.headers.get("Authorization"),
                            "content_type": self.headers.get("Content-Type"),
                            "json": json.loads(body),
                            "status": status,
                        }
                    )
                    server.arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def url(self, path: str = "/callback") -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}{path}"

    def taken(self) -> list[dict[str, Any]]:
        return [request for request in self.received if request["status"] == 200]

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def callback_server(sms_settings) -> Iterator[CallbackServer]:
    server = CallbackServer()
    yield server
    server.stop()
