"""What the performance pages show, in words and tables: the KPIs, each chart's one-sentence
summary and its table of numbers. Built from `PublishedFigures` (so the public's pages
show exactly what the open data holds) and drawn without matplotlib; `charts` draws the
SVG from the same numbers, only when a page is rendered.
"""

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from civitas.insights.figures import Forecast
from civitas.insights.published import PublishedDurations, PublishedFigures
from civitas.insights.suppression import Count, Group

# The same words as the feedback form and the channel figures' page use (and translate).
CHANNEL_LABELS = {
    "online": gettext_lazy("Online"),
    "assisted": gettext_lazy("Online, by staff for a caller"),
    "post": gettext_lazy("By post"),
    "phone": gettext_lazy("By phone"),
    "in_person": gettext_lazy("In person"),
}
SATISFACTION_LABELS = {
    "very_satisfied": gettext_lazy("Very satisfied"),
    "satisfied": gettext_lazy("Satisfied"),
    "neither": gettext_lazy("Neither satisfied or dissatisfied"),
    "dissatisfied": gettext_lazy("Dissatisfied"),
    "very_dissatisfied": gettext_lazy("Very dissatisfied"),
}
SERVICE_LEVEL_LABELS = {
    "within": gettext_lazy("Within the service level"),
    "outside": gettext_lazy("Outside the service level"),
}


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ChartSpec:
    """A chart's words and numbers: `kind` "line" (over weeks) or "bar"."""

    chart_id: str
    title: str
    summary: str
    kind: str
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    axis_label: str
    table: Table
    band: tuple[tuple[float, ...], tuple[float, ...]] | None = None
    band_label: str = ""
    svg: str = field(default="", compare=False)


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: str


def count_text(count: Count) -> str:
    if count.value is not None:
        return number_format(count.value, force_grouping=True)
    return _("fewer than 5") if count.reason == "fewer_than_5" else _("withheld")


def percent_text(value: Decimal | None) -> str:
    if value is None:
        return _("not available")
    return f"{(value * 100).quantize(Decimal('0.1'))}%"


def pence_text(value: Decimal | None) -> str:
    if value is None:
        return _("not available")
    return f"£{(value / 100).quantize(Decimal('0.01'))}"


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return _("not available")
    if seconds < 3600:
        minutes = max(1, round(seconds / 60))
        return ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % {"minutes": minutes}
    if seconds < 2 * 86400:
        hours = round(seconds / 3600)
        return ngettext("%(hours)s hour", "%(hours)s hours", hours) % {"hours": hours}
    days = round(seconds / 86400)
    return ngettext("%(days)s day", "%(days)s days", days) % {"days": days}


def kpis(figures: PublishedFigures) -> list[Kpi]:
    return [
        Kpi("completion_rate", _("Completion rate"), percent_text(figures.completion_rate)),
        Kpi("digital_take_up", _("Digital take-up"), percent_text(figures.digital_take_up)),
        Kpi(
            "cost_per_transaction",
            _("Cost per transaction"),
            pence_text(figures.cost_per_transaction_pence),
        ),
        Kpi("user_satisfaction", _("User satisfaction"), percent_text(figures.user_satisfaction)),
    ]


def timings(figures: PublishedFigures) -> Table:
    def row(label: str, durations: PublishedDurations) -> tuple[str, ...]:
        return (
            label,
            duration_text(durations.median_seconds),
            duration_text(durations.p90_seconds),
            count_text(durations.count),
        )

    return Table(
        caption=_("How long it takes"),
        headers=(_("Measure"), _("Median"), _("90th percentile"), _("Out of")),
        rows=(
            row(_("Time to complete the form"), figures.time_to_complete),
            row(_("Time from sending to a decision"), figures.time_to_decision),
        ),
    )


def decisions(figures: PublishedFigures) -> Table:
    return Table(
        caption=_("Decisions"),
        headers=(_("Measure"), _("Figure")),
        rows=(
            (_("Started"), count_text(figures.started)),
            (_("Sent"), count_text(figures.submitted)),
            (_("Abandoned"), count_text(figures.abandoned)),
            (_("Decided"), count_text(figures.decided)),
            *(
                (str(SERVICE_LEVEL_LABELS[name]), count_text(cell))
                for name, cell in figures.service_level.cells.items()
            ),
            (
                _("Share decided within the service level"),
                percent_text(figures.decided_within_service_level_rate),
            ),
        ),
    )


