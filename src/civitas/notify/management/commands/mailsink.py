"""`civitas mailsink`: a local SMTP server for the demo that keeps every email in var/mail/.

Real SMTP, so the demo exercises the same delivery path as production.
"""

import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class _SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = f"{time.time_ns()}.eml"
        (self.folder / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


class Command(BaseCommand):
    help = "Run a local SMTP server that saves emails to var/mail/ (demo only)."

    def add_arguments(self, parser: CommandParser) -> None:
        # The port the platform sends to, so that two copies of the demo, each with its own
        # EMAIL_PORT, each have their own sink.
        parser.add_argument("--port", type=int, default=None, help="default: EMAIL_PORT")

    def handle(self, *args: Any, port: int | None, **options: Any) -> None:
        port = port or settings.EMAIL_PORT
        if settings.IS_PRODUCTION:
            raise CommandError("the mail sink is for the demo, not production")
        folder = settings.VAR_DIR / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        controller = Controller(_SaveToFolder(folder), hostname="127.0.0.1", port=port)
        controller.start()
        self.stdout.write(f"mail sink listening on 127.0.0.1:{port}, saving to {folder}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
