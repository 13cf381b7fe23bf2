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
from civitas.cases.payments import (
    CasePayment,
    absolute_pay_url,
    case_payment,
    pay_for_case,
    pay_url,
)
from civitas.cases.performance import (
    CaseCounts,
    CaseFacts,
    backlog_by_state,
    case_counts,
    cases_decided_between,
    cases_submitted_between,
    first_case_submitted_at,
)
from civitas.cases.queries import CaseStatus, find_case_status
from civitas.cases.retention import apply_retention
from civitas.cases.search import cases_left_to_reindex, reindex_batch
from civitas.cases.services import AcceptedAs, submit_application
from civitas.cases.transitions import apply_automatic_transition, apply_due_timers
from civitas.cases.workload import mean_worked_hours

__all__ = [
    "AcceptedAs",
    "ApplicantReplied",
    "ApplicationSubmitted",
    "CaseAssigned",
    "CaseCounts",
    "CaseDecided",
    "CaseFacts",
    "CaseFileDownloaded",
    "CaseLabelChanged",
    "CaseMoved",
    "CaseNoteAdded",
    "CasePayment",
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
    "absolute_pay_url",
    "apply_automatic_transition",
    "apply_due_timers",
    "apply_retention",
    "backlog_by_state",
    "case_counts",
    "case_files_left",
    "case_payment",
    "cases_decided_between",
    "cases_left_to_reindex",
    "cases_submitted_between",
    "discard_unstored_case_files",
    "find_case_status",
    "first_case_submitted_at",
    "mean_worked_hours",
    "pay_for_case",
    "pay_url",
    "reindex_batch",
    "reseal_case_files",
    "submit_application",
]
