"""`civitas smsgateway firetext|mmg`: a local sandbox SMS gateway for the demo.

It speaks the gateway's real HTTP API on the port the settings' FIRETEXT_URL or MMG_URL
names, with the demo's credentials, keeps each text it takes in var/sms/<gateway>/ and
posts its delivery receipt back to Civitas a moment later. With `--inbound TEXT --from
NUMBER --to NUMBER` it posts one received text to Civitas instead, and stops.
"""

import contextlib
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civitas.notify.sandboxes import Accepted, FiretextSandbox, MmgSandbox, SandboxGateway

SANDBOXES: dict[str, type[SandboxGateway]] = {"firetext": FiretextSandbox, "mmg": MmgSandbox}


class Command(BaseCommand):
    help = "Run a local sandbox SMS gateway (Firetext's or MMG's API) for the demo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("gateway", choices=sorted(SANDBOXES))
        parser.add_argument("--port", type=int, help="default: the port in the gateway's URL")
        parser.add_argument("--inbound", metavar="TEXT", help="post one received text, then stop")
        parser.add_argument("--from", dest="source", default="07700900123")
        parser.add_argument("--to", dest="destination", default="07700900999")

    def handle(self, *args: Any, gateway: str, port: int | None, **options: Any) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("the sandbox gateways are for the demo, not production")
        prefix = gateway.upper()
        api_key = getattr(settings, f"{prefix}_API_KEY")
        folder = Path(settings.VAR_DIR) / "sms" / gateway
        folder.mkdir(parents=True, exist_ok=True)

        def keep(sandbox: SandboxGateway, accepted: Accepted) -> None:
            (folder / f"{time.time_ns()}.json").write_text(json.dumps(accepted.__dict__))

        if options["inbound"]:
            # A gateway of its own on a spare port: the running one keeps its port.
            poster = SANDBOXES[gateway](api_key=api_key)
            url = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/notify/providers/{gateway}/inbound"
            try:
                response = poster.send_inbound(
                    url,
                    password=getattr(settings, f"{prefix}_CALLBACK_PASSWORD"),
                    source=options["source"],
                    destination=options["destination"],
                    text=options["inbound"],
                )
            except requests.RequestException as error:
                raise CommandError(f"Civitas is not answering at {url}") from error
            finally:
                poster.stop()
            self.stdout.write(f"Civitas answered {response.status_code}")
            return
        sandbox = SANDBOXES[gateway](
            api_key=api_key,
            port=port or urlsplit(getattr(settings, f"{prefix}_URL")).port or 0,
            auto_receipts=True,
            on_accept=keep,
        )
        self.stdout.write(f"{gateway} sandbox gateway on {sandbox.url}, keeping texts in {folder}")
        with contextlib.suppress(KeyboardInterrupt):
            sandbox.serve_forever()
