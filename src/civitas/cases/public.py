"""What other domains may use from cases."""

from civitas.cases.events import (
    ApplicationSubmitted,
    CaseDecided,
    CaseFileDownloaded,
    PersonalDataViewed,
)
from civitas.cases.files import SubmittedFile
from civitas.cases.services import submit_application

__all__ = [
    "ApplicationSubmitted",
    "CaseDecided",
    "CaseFileDownloaded",
    "PersonalDataViewed",
    "SubmittedFile",
    "submit_application",
]
