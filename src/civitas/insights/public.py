"""What other domains, and the wiring (`civitas.wiring`), may use from insights."""

from civitas.insights.events import PerformanceViewed
from civitas.insights.services import service_figures

__all__ = ["PerformanceViewed", "service_figures"]
