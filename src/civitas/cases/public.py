"""What other domains may use from cases."""

from civitas.cases.services import submit_application

__all__ = ["submit_application"]
