"""The rules of a journey through a service: pure functions over plain values.

A journey is the answers given so far. The route through the service is recomputed from
them on every request, so a citizen can only see, answer or submit the pages the route
reaches, whatever they type in the address bar or post. A service with rules (see
decisions.py) also ends the route on its ineligible page as soon as the rules have the
answers they need and say the citizen cannot have what they are applying for.
"""

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from civitas.catalogue.public import Service, normalise_postcode
from civitas.journeys import decisions
from civitas.platform.input_guards import has_unsafe_characters, is_only_invisible
from civitas.rules.public import format_date

# The UK postcode format (BS 7666), allowing a missing or extra space.
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
# Current (since 2001), prefix, suffix and dateless formats, without spaces.
REGISTRATION = re.compile(
    r"^([A-Z]{2}[0-9]{2}[A-Z]{3}|[A-Z][0-9]{1,3}[A-Z]{3}|[A-Z]{3}[0-9]{1,3}[A-Z]"
    r"|[0-9]{1,4}[A-Z]{1,3}|[A-Z]{1,3}[0-9]{1,4})$"
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Each part of a date as digits 0-9 (int() also reads other scripts' digits), checked
# before int() and date(), which overflow on a year such as 9999999999.
DATE_PARTS = {
    "day": re.compile(r"[0-9]{1,2}"),
    "month": re.compile(r"[0-9]{1,2}"),
    "year": re.compile(r"[0-9]{4}"),
}
DEFAULT_ERRORS = {
    "required": "Answer this question",
    "invalid": "Enter a valid answer",
    "unsafe_characters": (
        "Your answer includes characters that cannot be used. Try typing it rather than pasting it"
    ),
    "too_long": "Your answer must be {max_length} characters or fewer",
    "too_early": "The date is too early",
    "too_late": "The date is too late",
}


@dataclass(frozen=True)
class FieldError:
    """An error for one question; `field` is the input the error summary links to."""

    message: str
    field: str


@dataclass(frozen=True)
class AnswerResult:
    value: str | None
    error: FieldError | None = None
    derived: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """Where the answers given so far lead."""

    pages: list[str]
    """Pages on the route in order, up to and including the current one."""
    current: str | None
    """The first page still to answer, or None when every question on the route is answered."""
    exit_page: str | None = None
    """An exit page the route ended on: the citizen cannot go on."""

    @property
    def is_complete(self) -> bool:
        return self.current is None and self.exit_page is None


def _message(question: dict[str, Any], kind: str) -> str:
    text = question.get("error_messages", {}).get(kind) or DEFAULT_ERRORS[kind]
    return text.format(max_length=question.get("max_length", ""))


def clean_answer(
    service: Service, page: dict[str, Any], raw: dict[str, str], *, today: datetime.date
) -> AnswerResult:
    """Validates what was typed for a page's question and returns the value to store.

    `raw` holds the posted fields: the question id, or `<id>-day`/`-month`/`-year` for
    dates. Every value stored is a string, so answers serialise the same everywhere.
    """
    question = page["question"]
    qid = question["id"]
    kind = question["type"]
    if kind == "date":
        return _clean_date(service, question, raw, today=today)
    text = (raw.get(qid) or "").strip()
    if is_only_invisible(text):
        return AnswerResult(None, FieldError(_message(question, "required"), qid))
    if has_unsafe_characters(text):
        return AnswerResult(None, FieldError(_message(question, "unsafe_characters"), qid))
    if len(text) > question.get("max_length", 500):
        return AnswerResult(text, FieldError(_message(question, "too_long"), qid))
    if kind == "radios":
        values = [option["value"] for option in question["options"]]
        if text not in values:
            return AnswerResult(None, FieldError(_message(question, "required"), f"{qid}"))
        return AnswerResult(text)
    if kind == "email":
        if not EMAIL.match(text):
            return AnswerResult(text, FieldError(_message(question, "invalid"), qid))
        return AnswerResult(text)
    if kind == "postcode":
        compact = re.sub(r"\s+", "", text).upper()
        if not POSTCODE.match(compact):
            return AnswerResult(text, FieldError(_message(question, "invalid"), qid))
        value = normalise_postcode(compact)
        derived = {
            name: service.lookup(spec["lookup"], value)
            for name, spec in page.get("derive", {}).items()
        }
        return AnswerResult(value, derived=derived)
    if kind == "vehicle_registration":
        compact = re.sub(r"\s+", "", text).upper()
        if not REGISTRATION.match(compact):
            return AnswerResult(text, FieldError(_message(question, "invalid"), qid))
        return AnswerResult(compact)
    return AnswerResult(text)


def _clean_date(
    service: Service, question: dict[str, Any], raw: dict[str, str], *, today: datetime.date
) -> AnswerResult:
    qid = question["id"]
    parts = {part: (raw.get(f"{qid}-{part}") or "").strip() for part in ("day", "month", "year")}
    typed = f"{parts['year']}-{parts['month']}-{parts['day']}"
    if not any(parts.values()):
        return AnswerResult(None, FieldError(_message(question, "required"), f"{qid}-day"))
    wrong = next(
        (part for part, value in parts.items() if not DATE_PARTS[part].fullmatch(value)), None
    )
    if wrong:
        return AnswerResult(typed, FieldError(_message(question, "invalid"), f"{qid}-{wrong}"))
    try:
        value = datetime.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        return AnswerResult(typed, FieldError(_message(question, "invalid"), f"{qid}-day"))
    earliest = question.get("earliest_days_from_today")
    if earliest is not None and value < today + datetime.timedelta(days=earliest):
        return AnswerResult(typed, FieldError(_message(question, "too_early"), f"{qid}-day"))
    latest = question.get("latest_days_from_today")
    if latest is not None and value > today + datetime.timedelta(days=latest):
        return AnswerResult(typed, FieldError(_message(question, "too_late"), f"{qid}-day"))
    uncovered = _outside_the_rules(service, qid, value)
    if uncovered:
        return AnswerResult(typed, FieldError(uncovered, f"{qid}-day"))
    return AnswerResult(value.isoformat())


def _outside_the_rules(service: Service, qid: str, value: datetime.date) -> str | None:
    """Why the rules cannot decide as of this date, when it is the decision's date."""
    spec = decisions.rules_spec(service)
    if not spec or spec.get("decision_date") != qid:
        return None
    rule_set = decisions.rule_set_of(service)
    if value < rule_set.valid_from:
        return f"The date must be on or after {format_date(rule_set.valid_from)}"
    if rule_set.valid_to is not None and value > rule_set.valid_to:
        return f"The date must be on or before {format_date(rule_set.valid_to)}"
    return None


def _holds(condition: dict[str, Any], answers: dict[str, Any]) -> bool:
    value = answers.get(condition["answer"])
    if "is" in condition:
        return (value in (None, "")) == (condition["is"] == "missing")
    if "equals" in condition:
        return value == condition["equals"]
    return value in condition["in"]


def next_page_id(service: Service, page: dict[str, Any], answers: dict[str, Any]) -> str | None:
    for route in page.get("next", []):
        if "if" not in route or _holds(route["if"], answers):
            return route["goto"]
    position = service.page_index(page["id"]) + 1
    # Exit pages are only reached by an explicit route, never by falling through.
    while position < len(service.pages) and service.pages[position].get("kind") == "exit":
        position += 1
    return service.pages[position]["id"] if position < len(service.pages) else None


def route(
    service: Service, answers: dict[str, Any], *, today: datetime.date | None = None
) -> Route:
    """Walks the service from its first page using the answers given.

    `today` is the date of the request, used only by rules that decide as of today.
    """
    visited: list[str] = []
    given: set[str] = set()
    eligibility = _EligibilityCheck(service, answers, today)
    page_id: str | None = service.pages[0]["id"]
    while page_id is not None:
        page = service.page(page_id)
        visited.append(page_id)
        if page.get("kind") == "exit":
            return Route(visited, None, exit_page=page_id)
        if answers.get(page["question"]["id"]) in (None, ""):
            return Route(visited, page_id)
        given.add(page["question"]["id"])
        given.update(page.get("derive", {}))
        exit_page = eligibility.exit_page(given)
        if exit_page:
            return Route([*visited, exit_page], None, exit_page=exit_page)
        page_id = next_page_id(service, page, answers)
    exit_page = eligibility.exit_page(given, at_end=True)
    if exit_page:
        return Route([*visited, exit_page], None, exit_page=exit_page)
    return Route(visited, None)


class _EligibilityCheck:
    """Asks the rules once, as soon as the route has passed every answer they take (or
    at the end of the route, if some are not on it), whether the citizen is eligible."""

    def __init__(
        self, service: Service, answers: dict[str, Any], today: datetime.date | None
    ) -> None:
        spec = decisions.rules_spec(service) or {}
        self.service = service
        self.answers = answers
        self.today = today
        self.page = spec.get("ineligible_page") if spec.get("eligible") else None
        self.needed = decisions.answers_needed(service)
        self.done = self.page is None

    def exit_page(self, given: set[str], *, at_end: bool = False) -> str | None:
        if self.done or not (at_end or self.needed <= given):
            return None
        self.done = True
        known = {answer: self.answers[answer] for answer in given if answer in self.answers}
        outcome = decisions.rules_outcome(self.service, known, today=self.today)
        return self.page if outcome is not None and not outcome.is_eligible else None


def answers_on_route(service: Service, answers: dict[str, Any], on: Route) -> dict[str, Any]:
    """Only the answers for pages the route `on` passes, with what they derived.

    Answers left behind by a changed earlier answer are dropped, so they are never shown
    on the check-answers page or submitted. Dropping them does not change the route,
    which depends only on the answers it passes, so `on` stays the route of the result.
    """
    kept: dict[str, Any] = {}
    for page_id in on.pages:
        page = service.page(page_id)
        if page.get("question"):
            qid = page["question"]["id"]
            if qid in answers:
                kept[qid] = answers[qid]
            for derived in page.get("derive", {}):
                if derived in answers:
                    kept[derived] = answers[derived]
    return kept


@dataclass(frozen=True)
class Fee:
    """The fee for an application, and how it was worked out."""

    pence: int
    explanation: tuple[str, ...] = ()
    """Sentences for the citizen; empty for a fee from a fee table."""
    decision: dict[str, Any] | None = None
    """The rules' decision to keep with the case (see decisions.RulesOutcome.record)."""
    rules_title: str | None = None
    decided_on: datetime.date | None = None


def fee_for(service: Service, answers: dict[str, Any], *, today: datetime.date) -> Fee | None:
    """The fee for a complete set of answers, from the service's rules or its fee table.

    None when the service charges no fee, or its rules do not decide one for these answers.
    """
    outcome = decisions.rules_outcome(service, answers, today=today)
    if outcome is not None:
        if outcome.fee_pence is None:
            return None
        return Fee(
            pence=outcome.fee_pence,
            explanation=outcome.explanation,
            decision=outcome.record(),
            rules_title=outcome.decision.rule_set_title,
            decided_on=outcome.decided_on,
        )
    pence = fee_pence(service, answers)
    return Fee(pence) if pence is not None else None


def fee_pence(service: Service, answers: dict[str, Any]) -> int | None:
    """The fee from the definition's fee table, or None if the service has no fee table."""
    fees = service.definition.get("fees")
    if not fees:
        return None
    cell: Any = fees["table"]
    for key in fees["by"]:
        cell = cell.get(answers.get(key)) if isinstance(cell, dict) else None
    return cell if isinstance(cell, int) else None


def display_answer(question: dict[str, Any], value: str | None) -> str:
    if value is None:
        return ""
    if question["type"] == "radios":
        for option in question["options"]:
            if option["value"] == value:
                return option["label"]
    if question["type"] == "date":
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            return value
        return f"{day.day} {day:%B} {day.year}"
    return value


@dataclass
class SubmissionCheck:
    answers: dict[str, Any]
    errors: dict[str, str]


def check_submission(
    service: Service, raw_answers: dict[str, Any], *, today: datetime.date
) -> SubmissionCheck:
    """Validates a whole application at once, as the API receives it.

    Every answer is cleaned exactly as the pages clean it; answers for pages the route
    does not reach are an error, not silently dropped, so a client learns of its mistake.
    """
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    remaining = dict(raw_answers)
    eligibility = _EligibilityCheck(service, answers, today)
    page_id: str | None = service.pages[0]["id"]
    while page_id is not None:
        page = service.page(page_id)
        if page.get("kind") == "exit":
            errors[""] = f"the answers lead to '{page_id}': {page['title']}"
            break
        question = page["question"]
        qid = question["id"]
        supplied = remaining.pop(qid, None)
        if question["type"] == "date":
            raw = _date_parts(qid, supplied)
        else:
            raw = {qid: supplied if isinstance(supplied, str) else ""}
        result = clean_answer(service, page, raw, today=today)
        if result.error:
            errors[qid] = result.error.message
            break
        answers[qid] = result.value
        answers.update(result.derived)
        page_id = eligibility.exit_page(set(answers)) or next_page_id(service, page, answers)
    else:
        page_id = eligibility.exit_page(set(answers), at_end=True)
        if page_id:
            errors[""] = f"the answers lead to '{page_id}': {service.page(page_id)['title']}"
    for unexpected in remaining:
        errors[unexpected] = "this question is not on the route for these answers"
    return SubmissionCheck(answers=answers, errors=errors)


def _date_parts(qid: str, supplied: Any) -> dict[str, str]:
    if not isinstance(supplied, str):
        return {}
    try:
        day = datetime.date.fromisoformat(supplied)
    except ValueError:
        return {f"{qid}-day": "x", f"{qid}-month": "x", f"{qid}-year": "x"}
    return {
        f"{qid}-day": str(day.day),
        f"{qid}-month": str(day.month),
        f"{qid}-year": str(day.year),
    }
