"""What other domains, and the wiring (`civitas.wiring`), may use from insights."""

from civitas.insights.case_rollup import recount_cases_from, roll_up_cases
from civitas.insights.channels import (
    channel_costs_pence,
    channel_volumes,
    enter_channel_volumes,
    set_channel_costs,
)
from civitas.insights.events import (
    ChannelCostsSet,
    ChannelVolumesEntered,
    FeedbackRead,
    HistoryImported,
    PerformanceViewed,
)
from civitas.insights.feedback import satisfaction_counts
from civitas.insights.forecast import forecast_for
from civitas.insights.history import HistoryInvalid, HistoryRow, import_history
from civitas.insights.recording import flush_journey_events
from civitas.insights.rollup import roll_up_journey_events
from civitas.insights.services import service_figures

__all__: list[str] = [
    "ChannelCostsSet",
    "ChannelVolumesEntered",
    "FeedbackRead",
    "HistoryImported",
    "HistoryInvalid",
    "HistoryRow",
    "PerformanceViewed",
    "channel_costs_pence",
    "channel_volumes",
    "enter_channel_volumes",
    "flush_journey_events",
    "forecast_for",
    "import_history",
    "recount_cases_from",
    "roll_up_cases",
    "roll_up_journey_events",
    "satisfaction_counts",
    "service_figures",
    "set_channel_costs",
]
