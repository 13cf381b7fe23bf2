"""What other domains, and the wiring (`civitas.wiring`), may use from insights."""

from civitas.insights.services import service_figures

__all__ = ["service_figures"]