def charts(figures: PublishedFigures, forecast: Forecast | None = None) -> list[ChartSpec]:
    """The charts of a page, in its order: over time (the dashboard's), the funnel, the
    backlog, channels, satisfaction, and the forecast when there is one."""
    specs = [
        *([_weeks_chart(figures)] if figures.weeks else []),
        _funnel_chart(figures),
        # The backlog is a snapshot of now: the service owner's, not the public's.
        *(
            []
            if figures.is_suppressed
            else [
                _group_chart(
                    "backlog",
                    figures.backlog_by_state,
                    title=_("Backlog by state"),
                    axis_label=_("Cases"),
                    label_of=_state_label,
                    summary=_("%(total)s cases are open now; most are %(top)s."),
                    figures=figures,
                ),
            ]
        ),
        _group_chart(
            "channels",
            figures.transactions_by_channel,
            title=_("Transactions by channel"),
            axis_label=_("Transactions"),
            label_of=lambda name: str(CHANNEL_LABELS.get(name, name)),
            summary=_("%(total)s transactions in %(period)s; most were %(top)s."),
            figures=figures,
        ),
        _group_chart(
            "satisfaction",
            figures.satisfaction,
            title=_("User satisfaction"),
            axis_label=_("Answers"),
            label_of=lambda name: str(SATISFACTION_LABELS.get(name, name)),
            summary=_(
                "%(total)s people answered in %(period)s; the most common answer was %(top)s."
            ),
            figures=figures,
        ),
    ]
    if forecast is not None and forecast.weeks:
        specs.append(_forecast_chart(forecast))
    return specs


def _state_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _value(count: Count) -> float | None:
    return None if count.value is None else float(count.value)


def _weeks_chart(figures: PublishedFigures) -> ChartSpec:
    weeks = figures.weeks
    labels = tuple(week.week_start.isoformat() for week in weeks)
    names = (_("Started"), _("Sent"), _("Decided"))
    series = tuple(
        (name, tuple(_value(getattr(week, attribute)) for week in weeks))
        for name, attribute in zip(names, ("started", "submitted", "decided"), strict=True)
    )
    summary = _("No weekly figures can be shown for %(period)s.") % {"period": figures.period}
    for attribute, sentence in (
        (
            "submitted",
            _(
                "Over the %(weeks)s weeks of %(period)s, the most applications were sent in "
                "the week starting %(week)s (%(count)s)."
            ),
        ),
        (
            "started",
            _(
                "Over the %(weeks)s weeks of %(period)s, the most applications were started "
                "in the week starting %(week)s (%(count)s)."
            ),
        ),
    ):
        shown = [week for week in weeks if getattr(week, attribute).value is not None]
        if shown:
            busiest = max(shown, key=lambda week: getattr(week, attribute).value or 0)
            summary = sentence % {
                "weeks": len(weeks),
                "period": figures.period,
                "week": busiest.week_start.isoformat(),
                "count": count_text(getattr(busiest, attribute)),
            }
            break
    return ChartSpec(
        chart_id="weeks",
        title=_("Applications each week"),
        summary=summary,
        kind="line",
        labels=labels,
        series=series,
        axis_label=_("Applications"),
        table=Table(
            caption=_("Applications each week"),
            headers=(_("Week starting"), *names),
            rows=tuple(
                (
                    week.week_start.isoformat(),
                    count_text(week.started),
                    count_text(week.submitted),
                    count_text(week.decided),
                )
                for week in weeks
            ),
        ),
    )


def _funnel_chart(figures: PublishedFigures) -> ChartSpec:
    steps = figures.funnel
    worst = max(
        (step for step in steps if step.validation_errors.value is not None),
        key=lambda step: step.validation_errors.value or 0,
        default=None,
    )
    drops = [
        (earlier, later)
        for earlier, later in itertools.pairwise(steps)
        if earlier.reached.value is not None and later.reached.value is not None
    ]
    biggest_drop = max(
        drops,
        key=lambda pair: (pair[0].reached.value or 0) - (pair[1].reached.value or 0),
        default=None,
    )
    parts = []
    if biggest_drop is not None:
        parts.append(_("Most people stopped after “%(page)s”") % {"page": biggest_drop[0].title})
    if worst is not None and worst.validation_errors.value:
        parts.append(_("most errors were met on “%(page)s”") % {"page": worst.title})
    summary = (
        "; ".join(parts) + "."
        if parts
        else _("There are not enough figures to show where people stop.")
    )
    return ChartSpec(
        chart_id="funnel",
        title=_("Pages reached"),
        summary=summary[0].upper() + summary[1:],
        kind="bar",
        labels=tuple(step.title for step in steps),
        series=((_("People"), tuple(_value(step.reached) for step in steps)),),
        axis_label=_("People who reached the page"),
        table=Table(
            caption=_("Pages reached"),
            headers=(_("Page"), _("People who reached it"), _("Errors shown")),
            rows=tuple(
                (step.title, count_text(step.reached), count_text(step.validation_errors))
                for step in steps
            ),
        ),
    )


