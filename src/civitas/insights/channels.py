"""The figures a service owner enters: how many transactions arrived each month by the
channels the platform does not see (post, phone, in person), and what one transaction
costs by each channel. With the platform's own counts (online, assisted) they make the
service's digital take-up and its cost per transaction.
"""

import calendar
import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from civitas.insights.events import ChannelCostsSet, ChannelVolumesEntered
from civitas.insights.figures import CHANNELS
from civitas.insights.models import ChannelCost, ChannelVolume
from civitas.platform.events import publish

ENTERED_CHANNELS: tuple[str, ...] = ("post", "phone", "in_person")
"""The channels whose volumes the service owner enters; online and assisted are counted."""

MAX_TRANSACTIONS_A_MONTH = 100_000_000
MAX_COST_PENCE = 100_000_000  # a million pounds a transaction: more is a typing slip


class ChannelFiguresInvalid(ValueError):
    """Figures that cannot be stored: the message is for the form, `field` says which."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class MonthVolumes:
    month: datetime.date
    volumes: dict[str, int]


def enter_channel_volumes(
    *,
    organisation_id: int,
    organisation: str,
    staff_user_id: str,
    service_slug: str,
    month: datetime.date,
    volumes: Mapping[str, int],
) -> None:
    """Sets one month's volumes for the channels given (replacing what was entered for
    them), and audits it. `month` is any day of the month."""
    first = month.replace(day=1)
    for channel, transactions in volumes.items():
        if channel not in ENTERED_CHANNELS:
            raise ChannelFiguresInvalid(f"no entered channel {channel!r}", field=channel)
        if not 0 <= transactions <= MAX_TRANSACTIONS_A_MONTH:
            raise ChannelFiguresInvalid("out of range", field=channel)
    now = timezone.now()
    with transaction.atomic():
        for channel, transactions in volumes.items():
            ChannelVolume.objects.update_or_create(
                organisation_id=organisation_id,
                service_slug=service_slug,
                month=first,
                channel=channel,
                defaults={"transactions": transactions, "entered_at": now},
            )
        publish(
            ChannelVolumesEntered(
                organisation=organisation,
                staff_user_id=staff_user_id,
                service_slug=service_slug,
                month=first.strftime("%Y-%m"),
                volumes=dict(volumes),
            )
        )


def set_channel_costs(
    *,
    organisation_id: int,
    organisation: str,
    staff_user_id: str,
    service_slug: str,
    costs_pence: Mapping[str, int | None],
) -> None:
    """Sets the cost of a transaction by each channel given; None clears a channel's cost
    (unknown, so left out of the cost per transaction). Audited."""
    for channel, cost in costs_pence.items():
        if channel not in CHANNELS:
            raise ChannelFiguresInvalid(f"no channel {channel!r}", field=channel)
        if cost is not None and not 0 <= cost <= MAX_COST_PENCE:
            raise ChannelFiguresInvalid("out of range", field=channel)
    now = timezone.now()
    with transaction.atomic():
        for channel, cost in costs_pence.items():
            if cost is None:
                ChannelCost.objects.filter(
                    organisation_id=organisation_id, service_slug=service_slug, channel=channel
                ).delete()
            else:
                ChannelCost.objects.update_or_create(
                    organisation_id=organisation_id,
                    service_slug=service_slug,
                    channel=channel,
                    defaults={"cost_pence": cost, "set_at": now},
                )
        publish(
            ChannelCostsSet(
                organisation=organisation,
                staff_user_id=staff_user_id,
                service_slug=service_slug,
                costs_pence={c: v for c, v in costs_pence.items() if v is not None},
            )
        )


def channel_volumes(
    service_slug: str,
    start: datetime.date,
    end: datetime.date,
    *,
    organisation_id: int | None = None,
) -> dict[str, int]:
    """The transactions by post, phone and in person from `start` (inclusive) to `end`
    (exclusive), for the channels with any month entered that overlaps it. Volumes are
    entered a month at a time: a period that covers part of a month (a week) gets that
    month's volume in proportion to the days it covers, rounded to whole transactions."""
    if end <= start:
        return {}
    rows = ChannelVolume.objects.filter(
        service_slug=service_slug, month__gte=start.replace(day=1), month__lt=end
    )
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    shares: dict[str, float] = {}
    for month, channel, transactions in rows.values_list("month", "channel", "transactions"):
        days_in_month = calendar.monthrange(month.year, month.month)[1]
        month_end = month + datetime.timedelta(days=days_in_month)
        covered = (min(end, month_end) - max(start, month)).days
        if covered > 0:
            shares[channel] = shares.get(channel, 0.0) + transactions * covered / days_in_month
    return {channel: round(shares[channel]) for channel in ENTERED_CHANNELS if channel in shares}


