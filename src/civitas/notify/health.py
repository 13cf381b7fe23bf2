"""The notifications' parts of /healthz: how long emails have waited, and the SMTP relay."""

import smtplib
import threading
import time

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from civitas.notify.models import Message
from civitas.platform.health import HealthResult

SMTP_TIMEOUT_SECONDS = 2
# /healthz is polled, by every probe, in every web process: the relay is asked at most this
# often by each process, and the answer reused meanwhile.
SMTP_RECHECK_SECONDS = 10

_smtp_lock = threading.Lock()
_smtp_answers: dict[tuple[str, int], tuple[float, HealthResult]] = {}


def check_messages() -> HealthResult:
    """ "delayed" once the oldest email not yet sent has waited NOTIFY_DELAY_ALERT_SECONDS."""
    pending = Message.objects.filter(status__in=Message.PENDING, sent_at__isnull=True)
    oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
    waited_seconds = 0 if oldest is None else max(0, int((timezone.now() - oldest).total_seconds()))
    status = "delayed" if waited_seconds > settings.NOTIFY_DELAY_ALERT_SECONDS else "ok"
    return HealthResult(status, {"oldest_waiting_seconds": waited_seconds})


def check_smtp() -> HealthResult:
    """Whether the relay answers a greeting, EHLO and NOOP (no mail is sent)."""
    relay = (settings.EMAIL_HOST, settings.EMAIL_PORT)
    with _smtp_lock:  # one probe at a time; the others wait for its answer
        asked_at, answer = _smtp_answers.get(relay, (0.0, None))
        if answer is None or time.monotonic() - asked_at >= SMTP_RECHECK_SECONDS:
            answer = _ask_relay(*relay)
            _smtp_answers[relay] = (time.monotonic(), answer)
        return answer


def _ask_relay(host: str, port: int) -> HealthResult:
    try:
        with smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS) as relay:
            relay.ehlo()
            code, _ = relay.noop()
    except (OSError, smtplib.SMTPException) as error:
        return HealthResult("down", {"error": type(error).__name__})
    return HealthResult("ok" if code == 250 else "down")
