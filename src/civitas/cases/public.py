"""What other domains may use from cases."""

from civitas.cases.events import ApplicationSubmitted, CaseDecided, PersonalDataViewed
from civitas.cases.services import submit_application

__all__ = ["ApplicationSubmitted", "CaseDecided", "PersonalDataViewed", "submit_application"]