def channel_costs_pence(service_slug: str, *, organisation_id: int | None = None) -> dict[str, int]:
    """What one transaction costs by each channel whose cost is set, in pence."""
    rows = ChannelCost.objects.filter(service_slug=service_slug)
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    return dict(rows.values_list("channel", "cost_pence"))


def list_month_volumes(
    *, organisation_id: int, service_slug: str, months: int = 12
) -> list[MonthVolumes]:
    """The latest `months` months that have volumes entered, newest first."""
    rows = ChannelVolume.objects.filter(
        organisation_id=organisation_id, service_slug=service_slug
    ).order_by("-month")
    by_month: dict[datetime.date, dict[str, int]] = {}
    for month, channel, transactions in rows.values_list("month", "channel", "transactions"):
        if month not in by_month and len(by_month) == months:
            break
        by_month.setdefault(month, {})[channel] = transactions
    return [MonthVolumes(month, volumes) for month, volumes in by_month.items()]


_POUNDS = re.compile(r"(?P<pounds>\d{1,7})(?:\.(?P<pence>\d{1,2}))?", re.ASCII)
_MONTH = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})", re.ASCII)
_WHOLE = re.compile(r"\d{1,9}", re.ASCII)


def parse_cost_pence(text: str) -> int | None:
    """A cost typed in pounds ("2.50", "£0.35", "1,200") in pence; None for blank (not
    known). ValueError, in words for the form, for anything else."""
    amount = text.strip().removeprefix("£").strip().replace(",", "")
    if not amount:
        return None
    found = _POUNDS.fullmatch(amount) if len(amount) <= 20 else None
    if found is None:
        raise ValueError(gettext("Enter the cost in pounds and pence, like 4.50"))
    pence = int(found["pounds"]) * 100 + int((found["pence"] or "0").ljust(2, "0"))
    if pence > MAX_COST_PENCE:
        raise ValueError(gettext("The cost must be £1,000,000 or less"))
    return pence


def parse_transactions(text: str) -> int | None:
    """A month's transactions, a whole number ("1,250" too); None for blank."""
    number = text.strip().replace(",", "")
    if not number:
        return None
    if not _WHOLE.fullmatch(number):
        raise ValueError(gettext("Enter a whole number, like 120"))
    if int(number) > MAX_TRANSACTIONS_A_MONTH:
        raise ValueError(gettext("Enter a number of 100,000,000 or less"))
    return int(number)


def parse_month(text: str, *, today: datetime.date) -> datetime.date:
    """A month written YYYY-MM, from 2000 to the current month, as its first day."""
    found = _MONTH.fullmatch(text.strip())
    if found is None or not 1 <= int(found["month"]) <= 12:
        raise ValueError(gettext("Enter the month as a year and month, like 2026-11"))
    month = datetime.date(int(found["year"]), int(found["month"]), 1)
    if month.year < 2000:
        raise ValueError(gettext("Enter a month from 2000-01"))
    if month > today.replace(day=1):
        raise ValueError(gettext("The month must be this month or earlier"))
    return month
