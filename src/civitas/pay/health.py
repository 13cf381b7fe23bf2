"""The payments part of /healthz: whether the poller keeps up and refunds go out."""

import datetime

from django.db.models import Min
from django.utils import timezone

from civitas.pay.models import Payment, Refund
from civitas.platform.health import HealthResult

DELAY_ALERT = datetime.timedelta(minutes=10)
"""A payment due a check, or a refund due to be sent, this long ago: nobody is polling
or sending (no worker, or the provider has been down that long)."""


def check_payments() -> HealthResult:
    """ "delayed" when the oldest payment check or refund due has waited too long. Not
    critical: nothing is lost (every payment and refund is a row, asked again later)."""
    now = timezone.now()
    checks = Payment.objects.filter(next_check_at__isnull=False).aggregate(
        oldest=Min("next_check_at")
    )["oldest"]
    refunds = Refund.objects.filter(next_attempt_at__isnull=False).aggregate(
        oldest=Min("next_attempt_at")
    )["oldest"]
    late = [max(datetime.timedelta(), now - due) for due in (checks, refunds) if due is not None]
    worst = max(late, default=datetime.timedelta())
    return HealthResult(
        "delayed" if worst > DELAY_ALERT else "ok",
        {"oldest_overdue_seconds": int(worst.total_seconds())},
    )
