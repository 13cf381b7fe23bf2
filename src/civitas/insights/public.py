"""What other domains, and the wiring (`civitas.wiring`), may use from insights."""

from civitas.insights.events import PerformanceViewed
from civitas.insights.recording import flush_journey_events
from civitas.insights.rollup import roll_up_journey_events
from civitas.insights.services import service_figures

__all__ = [
    "PerformanceViewed",
    "flush_journey_events",
    "roll_up_journey_events",
    "service_figures",
]
