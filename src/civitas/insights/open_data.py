"""The figures as open data: one JSON document, and the same as CSV rows (one row per
figure, named by its path in the JSON), so the two always agree.

A count is `{"value": 12}`, or `{"value": null, "suppressed": "fewer_than_5"}` (or
`"withheld"`, decision 0059). Rates are fractions from 0 to 1, null where not shown.
"""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from civitas.insights.figures import Forecast
from civitas.insights.published import PublishedDurations, PublishedFigures
from civitas.insights.suppression import Count, Group

CSV_HEADER = ("figure", "value", "suppressed")

JSONDict = dict[str, Any]


def figures_document(figures: PublishedFigures, forecast: Forecast | None = None) -> JSONDict:
    """The figures as a JSON object (and, for the service owner, the forecast)."""
    period = figures.period
    document: JSONDict = {
        "service": {"slug": figures.service_slug, "name": figures.service_name},
        "period": {
            "label": period.label,
            "kind": period.kind,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "channel": figures.channel,
        "suppressed": figures.is_suppressed,
        "counts": {
            "started": _count(figures.started),
            "submitted": _count(figures.submitted),
            "abandoned": _count(figures.abandoned),
            "decided": _count(figures.decided),
        },
        "kpis": {
            "completion_rate": _number(figures.completion_rate),
            "digital_take_up": _number(figures.digital_take_up),
            "cost_per_transaction_pence": _number(figures.cost_per_transaction_pence),
            "user_satisfaction": _number(figures.user_satisfaction),
            "decided_within_service_level_rate": _number(figures.decided_within_service_level_rate),
        },
        "time_to_complete": _durations(figures.time_to_complete),
        "time_to_decision": _durations(figures.time_to_decision),
        "transactions_by_channel": _group(figures.transactions_by_channel),
        "cost_per_channel_pence": dict(figures.cost_per_channel_pence),
        "satisfaction": _group(figures.satisfaction),
        "service_level": _group(figures.service_level),
        "backlog_by_state": _group(figures.backlog_by_state),
        "funnel": [
            {
                "page": step.page,
                "title": step.title,
                "reached": _count(step.reached),
                "validation_errors": _count(step.validation_errors),
            }
            for step in figures.funnel
        ],
        "weeks": [
            {
                "week_start": week.week_start.isoformat(),
                "started": _count(week.started),
                "submitted": _count(week.submitted),
                "decided": _count(week.decided),
            }
            for week in figures.weeks
        ],
    }
    if figures.errors_by_question:
        document["errors_by_question"] = {
            question: _count(count) for question, count in figures.errors_by_question.items()
        }
    if forecast is not None:
        document["forecast"] = {
            "method": forecast.method,
            "based_on_weeks": forecast.based_on_weeks,
            "hours_per_case": forecast.hours_per_case,
            "weeks": [
                {
                    "week_start": week.week_start.isoformat(),
                    "submissions": round(week.submissions, 1),
                    "low": round(week.low, 1),
                    "high": round(week.high, 1),
                    "caseworker_hours": None
                    if week.caseworker_hours is None
                    else round(week.caseworker_hours, 1),
                }
                for week in forecast.weeks
            ],
        }
    return document


# Lists are keyed by what names an item, so that a row's figure reads as a path.
_ITEM_KEYS = ("page", "week_start")


def csv_rows(document: JSONDict) -> Iterator[tuple[str, str, str]]:
    """The document's figures as (figure, value, suppressed) rows, in the JSON's order."""
    yield from _flatten("", document)


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, str, str]]:
    if isinstance(value, dict) and "value" in value and set(value) <= {"value", "suppressed"}:
        yield prefix, _text(value["value"]), value.get("suppressed") or ""
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(f"{prefix}.{key}" if prefix else key, item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            name = next(
                (str(item[k]) for k in _ITEM_KEYS if isinstance(item, dict) and k in item),
                str(index),
            )
            fields = (
                {k: v for k, v in item.items() if k not in _ITEM_KEYS}
                if isinstance(item, dict)
                else item
            )
            yield from _flatten(f"{prefix}.{name}", fields)
    else:
        yield prefix, _text(value), ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _count(count: Count) -> JSONDict:
    if count.is_shown:
        return {"value": count.value}
    return {"value": None, "suppressed": count.reason}


def _group(group: Group) -> JSONDict:
    return {
        "total": _count(group.total),
        "cells": {name: _count(cell) for name, cell in group.cells.items()},
    }


def _durations(durations: PublishedDurations) -> JSONDict:
    return {
        "count": _count(durations.count),
        "median_seconds": durations.median_seconds,
        "p90_seconds": durations.p90_seconds,
    }


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
