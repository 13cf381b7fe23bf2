"""Your applications: the cases a citizen made while signed in to their account.

A case is joined to the account at submission (`Case.account`), never later, so an
account shows what its owner applied for and nothing found by matching an address.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from civitas.cases.models import Case
from civitas.cases.queries import case_cursor, parse_case_cursor
from civitas.catalogue.public import Service, get_service_version, in_language

PAGE_SIZE = 20


@dataclass(frozen=True)
class YourApplication:
    reference: str
    service_title: str
    status: str
    submitted_at: datetime.datetime


@dataclass(frozen=True)
class YourApplicationsPage:
    applications: list[YourApplication]
    next_cursor: str | None


def list_account_applications(
    *, account_id: str, language: str, cursor: str | None = None, page_size: int = PAGE_SIZE
) -> YourApplicationsPage:
    """The account's applications, newest first, a page at a time by key, read by the
    case_account index; the answers are not loaded."""
    cases = (
        Case.objects.filter(account_id=uuid.UUID(account_id))
        .only(
            "id",
            "reference",
            "organisation_id",
            "service_slug",
            "service_version",
            "status",
            "submitted_at",
        )
        .order_by("-submitted_at", "-id")
    )
    after = parse_case_cursor(cursor) if cursor else None
    if after:
        submitted_at, case_id = after
        cases = cases.filter(
            Q(submitted_at__lt=submitted_at) | Q(submitted_at=submitted_at, id__lt=case_id)
        )
    page = list(cases[: page_size + 1])
    more = len(page) > page_size
    page = page[:page_size]
    applications = []
    services: dict[tuple[int, str, int], Service] = {}  # one look-up per version on the page
    for case in page:
        key = (case.organisation_id, case.service_slug, case.service_version)
        service = services.get(key) or services.setdefault(key, get_service_version(*key))
        state = service.model.workflow.state(case.status)
        applications.append(
            YourApplication(
                reference=case.reference,
                service_title=str(in_language(service.title, language)),
                status=str(in_language(state.label, language)),
                submitted_at=timezone.localtime(case.submitted_at),
            )
        )
    return YourApplicationsPage(
        applications=applications, next_cursor=case_cursor(page[-1]) if more and page else None
    )


def is_account_application(*, reference: str, account_id: str) -> bool:
    """Whether the application `reference` was made by the account `account_id`."""
    try:
        key = uuid.UUID(account_id)
    except ValueError:
        return False
    return Case.objects.filter(reference=reference, account_id=key).exists()
