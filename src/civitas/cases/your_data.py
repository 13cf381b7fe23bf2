"""Your data: everything the platform holds about a signed-in citizen, and every time
someone looked at it, each look backed by its entry in the transparency log.

What is held is read from the citizen's applications (those made while signed in to
their account: `Case.account`), with their answers, files, messages and decisions. The
looks are the log's own entries about each application (`personal_data.viewed`: staff
opened its answers or its sensitive answers; and what the platform did with it), read
by the application's keyed subject, so the page shows exactly what anyone can verify.
"""

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civitas.cases.conversation import thread_of
from civitas.cases.models import Case, CaseFile
from civitas.cases.services import case_subject
from civitas.catalogue.public import (
    Service,
    get_service_version,
    in_language,
    list_live_services,
)
from civitas.identity.public import AccountRef, find_organisation_by_id
from civitas.ledger.public import EntrySummary, kind_label, list_entries_about, role_label
from civitas.platform.jsontypes import JSONObject, JSONValue

# A person applies a handful of times; a bound all the same, said on the page if reached.
MOST_APPLICATIONS = 200
# The service through which an organisation takes requests to correct or delete data
# (services/data-rights-request): linked from each of its applications when it runs one.
DATA_RIGHTS_SERVICE = "data-rights-request"


@dataclass(frozen=True)
class Look:
    """One entry of the log about an application: who, in which role, when, why."""

    reference: str
    organisation: str
    role: str
    what: str
    why: str
    at: datetime.datetime
    entry_index: int
    entry_url: str
    is_access: bool
    """Whether someone looked at the data (as opposed to the platform recording a step)."""


@dataclass(frozen=True)
class HeldApplication:
    reference: str
    service_title: str
    organisation: str
    status: str
    submitted_at: datetime.datetime
    channel: str
    language: str
    answers: list[tuple[str, str]]
    fee_pence: int | None
    files: list[str]
    messages: list[tuple[datetime.datetime, str, str]]
    """When, who wrote it (you or the organisation), and what it said."""
    looks: list[Look] = field(default_factory=list)
    rights_url: str = ""
    """Where to ask the organisation to correct or delete it; "" when it takes no such
    request online."""


@dataclass(frozen=True)
class YourData:
    account: AccountRef
    applications: list[HeldApplication]
    complete: bool
    """False when the citizen has more than MOST_APPLICATIONS applications."""
    made_at: datetime.datetime

    @property
    def accesses(self) -> list[Look]:
        """Every look at the citizen's data by someone, newest first."""
        looks = [look for app in self.applications for look in app.looks if look.is_access]
        return sorted(looks, key=lambda look: look.at, reverse=True)


def your_data(account: AccountRef, *, language: str) -> YourData:
    """Everything held about the account's owner, in `language`."""
    cases = list(
        Case.objects.filter(account_id=uuid.UUID(account.id)).order_by("-submitted_at", "-id")[
            : MOST_APPLICATIONS + 1
        ]
    )
    complete = len(cases) <= MOST_APPLICATIONS
    services: dict[tuple[int, str, int], Service] = {}
    organisations: dict[str, str] = {}
    held = []
    rights = {
        live.organisation.id: live.url for live in list_live_services(slug=DATA_RIGHTS_SERVICE)
    }
    with translation.override(language):
        for case in cases[:MOST_APPLICATIONS]:
            key = (case.organisation_id, case.service_slug, case.service_version)
            service = services.get(key) or services.setdefault(key, get_service_version(*key))
            held.append(_held(case, service, language, organisations, rights))
    return YourData(account=account, applications=held, complete=complete, made_at=timezone.now())


def _organisation_name(organisation_id: int, names: dict[str, str]) -> str:
    key = str(organisation_id)
    if key not in names:
        found = find_organisation_by_id(organisation_id)
        names[key] = found.name if found is not None else key
    return names[key]


def _held(
    case: Case,
    service: Service,
    language: str,
    names: dict[str, str],
    rights: Mapping[int, str],
) -> HeldApplication:
    files = {file.token: file for file in CaseFile.objects.filter(case=case)}
    organisation = _organisation_name(case.organisation_id, names)
    return HeldApplication(
        reference=case.reference,
        service_title=str(in_language(service.title, language)),
        organisation=organisation,
        status=str(in_language(service.model.workflow.state(case.status).label, language)),
        submitted_at=case.submitted_at,
        channel=case.channel,
        language=case.language,
        answers=_answers(service, case.answers, files),
        fee_pence=case.fee_pence,
        files=[file.file_name for file in files.values()],
        messages=[
            (
                message.created_at,
                _("You") if message.sender == "applicant" else organisation,
                message.body,
            )
            for message in thread_of(case)
        ],
        looks=[
            _look(case.reference, entry, organisation)
            for entry in list_entries_about(case_subject(case.reference))
        ],
        rights_url=rights.get(case.organisation_id, ""),
    )


def _answers(
    service: Service, answers: Mapping[str, JSONValue], files: Mapping[str, CaseFile]
) -> list[tuple[str, str]]:
    """The answers as check answers showed them; a file as its name."""
    by_key = {question.summary_key: question for question in service.model.questions}
    rows = []
    for row in service.model.summary(answers):
        question = by_key.get(row.key)
        value = str(row.value)
        if question is not None and question.type == "file":
            sent = files.get(str(answers.get(question.id)))
            value = sent.file_name if sent is not None else value
        rows.append((str(row.key), value))
    return rows


# Why each kind of entry was written, as the citizen reads it.
def _why(kind: str) -> str:
    return {
        "personal_data.viewed": _("To work on your application"),
        "case.submitted": _("You sent your application"),
        "case.decided": _("A decision was made on your application"),
        "retention.applied": _("The time to keep these records ended, so they were deleted"),
    }.get(kind, "")


def _look(reference: str, entry: EntrySummary, organisation: str) -> Look:
    return Look(
        reference=reference,
        organisation=organisation,
        role=role_label(entry.role),
        what=kind_label(entry.kind),
        why=_why(entry.kind),
        at=entry.occurred_at,
        entry_index=entry.index,
        entry_url=entry.url,
        is_access=entry.kind == "personal_data.viewed",
    )


def as_json(data: YourData) -> JSONObject:
    """The same, machine-readable: what a citizen downloads."""
    return {
        "made_at": data.made_at.isoformat(),
        "complete": data.complete,
        "account": {
            "email": data.account.email,
            "email_confirmed": data.account.is_verified,
            "two_factor_authentication": data.account.has_two_factors,
            "language": data.account.language,
        },
        "applications": [
            {
                "reference": application.reference,
                "service": application.service_title,
                "organisation": application.organisation,
                "status": application.status,
                "submitted_at": application.submitted_at.isoformat(),
                "channel": application.channel,
                "language": application.language,
                "answers": [
                    {"question": question, "answer": answer}
                    for question, answer in application.answers
                ],
                "fee_pence": application.fee_pence,
                "files": list(application.files),
                "messages": [
                    {"at": at.isoformat(), "from": sender, "text": text}
                    for at, sender, text in application.messages
                ],
                "log": [_look_json(look) for look in application.looks],
            }
            for application in data.applications
        ],
    }


def _look_json(look: Look) -> JSONObject:
    return {
        "at": look.at.isoformat(),
        "organisation": look.organisation,
        "role": look.role,
        "what": look.what,
        "why": look.why,
        "entry": look.entry_index,
        "verify": look.entry_url,
    }
