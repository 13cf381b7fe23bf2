"""`civitas paysandbox [--port 8300]`: runs the local payment sandbox (tools/pay_sandbox,
speaking the GOV.UK Pay API) for the demo and development, with Civitas's API key, and
its webhooks sent to Civitas. Its payments are kept under var/pay-sandbox/."""

import os
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

WEBHOOK_PATH = "/pay/webhooks/govuk-pay/"


def sandbox_arguments(*, port: int, state_dir: Path) -> list[str]:
    """The command line that runs the sandbox (from the tools folder) on `port`."""
    return [
        sys.executable,
        "-m",
        "pay_sandbox",
        "--port",
        str(port),
        "--state-dir",
        str(state_dir),
        "--api-key",
        settings.PAY_API_KEY,
        "--webhook-url",
        settings.PUBLIC_BASE_URL.rstrip("/") + WEBHOOK_PATH,
        "--webhook-secret",
        settings.PAY_WEBHOOK_SECRET,
    ]


def default_port() -> int:
    """The port of PAY_API_URL, where Civitas looks for the sandbox."""
    return urllib.parse.urlsplit(settings.PAY_API_URL).port or 8300


class Command(BaseCommand):
    help = "Run the local payment sandbox (the GOV.UK Pay API and its card pages)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=None, help="default: PAY_API_URL's")

    def handle(self, *args: Any, port: int | None, **options: Any) -> None:
        if not settings.PAY_API_KEY or not settings.PAY_WEBHOOK_SECRET:
            self.stderr.write("PAY_API_KEY and PAY_WEBHOOK_SECRET must be set")
            sys.exit(1)
        arguments = sandbox_arguments(
            port=port or default_port(), state_dir=Path(settings.VAR_DIR) / "pay-sandbox"
        )
        os.chdir(Path(settings.BASE_DIR) / "tools")
        os.execv(sys.executable, arguments)  # noqa: S606 (our own interpreter and module)