def _group_chart(
    chart_id: str,
    group: Group,
    *,
    title: str,
    axis_label: str,
    label_of: Callable[[str], str],
    summary: str,
    figures: PublishedFigures,
) -> ChartSpec:
    names = list(group.cells)
    shown = [name for name in names if group.cells[name].value is not None]
    top = max(shown, key=lambda name: group.cells[name].value or 0, default=None)
    if group.total.value is None:
        text = _("%(title)s: no figures can be shown for %(period)s.") % {
            "title": title,
            "period": figures.period,
        }
    elif top is None:
        text = _("%(title)s: %(total)s in all; each of them is fewer than 5 or withheld.") % {
            "title": title,
            "total": count_text(group.total),
        }
    else:
        text = summary % {
            "total": count_text(group.total),
            "period": figures.period,
            "top": label_of(top).lower(),
        }
    return ChartSpec(
        chart_id=chart_id,
        title=title,
        summary=text,
        kind="bar",
        labels=tuple(label_of(name) for name in names),
        series=((axis_label, tuple(_value(group.cells[name]) for name in names)),),
        axis_label=axis_label,
        table=Table(
            caption=title,
            headers=("", axis_label),
            rows=(
                *((label_of(name), count_text(group.cells[name])) for name in names),
                (_("Total"), count_text(group.total)),
            ),
        ),
    )


def _forecast_chart(forecast: Forecast) -> ChartSpec:
    weeks = forecast.weeks
    total = sum(week.submissions for week in weeks)
    hours = [week.caseworker_hours for week in weeks if week.caseworker_hours is not None]
    summary = _("About %(total)s applications are expected over the next %(weeks)s weeks") % {
        "total": number_format(round(total), force_grouping=True),
        "weeks": len(weeks),
    }
    if len(hours) == len(weeks):
        summary += _(", needing about %(hours)s caseworker hours") % {
            "hours": number_format(round(sum(hours)), force_grouping=True)
        }
    summary += "."

    def hours_text(value: float | None) -> str:
        return _("not known") if value is None else number_format(round(value, 1))

    return ChartSpec(
        chart_id="forecast",
        title=_("Forecast for the next %(weeks)s weeks") % {"weeks": len(weeks)},
        summary=summary,
        kind="line",
        labels=tuple(week.week_start.isoformat() for week in weeks),
        series=((_("Expected applications"), tuple(week.submissions for week in weeks)),),
        axis_label=_("Applications"),
        band=(tuple(week.low for week in weeks), tuple(week.high for week in weeks)),
        band_label=_("Likely range (8 in 10)"),
        table=Table(
            caption=_("Forecast"),
            headers=(
                _("Week starting"),
                _("Expected applications"),
                _("Likely range"),
                _("Caseworker hours"),
            ),
            rows=tuple(
                (
                    week.week_start.isoformat(),
                    number_format(round(week.submissions)),
                    f"{number_format(round(week.low))}–{number_format(round(week.high))}",
                    hours_text(week.caseworker_hours),
                )
                for week in weeks
            ),
        ),
    )


def drawn(specs: Sequence[ChartSpec]) -> list[ChartSpec]:
    """The charts with their SVG: matplotlib is imported here, at the first page drawn."""
    from dataclasses import replace

    from civitas.insights import charts as drawing

    result = []
    for spec in specs:
        if spec.kind == "line":
            svg = drawing.line_chart(
                spec.chart_id,
                spec.labels,
                spec.series,
                y_label=spec.axis_label,
                band=spec.band,
                band_label=spec.band_label,
            )
        else:
            svg = drawing.bar_chart(
                spec.chart_id, spec.labels, spec.series[0][1], x_label=spec.axis_label
            )
        # Named by its summary: the sentence under the chart's heading, on the page.
        svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{spec.chart_id}-summary" ', 1)
        result.append(replace(spec, svg=svg))
    return result
