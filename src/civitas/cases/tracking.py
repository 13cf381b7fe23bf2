"""Track your application: a citizen sees where their application stands, by its reference
and a one-time code emailed to the address on it.

Asking for a code says the same whatever the reference (a real one, an unknown one, one
with no email address), so the page cannot be used to learn which references exist. A
code is 6 digits, kept only as its SHA-256, valid for TRACKING_CODE_MINUTES and for
TRACKING_CODE_TRIES tries; asking for codes is limited per application and per client.
The email is written in the language the citizen applied in.
"""

import datetime
import hashlib
import hmac
import html
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civitas.cases.conversation import REQUEST, ThreadMessage, thread_of
from civitas.cases.messages import definition_templates
from civitas.cases.models import Case, TrackingCode
from civitas.cases.replies import can_reply
from civitas.catalogue.public import Service, get_service_version, in_language
from civitas.notify.public import EmailContent, queue_email
from civitas.platform import ratelimit
from civitas.platform.formats import written_date

logger = logging.getLogger(__name__)

CODE_DIGITS = 6


@dataclass(frozen=True)
class CodeSent:
    """Asked for: sent if the reference is an application with an email address."""


@dataclass(frozen=True)
class TooManyCodes:
    retry_after_seconds: int


class CodeRefused(Exception):
    """The code does not open the application. `why`: "wrong" or "expired"."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def send_tracking_code(reference: str, *, client: str) -> CodeSent | TooManyCodes:
    """Emails a new one-time code for the application `reference` (normalised) to the
    address on it. Counts the asking before anything is looked up: call it outside a
    transaction."""
    refusals = [
        verdict
        for verdict in (
            ratelimit.hit(
                "tracking.application", reference, settings.TRACKING_CODE_RATE_PER_APPLICATION
            ),
            ratelimit.hit("tracking.address", client, settings.TRACKING_CODE_RATE_PER_ADDRESS),
        )
        if not verdict.allowed
    ]
    if refusals:
        return TooManyCodes(max(verdict.retry_after_seconds for verdict in refusals))
    case = Case.objects.filter(reference=reference).first()
    if case is None:
        return CodeSent()
    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    email = case.answers.get(service.contact_email_answer)
    if not isinstance(email, str) or not email:
        return CodeSent()  # an anonymous application: nobody to send a code to
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    with transaction.atomic():
        made = TrackingCode.objects.create(
            case=case,
            code_sha256=_digest(code),
            created_at=now,
            expires_at=now + datetime.timedelta(minutes=settings.TRACKING_CODE_MINUTES),
        )
        with translation.override(case.language):
            content = _code_email(code, in_language(service.title, case.language), service)
        queue_email(
            organisation_id=case.organisation_id,
            idempotency_key=f"tracking-code:{made.id}",
            about=case.reference,
            template="tracking-code",
            to=email,
            content=content,
            # The code opens the application's progress: not even staff read it back.
            erase_body_when_sent=True,
            sending_service_id=definition_templates(service).sending_service.id,
        )
    logger.info("sent a tracking code for a case of %s", case.service_slug)
    return CodeSent()


def _code_email(code: str, title: str, service: Service) -> EmailContent:
    minutes = settings.TRACKING_CODE_MINUTES
    subject = _("Your code to see your application")
    lines = [
        _("Your code is %(code)s") % {"code": code},
        _("Use it to see where your application stands: %(service)s.") % {"service": title},
        _("The code works for %(minutes)s minutes.") % {"minutes": minutes},
        _("If you did not ask for a code, you can ignore this email."),
        service.organisation_name,
    ]
    text = "\n\n".join(lines) + "\n"
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return EmailContent(subject=subject, text=text, html=body)


def check_tracking_code(reference: str, code: str) -> None:
    """Spends `code` for the application `reference`; raises CodeRefused if it is wrong,
    used, expired or out of tries. Only the latest code of the application counts."""
    now = timezone.now()
    with transaction.atomic():
        latest = (
            TrackingCode.objects.select_for_update()
            .filter(case__reference=reference)
            .order_by("-created_at")
            .first()
        )
        if latest is None:
            refused = "wrong"
        elif (
            latest.used_at is not None
            or latest.expires_at <= now
            or latest.tries >= settings.TRACKING_CODE_TRIES
        ):
            refused = "expired"
        else:
            # The try counts whatever its outcome: committed before the answer is given.
            right = hmac.compare_digest(latest.code_sha256, _digest(code.strip()))
            TrackingCode.objects.filter(pk=latest.pk).update(
                tries=F("tries") + 1, used_at=now if right else None
            )
            refused = "" if right else "wrong"
    if refused:
        raise CodeRefused(refused)


@dataclass(frozen=True)
class Step:
    when: datetime.datetime
    text: str


@dataclass(frozen=True)
class Progress:
    """Where an application stands, in plain words: no answer from it is shown."""

    reference: str
    service_title: str
    organisation: str
    status: str
    summary: str
    steps: list[Step]
    thread: list[ThreadMessage]
    """The messages between the applicant and the caseworkers, oldest first."""
    can_reply: bool
    waiting_for_reply: bool
    """We asked the applicant for something and they have not yet answered."""


def application_progress(reference: str, *, language: str) -> Progress | None:
    """The progress of the application `reference` in `language`; None if there is none."""
    case = (
        Case.objects.defer("answers", "fee_decision", "estimate")
        .filter(reference=reference)
        .first()
    )
    if case is None:
        return None
    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    with translation.override(language):
        received = _("We received your application on %(date)s.") % {
            "date": written_date(timezone.localtime(case.submitted_at).date(), language=language)
        }
        steps = [Step(case.submitted_at, received)]
        # The status is the workflow state's label; what it means for the citizen, by kind.
        state = service.model.workflow.state(case.status)
        summary = {
            "open": _(
                "We have your application and will look at it. We will email you our decision."
            ),
            "waiting-for-citizen": _(
                "We need something from you before we can go on. Our message below says what."
            ),
            "waiting-for-payment": _("We are waiting for your payment."),
            "closed-approved": _("We approved your application."),
            "closed-refused": _(
                "We could not approve your application. Our email to you gives the reason."
            ),
            "closed-other": _("Your application is closed."),
        }.get(state.kind, "")
        status = in_language(state.label, language)
        if case.decided_at is not None:
            decided = written_date(timezone.localtime(case.decided_at).date(), language=language)
            sentence = (
                _("We approved your application on %(date)s.")
                if state.kind == "closed-approved"
                else _("We made our decision on %(date)s.")
            )
            steps.append(Step(case.decided_at, sentence % {"date": decided}))
        thread = thread_of(case)
        for message in thread:
            when = written_date(timezone.localtime(message.created_at).date(), language=language)
            if message.kind == REQUEST:
                steps.append(
                    Step(
                        message.created_at,
                        _("We asked you for more information on %(date)s.") % {"date": when},
                    )
                )
            elif message.sender == "citizen":
                steps.append(
                    Step(message.created_at, _("You replied on %(date)s.") % {"date": when})
                )
        steps.sort(key=lambda step: step.when)
        return Progress(
            reference=case.reference,
            service_title=in_language(service.title, language),
            organisation=service.organisation_name,
            status=str(status),
            summary=str(summary),
            steps=steps,
            thread=thread,
            can_reply=can_reply(case.status_kind),
            waiting_for_reply=state.kind == "waiting-for-citizen",
        )
