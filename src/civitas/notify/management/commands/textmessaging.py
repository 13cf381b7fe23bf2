"""`civitas textmessaging SERVICE_ID`: a sending service's inbound number and callbacks.

    civitas textmessaging 5b1e... --inbound-number 07700900999
    civitas textmessaging 5b1e... --delivery-status-callback https://example.org/status
    civitas textmessaging 5b1e... --received-text-callback https://example.org/texts
    civitas textmessaging 5b1e... --delivery-status-callback ""      (removes it)

A callback's bearer token is read from the environment variable named by `--token-from`
(default CALLBACK_BEARER_TOKEN), never from the command line, where other users of the
machine can read it. URLs must be https and tokens 10 characters or more, as GOV.UK
Notify asks.
"""

import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction

from civitas.notify.callbacks import CallbackRefused, set_callbacks
from civitas.notify.models import SendingService
from civitas.notify.sms_reports import normalise_inbound_number


class Command(BaseCommand):
    help = "Set a sending service's inbound number and callback URLs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("service_id")
        parser.add_argument("--inbound-number")
        parser.add_argument("--delivery-status-callback", metavar="URL")
        parser.add_argument("--received-text-callback", metavar="URL")
        parser.add_argument("--token-from", default="CALLBACK_BEARER_TOKEN", metavar="VARIABLE")

    def handle(self, *args: Any, service_id: str, **options: Any) -> None:
        try:
            service = SendingService.objects.get(id=service_id)
        except (SendingService.DoesNotExist, ValueError, ValidationError) as error:
            raise CommandError(f"no sending service {service_id}") from error
        token = os.environ.get(options["token_from"], "")
        callbacks: dict[str, tuple[str, str]] = {}
        for option in ("delivery_status", "received_text"):
            url = options[f"{option}_callback"]
            if url is not None:
                callbacks[option] = (url, token if url else "")
        try:
            with transaction.atomic():
                if options["inbound_number"] is not None:
                    service.inbound_number = normalise_inbound_number(options["inbound_number"])
                    service.save(update_fields=["inbound_number"])
                set_callbacks(service, **callbacks)
        except CallbackRefused as refused:
            raise CommandError(str(refused)) from refused
        except IntegrityError as error:
            raise CommandError("another service already has that inbound number") from error
        self.stdout.write(f"{service.name}: updated")
