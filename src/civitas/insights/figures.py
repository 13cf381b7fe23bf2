"""The figures of one service over one period: what the dashboards, the public pages and
the open data all show, built by one function (`services.service_figures`) so that they
cannot disagree.

Plain values only. Counts are exact here; suppression of small numbers for the public is
applied to these values by `civitas.insights.suppression`, never by the pages.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from civitas.insights.periods import Period

CHANNELS: tuple[str, ...] = ("online", "assisted", "post", "phone", "in_person")
"""How a transaction reached the service. `online` and `assisted` are recorded by the
platform (assisted: staff completed the journey for a caller); the others are volumes the
service owner enters per month."""

DIGITAL_CHANNELS: tuple[str, ...] = ("online",)

SATISFACTION_LEVELS: tuple[str, ...] = (
    "very_satisfied",
    "satisfied",
    "neither",
    "dissatisfied",
    "very_dissatisfied",
)
"""The GOV.UK satisfaction question's answers, best first."""

SATISFIED_LEVELS: tuple[str, ...] = ("very_satisfied", "satisfied")


@dataclass(frozen=True)
class Durations:
    """A spread of durations, in seconds (None where there were none)."""

    count: int = 0
    median_seconds: float | None = None
    p90_seconds: float | None = None


@dataclass(frozen=True)
class FunnelStep:
    """One page of the journey, in the order of the definition."""

    page: str
    title: str
    reached: int
    validation_errors: int


@dataclass(frozen=True)
class WeekPoint:
    """One ISO week of the period, for charts over time."""

    week_start: date
    started: int
    submitted: int
    decided: int


@dataclass(frozen=True)
class ServiceFigures:
    service_slug: str
    service_name: str
    period: Period
    channel: str | None  # None: all channels
    started: int = 0
    submitted: int = 0
    abandoned: int = 0
    transactions_by_channel: Mapping[str, int] = field(default_factory=dict)
    cost_per_channel_pence: Mapping[str, int] = field(default_factory=dict)
    satisfaction: Mapping[str, int] = field(default_factory=dict)
    time_to_complete: Durations = Durations()
    time_to_decision: Durations = Durations()
    decided: int = 0
    decided_within_service_level: int = 0
    backlog_by_state: Mapping[str, int] = field(default_factory=dict)
    funnel: tuple[FunnelStep, ...] = ()
    errors_by_question: Mapping[str, int] = field(default_factory=dict)
    weeks: tuple[WeekPoint, ...] = ()

    @property
    def completion_rate(self) -> Decimal | None:
        """Submitted / started, online journeys only (assisted journeys are staff's)."""
        return _ratio(self.submitted, self.started)

    @property
    def digital_take_up(self) -> Decimal | None:
        """Online transactions / transactions by every channel."""
        digital = sum(self.transactions_by_channel.get(name, 0) for name in DIGITAL_CHANNELS)
        return _ratio(digital, sum(self.transactions_by_channel.values()))

    @property
    def cost_per_transaction_pence(self) -> Decimal | None:
        """Total cost of the channels whose cost is set / their transactions."""
        costed = [c for c in self.transactions_by_channel if c in self.cost_per_channel_pence]
        transactions = sum(self.transactions_by_channel[c] for c in costed)
        if not transactions:
            return None
        total = sum(
            self.transactions_by_channel[c] * self.cost_per_channel_pence[c] for c in costed
        )
        return (Decimal(total) / transactions).quantize(Decimal("1"))

    @property
    def user_satisfaction(self) -> Decimal | None:
        """The share of answers that were satisfied or very satisfied."""
        satisfied = sum(self.satisfaction.get(level, 0) for level in SATISFIED_LEVELS)
        return _ratio(satisfied, sum(self.satisfaction.values()))

    @property
    def decided_within_service_level_rate(self) -> Decimal | None:
        return _ratio(self.decided_within_service_level, self.decided)


@dataclass(frozen=True)
class ForecastWeek:
    week_start: date
    submissions: float
    low: float  # the band's lower and upper bounds (80% interval)
    high: float
    caseworker_hours: float | None  # None where no time per case is known yet


@dataclass(frozen=True)
class Forecast:
    service_slug: str
    weeks: tuple[ForecastWeek, ...]
    hours_per_case: float | None
    based_on_weeks: int  # how many weeks of history it was fitted to
    method: str  # in plain words, for the page ("seasonal, from 3 years of weeks")


def _ratio(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))
