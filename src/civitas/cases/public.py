"""What other domains may use from cases."""

from civitas.cases.events import (
    ApplicantReplied,
    ApplicationSubmitted,
    CaseAssigned,
    CaseDecided,
    CaseFileDownloaded,
    CaseLabelChanged,
    CaseMoved,
    CaseNoteAdded,
    CaseRecordsErased,
    CasesExported,
    CasesSearched,
    MessageSentToApplicant,
    OpinionGiven,
    OpinionRequested,
    PersonalDataViewed,
    SensitiveAnswersShown,
)
from civitas.cases.files import (
    SubmittedFile,
    case_files_left,
    discard_unstored_case_files,
    reseal_case_files,
)
from civitas.cases.queries import CaseStatus, find_case_status
from civitas.cases.retention import apply_retention
from civitas.cases.search import cases_left_to_reindex, reindex_batch
from civitas.cases.services import AcceptedAs, submit_application
from civitas.cases.transitions import apply_automatic_transition, apply_due_timers

__all__ = [
    "AcceptedAs",
    "ApplicantReplied",
    "ApplicationSubmitted",
    "CaseAssigned",
    "CaseDecided",
    "CaseFileDownloaded",
    "CaseLabelChanged",
    "CaseMoved",
    "CaseNoteAdded",
    "CaseRecordsErased",
    "CaseStatus",
    "CasesExported",
    "CasesSearched",
    "MessageSentToApplicant",
    "OpinionGiven",
    "OpinionRequested",
    "PersonalDataViewed",
    "SensitiveAnswersShown",
    "SubmittedFile",
    "apply_automatic_transition",
    "apply_due_timers",
    "apply_retention",
    "case_files_left",
    "cases_left_to_reindex",
    "discard_unstored_case_files",
    "find_case_status",
    "reindex_batch",
    "reseal_case_files",
    "submit_application",
]
