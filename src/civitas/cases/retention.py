"""Retention: a closed case's records deleted or anonymised when the service's time for
them is up (the definition's `retention`, catalogue's Retention).

The periods run from when the case was closed (it entered a closed state). What is done:

- uploads: the files sent with the case (and with the applicant's replies) are deleted,
  rows and sealed files;
- messages: the thread with the applicant (and its files) and the emails sent about the
  case are deleted;
- closed_cases: the case is anonymised: its answers, fee decision, estimate and decision
  reason are erased, with its notes, opinions, search digests and tracking codes, and
  whatever files and messages are left. The case row keeps what is not personal (the
  reference, service, status, dates and fee), so counts and service levels still add up;
- payment_records: the fee of an anonymised case is erased too.

Each is recorded, case by case, in the audit trail and the transparency log (the kind
and how many, never what they held), through `CaseRecordsErased`. The live version of
each service says how long: a retention shortened by a new version applies to the
cases already closed. The job is safe to run in several workers at once: each case is
locked while it is changed, and what is already erased is not erased again.
"""

import datetime
import functools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from civitas.cases.events import CaseRecordsErased
from civitas.cases.files import FOLDER
from civitas.cases.models import (
    Case,
    CaseFile,
    CaseMessage,
    CaseNote,
    CaseSearchTerm,
    OpinionRequest,
    TrackingCode,
)
from civitas.catalogue.public import Retention, get_service_version, list_live_services
from civitas.notify.public import delete_messages_about
from civitas.platform.events import publish
from civitas.platform.files.store import delete_sealed_file

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
DELETED, ANONYMISED = "deleted", "anonymised"


def _closed_before(organisation_id: int, slug: str, cutoff: datetime.datetime) -> QuerySet[Case]:
    """The service's cases closed before `cutoff` (a case closed before workflows had
    `status_since` counts from its decision)."""
    return Case.objects.filter(
        organisation_id=organisation_id, service_slug=slug, status_kind__startswith="closed"
    ).filter(Q(status_since__lt=cutoff) | Q(status_since__isnull=True, decided_at__lt=cutoff))


def _erase_files(files: QuerySet[CaseFile]) -> int:
    tokens = list(files.values_list("token", flat=True))
    files.delete()
    # The rows go with the transaction; a file left behind by a crash after the commit is
    # sealed and named by nobody: it cannot be opened without its row's reference.
    transaction.on_commit(functools.partial(_delete_sealed_files, tokens))
    return len(tokens)


def _delete_sealed_files(tokens: list[str]) -> None:
    for token in tokens:
        delete_sealed_file(FOLDER, token)


def _erase_uploads(case: Case) -> int:
    case.uploads_erased_at = timezone.now()
    return _erase_files(CaseFile.objects.filter(case=case))


def _erase_messages(case: Case) -> int:
    case.messages_erased_at = timezone.now()
    messages = CaseMessage.objects.filter(case=case)
    erased = _erase_files(CaseFile.objects.filter(message__in=messages))
    count, _ = messages.delete()
    return (
        erased
        + count
        + delete_messages_about(about=case.reference, organisation_id=case.organisation_id)
    )


def _anonymise(case: Case) -> int:
    erased = _erase_uploads(case) + _erase_messages(case)
    for model in (CaseNote, OpinionRequest, CaseSearchTerm, TrackingCode):
        count, _ = model.objects.filter(case=case).delete()
        erased += count
    case.answers = {}
    case.fee_decision = None
    case.estimate = None
    case.decision_reason = None
    case.anonymised_at = timezone.now()
    return erased + 1


def _erase_payment_record(case: Case) -> int:
    case.fee_pence = None
    case.payment_record_erased_at = timezone.now()
    return 1


@dataclass(frozen=True)
class _Kind:
    erase: Callable[[Case], int]
    """Erases the records of one case (in its locked transaction); how many it erased."""
    done_field: str
    """The case's column that says it was done (null until then)."""
    action: str
    ready: Q = field(default_factory=Q)
    """What else a case must be for it (a payment record goes once the case is anonymised)."""


_KINDS = {
    "uploads": _Kind(_erase_uploads, "uploads_erased_at", DELETED),
    "messages": _Kind(_erase_messages, "messages_erased_at", DELETED),
    "closed_cases": _Kind(_anonymise, "anonymised_at", ANONYMISED),
    "payment_records": _Kind(
        _erase_payment_record,
        "payment_record_erased_at",
        DELETED,
        Q(anonymised_at__isnull=False, fee_pence__isnull=False),
    ),
}
_FIELDS = {
    "uploads_erased_at": (),
    "messages_erased_at": (),
    "anonymised_at": (
        "uploads_erased_at",
        "messages_erased_at",
        "answers",
        "fee_decision",
        "estimate",
        "decision_reason",
    ),
    "payment_record_erased_at": ("fee_pence",),
}


def _services() -> Iterator[tuple[int, str, str, Retention]]:
    for live in list_live_services():
        service = get_service_version(live.organisation.id, live.slug, live.version)
        yield live.organisation.id, live.organisation.slug, live.slug, service.model.retention


def apply_retention(*, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """The periodic job: erases what each live service's retention says is due, a batch
    of cases per service and kind each run; returns how many records it erased."""
    now = now or timezone.now()
    erased = 0
    for organisation_id, organisation, slug, retention in _services():
        for name, kind in _KINDS.items():
            days = retention.days(name)
            cutoff = now - datetime.timedelta(days=days)
            due = _closed_before(organisation_id, slug, cutoff).filter(
                kind.ready, **{f"{kind.done_field}__isnull": True}
            )
            for case_id in due.order_by("id").values_list("id", flat=True)[:batch_size]:
                erased += _erase_one(case_id, name, kind, organisation, slug, days)
    return erased


def _erase_one(
    case_id: int, name: str, kind: _Kind, organisation: str, slug: str, days: int
) -> int:
    with transaction.atomic():
        case = (
            Case.objects.select_for_update()
            .filter(pk=case_id, **{f"{kind.done_field}__isnull": True})
            .first()
        )
        if case is None:
            return 0  # another worker did it
        count = kind.erase(case)
        case.save(update_fields=[kind.done_field, *_FIELDS[kind.done_field]])
        if count:
            publish(
                CaseRecordsErased(
                    reference=case.reference,
                    organisation=organisation,
                    service=slug,
                    kind=name,
                    action=kind.action,
                    count=count,
                    kept_days=days,
                )
            )
    if count:
        logger.info("retention: %s of case %s %s (%s)", name, case.reference, kind.action, count)
    return count
