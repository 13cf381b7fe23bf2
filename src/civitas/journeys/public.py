"""What other domains may use from journeys."""

from civitas.journeys.flow import display_answer

__all__ = ["display_answer"]
