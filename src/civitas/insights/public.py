"""What other domains, and the wiring (`civitas.wiring`), may use from insights."""

from civitas.insights.channels import channel_costs_pence, channel_volumes
from civitas.insights.events import ChannelCostsSet, ChannelVolumesEntered, FeedbackRead
from civitas.insights.feedback import satisfaction_counts
from civitas.insights.forecast import forecast_for

__all__: list[str] = [
    "ChannelCostsSet",
    "ChannelVolumesEntered",
    "FeedbackRead",
    "channel_costs_pence",
    "channel_volumes",
    "forecast_for",
    "satisfaction_counts",
]
