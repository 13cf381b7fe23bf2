"""The applicant's reply in their case's thread, with a file if they send one.

A reply is kept on the case (encrypted), its file checked as any upload is (size, kind by
content, virus scan: platform.files.checks) and sealed for the case, audited, and then
the case moves as its workflow says a reply moves it (`citizen_replied`: a case waiting
for more information goes back to its caseworker, and its service-level clock runs
again). All of it in one transaction: a reply is stored with its move, or not at all.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civitas.cases.conversation import REPLY, MessageInvalid, checked_text
from civitas.cases.events import ApplicantReplied
from civitas.cases.files import SubmittedFile, discard_unstored_case_files, store_case_files
from civitas.cases.models import Case, CaseMessage
from civitas.cases.notes import new_key
from civitas.cases.services import CaseNotFound
from civitas.cases.transitions import apply_automatic_transition
from civitas.catalogue.public import CLOSED_KINDS, get_service_version
from civitas.platform.events import publish
from civitas.platform.files.checks import check_uploaded_file
from civitas.platform.files.store import new_file_token

REPLY_FILE_KINDS = ("pdf", "jpeg", "png")
REPLY_FILE_MAX_BYTES = 10 * 1024 * 1024


def reply_file_max_bytes() -> int:
    return min(REPLY_FILE_MAX_BYTES, settings.UPLOAD_MAX_BYTES)


FILE_ERRORS: dict[str, Promise] = {
    "empty": gettext_lazy("The selected file is empty"),
    "too_large": gettext_lazy("The selected file must be smaller than 10MB"),
    "wrong_type": gettext_lazy("The selected file must be a PDF, JPG or PNG"),
    "infected": gettext_lazy("The selected file contains a virus"),
    "not_checked": gettext_lazy(
        "The selected file could not be checked for viruses. Try again later"
    ),
}


def can_reply(status_kind: str) -> bool:
    """Whether the applicant of a case whose status is of this kind may write in its thread."""
    return status_kind not in CLOSED_KINDS


def reply_as_applicant(
    *, reference: str, text: str, uploaded: UploadedFile | None = None
) -> CaseMessage:
    """Keeps the applicant's reply to the case `reference` (the caller checked they may
    see it) and moves the case on if its workflow says a reply does.

    MessageInvalid when there is neither text nor a file, the text is too long, the file
    is refused, or the case is closed; CaseNotFound for an unknown reference."""
    text = checked_text(text, field="reply", required=uploaded is None)
    case = Case.objects.filter(reference=reference).first()
    if case is None:
        raise CaseNotFound(reference)
    if not can_reply(case.status_kind):
        raise MessageInvalid(
            "reply",
            _("Your application is closed, so you cannot reply to it. Apply again if you need to"),
        )
    files: list[SubmittedFile] = []
    if uploaded is not None:
        checked = check_uploaded_file(
            uploaded, accepted=REPLY_FILE_KINDS, max_bytes=reply_file_max_bytes()
        )
        if isinstance(checked, str):
            raise MessageInvalid("file", str(FILE_ERRORS.get(checked, FILE_ERRORS["not_checked"])))
        files.append(
            SubmittedFile(
                token=new_file_token(),
                answer_id=REPLY,
                file_name=checked.file_name,
                content_type=checked.kind.content_type,
                content=checked.content,
            )
        )
    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    try:
        with transaction.atomic():
            message = CaseMessage.objects.create(
                key=new_key(case.reference),
                case=case,
                sender=CaseMessage.CITIZEN,
                kind=REPLY,
                body=text,
                created_at=timezone.now(),
            )
            store_case_files(case, files, message=message)
            publish(
                ApplicantReplied(
                    reference=case.reference, organisation=service.organisation, files=len(files)
                )
            )
            apply_automatic_transition(case.reference, "citizen_replied")
    finally:
        discard_unstored_case_files(file.token for file in files)
    return message
