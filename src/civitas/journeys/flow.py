"""The rules of a journey through a service: pure functions over plain values.

A journey is the answers given so far. The route through the service is recomputed from
them on every request, so a citizen can only see, answer or submit the pages the route
reaches, whatever they type in the address bar or post. A service with rules (see
decisions.py) also ends the route on its ineligible page as soon as the rules have the
answers they need and say the citizen cannot have what they are applying for.

Each question's own checks are its type's (the catalogue's question types); what a page's
answer means for the journey is here: the values it derives from the service's data
tables, and whether the service's rules can decide as of a date it gives.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from civitas.catalogue.public import (
    DEFAULT_ERRORS,
    ExitPage,
    FieldError,
    FormFields,
    Page,
    Question,
    QuestionPage,
    Repeat,
    Service,
    posted_list,
)
from civitas.journeys import decisions, logic
from civitas.platform.jsontypes import JSONObject, JSONValue
from civitas.rules.public import DecisionPeriod, InputError, format_date

Answers = dict[str, JSONValue]
"""Answers by id, as JSON values (decision record 0016): a string for most questions, a
list of strings for checkboxes, None for an optional question left blank. An answer is
given when its id is among the answers, whatever its value. A derived value is a string."""


@dataclass(frozen=True)
class AnswerResult:
    """What a page's posted fields make: every question's answer, or the errors."""

    values: dict[str, JSONValue] = field(default_factory=dict)
    """The answers to store by question id; empty when there is an error."""
    errors: dict[str, FieldError] = field(default_factory=dict)
    """The error of each question in error by its id, in the page's order."""
    derived: dict[str, str | None] = field(default_factory=dict)
    pending: Mapping[str, str] | None = None
    """The fields to draw the page with again, when the post was a step within the
    question and not an answer (see catalogue Cleaned.pending): nothing to store."""

    @property
    def error(self) -> FieldError | None:
        """The first error, if any."""
        return next(iter(self.errors.values()), None)

    @property
    def value(self) -> JSONValue:
        """The answer of a one-question page (None when there is an error)."""
        return next(iter(self.values.values()), None)


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

    @property
    def stop(self) -> str | None:
        """Where the citizen goes next: the exit page the route ended on, or the first
        question still to answer; None when the route is complete."""
        return self.exit_page or self.current


def clean_answer(
    service: Service,
    page: QuestionPage,
    raw: Mapping[str, str],
    *,
    today: datetime.date,
    answers: Mapping[str, JSONValue] | None = None,
) -> AnswerResult:
    """Validates what was posted for a page's questions and returns the values to store,
    with the values they derive; or every question's error, and nothing to store.

    `raw` holds the posted fields (each question's type says which: the question id, or
    `<id>-day`/`-month`/`-year` for dates). Every value stored is a JSON value, so answers
    serialise the same everywhere. `answers` are those given so far: the questions'
    cross-field checks read the answers of earlier pages with the page's new ones.
    """
    values: dict[str, JSONValue] = {}
    errors: dict[str, FieldError] = {}
    pending: dict[str, list[str]] | None = None
    for question in page.questions:
        cleaned = question.clean(raw, today=today)
        if cleaned.pending is not None:
            pending = pending or {}
            pending.update({name: [value] for name, value in cleaned.pending.items()})
            continue
        if cleaned.error is not None:
            errors[question.id] = _named(page, question, cleaned.error)
            continue
        uncovered = _outside_the_rules(service, question.id, cleaned.value)
        if uncovered:
            errors[question.id] = FieldError(uncovered, question.error_field)
            continue
        values[question.id] = cleaned.value
    if errors:
        # Nothing of a page is stored unless all of it is valid.
        return AnswerResult(errors=errors)
    if pending is not None:
        # A step within a question: the page again, with what was typed for the others.
        for name in raw:
            if name not in pending and _belongs_to_page(page, name):
                pending[name] = posted_list(raw, name)
        return AnswerResult(pending=FormFields(pending))
    # Definitions derive only from a page of one question (definition.py checks it).
    asked = page.questions[0]
    first = values[asked.id]
    derived = {
        derivation.name: service.lookup(derivation.lookup, asked.lookup_key(first))
        if isinstance(first, str)
        else None
        for derivation in page.derive
    }
    failed = _failed_checks(service, page, {**values, **derived}, answers or {}, today)
    if failed:
        return AnswerResult(errors=failed)
    return AnswerResult(values, derived=derived)


def _failed_checks(
    service: Service,
    page: QuestionPage,
    page_answers: Mapping[str, JSONValue],
    answers: Mapping[str, JSONValue],
    today: datetime.date | None,
) -> dict[str, FieldError]:
    """The page's questions whose cross-field checks fail, over the answers of earlier
    pages with the page's own."""
    checked = [question for question in page.questions if question.checks]
    if not checked:
        return {}
    given = _earlier_answers(service, page, answers)
    failed = {}
    if page.repeat is not None:
        # An item's checks read its own answers over the earlier pages' (decision 0019).
        for question in checked:
            error = logic.item_check_error(
                service, page, question, page_answers, given, today=today
            )
            if error is not None:
                failed[question.id] = error
        return failed
    given.update(page_answers)
    for question in checked:
        error = logic.check_error(service, question, given, today=today)
        if error is not None:
            failed[question.id] = error
    return failed


def _own_answers(page: QuestionPage, answers: Mapping[str, JSONValue]) -> dict[str, JSONValue]:
    names = {*page.answer_ids, *(derivation.name for derivation in page.derive)}
    return {name: value for name, value in answers.items() if name in names}


def _without(page: QuestionPage, answers: Mapping[str, JSONValue]) -> dict[str, JSONValue]:
    """The answers as a skipped page leaves them: without its own, which are not asked."""
    names = {*page.answer_ids, *(derivation.name for derivation in page.derive)}
    return {name: value for name, value in answers.items() if name not in names}


def _earlier_answers(
    service: Service, page: QuestionPage, answers: Mapping[str, JSONValue]
) -> dict[str, JSONValue]:
    """The answers of pages before `page`: a check never reads an answer kept from a later
    page (after a change), which the citizen has not confirmed on this route yet."""
    position = service.page_index(page.id)
    earlier = {}
    for name, value in answers.items():
        asked_on = service.page_for_answer(name)
        if asked_on is None or service.page_index(asked_on.id) < position:
            earlier[name] = value
    return earlier


def _belongs_to_page(page: QuestionPage, name: str) -> bool:
    """Whether a posted field is one of the page's questions' (`<id>` or `<id>-...`)."""
    return any(name == answer or name.startswith(answer + "-") for answer in page.answer_ids)


def _named(page: QuestionPage, question: Question, error: FieldError) -> FieldError:
    """On a page of several questions, the platform's "Answer this question" would not
    say which: it names the question, as GOV.UK's "Enter your first name" does. A
    definition's own message, or a type's, is left as written."""
    if not page.is_group or error.message != DEFAULT_ERRORS["required"]:
        return error
    label = question.label.rstrip()
    if label.endswith("?"):
        return FieldError(f"Answer '{label}'", error.field, error.refusal)
    verb = "Select" if question.kind.takes_options or question.type == "yes_no" else "Enter"
    return FieldError(f"{verb} {label[:1].lower()}{label[1:]}", error.field, error.refusal)


def _outside_the_rules(service: Service, answer: str, value: JSONValue) -> str | None:
    """Why the rules cannot decide as of this date, when the answer gives the decision's
    date (the definition's checks make it a date question, stored as YYYY-MM-DD)."""
    spec = decisions.rules_spec(service)
    if spec is None or spec.decision_date != answer or not isinstance(value, str):
        return None
    rule_set = decisions.rule_set_of(service)
    assert rule_set is not None
    day = datetime.date.fromisoformat(value)
    if day < rule_set.valid_from:
        return f"The date must be on or after {format_date(rule_set.valid_from)}"
    if rule_set.valid_to is not None and day > rule_set.valid_to:
        return f"The date must be on or before {format_date(rule_set.valid_to)}"
    return None


def record_answer(
    service: Service,
    page: QuestionPage,
    answers: Mapping[str, JSONValue],
    result: AnswerResult,
    *,
    today: datetime.date,
) -> tuple[Answers, Route]:
    """The answers with a page's new (valid) answer, and the route they now take.

    What the page derived before is replaced (a value the data table has no row for is
    left out), and answers the new route no longer passes are dropped.
    """
    updated = dict(answers)
    updated.update(result.values)
    for derivation in page.derive:
        updated.pop(derivation.name, None)
    updated.update({name: value for name, value in result.derived.items() if value is not None})
    new_route = route(service, updated, today=today)
    return _answers_still_possible(service, updated, new_route), new_route


def next_page_id(
    service: Service,
    page: QuestionPage,
    answers: Mapping[str, JSONValue],
    *,
    today: datetime.date | None = None,
) -> str | None:
    for branch in page.next:
        if logic.branch_holds(service, branch, answers, today=today):
            return branch.goto
    pages = service.pages
    position = service.page_index(page.id) + 1
    # Exit pages are only reached by an explicit route, never by falling through.
    while position < len(pages) and isinstance(pages[position], ExitPage):
        position += 1
    return pages[position].id if position < len(pages) else None


def _page(service: Service, page_id: str) -> Page:
    page = service.page(page_id)
    if page is None:
        # The definition's checks make every route go to a page that exists.
        raise LookupError(f"{service.path} has no page '{page_id}'")
    return page


def route(
    service: Service, answers: Mapping[str, JSONValue], *, today: datetime.date | None = None
) -> Route:
    """Walks the service from its first page using the answers given.

    `today` is the date of the request, used only by rules that decide as of today.
    """
    visited: list[str] = []
    given: set[str] = set()
    eligibility = _EligibilityCheck(service, answers, today)
    page_id: str | None = service.model.first_page.id
    while page_id is not None:
        page = _page(service, page_id)
        visited.append(page_id)
        if isinstance(page, ExitPage):
            return Route(visited, None, exit_page=page_id)
        if not logic.is_shown(service, page, answers, today=today):
            visited.pop()
            page_id = next_page_id(service, page, _without(page, answers), today=today)
            continue
        if not is_answered(page, answers):
            return Route(visited, page_id)
        if _failed_checks(service, page, _own_answers(page, answers), answers, today):
            # An earlier answer was changed so that this one no longer passes its checks:
            # the citizen answers this page again, rather than submit what cannot be true.
            return Route(visited, page_id)
        given.update(page.answer_ids)
        given.update(derivation.name for derivation in page.derive)
        exit_page = eligibility.exit_page(given)
        if exit_page:
            return Route([*visited, exit_page], None, exit_page=exit_page)
        page_id = next_page_id(service, page, answers, today=today)
    exit_page = eligibility.exit_page(given, at_end=True)
    if exit_page:
        return Route([*visited, exit_page], None, exit_page=exit_page)
    return Route(visited, None)


def is_answered(page: QuestionPage, answers: Mapping[str, JSONValue]) -> bool:
    """Whether every question on the page is answered: an optional question left blank
    is answered (with None); a required one never holds None or "". A repeating group is
    answered once the citizen says they have no more items to add."""
    if page.repeat is not None:
        return isinstance(answers.get(page.id), list)
    return all(
        answer in answers and (answers[answer] not in (None, "") or question.optional)
        for question in page.questions
        for answer in (question.id,)
    )


class _EligibilityCheck:
    """Asks the rules once, as soon as the route has passed every answer they take (or
    at the end of the route, if some are not on it), whether the citizen is eligible."""

    def __init__(
        self, service: Service, answers: Mapping[str, JSONValue], today: datetime.date | None
    ) -> None:
        spec = decisions.rules_spec(service)
        self.service = service
        self.answers = answers
        self.today = today
        self.page = spec.ineligible_page if spec is not None and spec.eligible else None
        self.needed = decisions.answers_needed(service)
        self.done = self.page is None

    def exit_page(self, given: set[str], *, at_end: bool = False) -> str | None:
        if self.done or not (at_end or self.needed <= given):
            return None
        self.done = True
        known = {answer: self.answers[answer] for answer in given if answer in self.answers}
        outcome = decisions.rules_outcome(self.service, known, today=self.today)
        return self.page if outcome is not None and not outcome.is_eligible else None


def answers_on_route(service: Service, answers: Mapping[str, JSONValue], on: Route) -> Answers:
    """Only the answers for pages the route `on` passes, with what they derived.

    Answers left behind by a changed earlier answer are dropped, so they are never shown
    on the check-answers page or submitted. Dropping them does not change the route,
    which depends only on the answers it passes, so `on` stays the route of the result.
    """
    kept: Answers = {}
    for page_id in on.pages:
        page = _page(service, page_id)
        if isinstance(page, QuestionPage):
            for answer in page.answer_ids:
                if answer in answers:
                    kept[answer] = answers[answer]
            for derivation in page.derive:
                if derivation.name in answers:
                    kept[derivation.name] = answers[derivation.name]
    return kept


def _answers_still_possible(
    service: Service, answers: Mapping[str, JSONValue], on: Route
) -> Answers:
    """The answers the route passes, and those of pages after where it stops.

    Routes only go forward, so a page before the route's last page that the route skips
    can never be on it again: its answer is dropped. A page after it may still be reached
    once the citizen answers a page a change has opened, so its answer is kept and the
    route joins up with it (GOV.UK: a change does not make people answer again what still
    applies). A complete route keeps only its own answers.
    """
    kept = answers_on_route(service, answers, on)
    if on.is_complete:
        return kept
    frontier = max(service.page_index(page_id) for page_id in on.pages)
    for page in service.pages[frontier + 1 :]:
        if isinstance(page, QuestionPage):
            names = [*page.answer_ids, *(derivation.name for derivation in page.derive)]
            kept.update({name: answers[name] for name in names if name in answers})
    return kept


def asked_answers(service: Service, answers: Mapping[str, JSONValue]) -> Answers:
    """Only the answers to questions (not the values they derived): what an application
    is made of, as an API client sends it."""
    return {answer: value for answer, value in answers.items() if service.model.is_asked(answer)}


def _check_items(
    service: Service,
    page: QuestionPage,
    sent: object,
    today: datetime.date,
    answers: Mapping[str, JSONValue] | None = None,
) -> tuple[list[JSONValue], dict[str, str]]:
    """A repeating group's items as an API client sent them: each cleaned as its page
    cleans it. Errors are keyed `<group>` for the list, `<group>/<n>/<answer>` (n from 1)
    for one item's answer."""
    repeat = page.repeat
    assert repeat is not None
    if not isinstance(sent, list):
        return [], {page.id: f"Give a list of {repeat.items}"}
    if not repeat.min <= len(sent) <= repeat.max:
        return [], {page.id: _count_problem(page, len(sent))}
    items: list[JSONValue] = []
    errors: dict[str, str] = {}
    for position, item in enumerate(sent, 1):
        where = f"{page.id}/{position}"
        if not isinstance(item, dict):
            errors[where] = f"Give each {repeat.item} as an object of answers"
            continue
        for unexpected in sorted(set(item) - {question.id for question in page.questions}):
            errors[f"{where}/{unexpected}"] = "this question is not asked of each item"
        result = clean_answer(service, page, page_fields(page, item), today=today, answers=answers)
        for question in page.questions:
            value = item.get(question.id)
            if value is not None and not question.fields_for(value):
                errors[f"{where}/{question.id}"] = question.error_text("invalid")
            elif question.id in result.errors:
                errors[f"{where}/{question.id}"] = result.errors[question.id].message
        items.append(result.values)
    return items, errors


def _count_problem(page: QuestionPage, count: int) -> str:
    repeat = page.repeat
    assert repeat is not None
    if count < repeat.min:
        return f"You must add at least {repeat.min} {_noun(repeat, repeat.min)}"
    return f"You cannot add more than {repeat.max} {_noun(repeat, repeat.max)}"


def _noun(repeat: Repeat, count: int) -> str:
    return repeat.item if count == 1 else repeat.items


def count_problem(page: QuestionPage, count: int) -> str | None:
    """Why a repeating group cannot end with this many items, if it cannot."""
    repeat = page.repeat
    assert repeat is not None
    return None if repeat.min <= count <= repeat.max else _count_problem(page, count)


def record_items(
    service: Service,
    page: QuestionPage,
    answers: Mapping[str, JSONValue],
    items: list[JSONValue],
    *,
    today: datetime.date,
) -> tuple[Answers, Route]:
    """The answers with a repeating group's list of items as its answer (the citizen
    has no more to add), and the route they now take."""
    return record_answer(service, page, answers, AnswerResult({page.id: items}), today=today)


def page_fields(page: QuestionPage, sent: Mapping[str, object]) -> FormFields:
    """The form fields that hold answers to a page's questions: the stored ones, shown
    again on the page, or those an API client sent, which the page's questions then check
    as if they had been posted."""
    fields: dict[str, list[str]] = {}
    for question in page.questions:
        held = question.fields_for(sent.get(question.id))
        for name in held:
            fields[name] = posted_list(held, name)
    return FormFields(fields)


@dataclass(frozen=True)
class Fee:
    """The fee for an application, and how it was worked out."""

    pence: int
    explanation: tuple[str, ...] = ()
    """Sentences for the citizen; empty for a fee from a fee table."""
    decision: JSONObject | None = None
    """The rules' decision to keep with the case (see decisions.RulesOutcome.record)."""
    rules_title: str | None = None
    rules_name: str | None = None
    rules_version: str | None = None
    rules_sha256: str | None = None
    """The rule set that decided it, by name, version and content hash."""
    decided_on: datetime.date | None = None
    period: DecisionPeriod | None = None
    """The period the rules decided over (a tax year), or None for a decision on a day."""
    explained_in: str = "en"
    """The language of the explanation: English where the rules have no Welsh."""


def fee_for(
    service: Service, answers: Mapping[str, JSONValue], *, today: datetime.date
) -> Fee | None:
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
            rules_name=outcome.decision.rule_set_name,
            rules_version=outcome.decision.rule_set_version,
            rules_sha256=outcome.decision.rule_set_hash,
            decided_on=outcome.decided_on,
            period=outcome.decision.period,
            explained_in=outcome.decision.language,
        )
    pence = fee_pence(service, answers)
    return Fee(pence) if pence is not None else None


@dataclass(frozen=True)
class Estimate:
    """What the service's rules estimate the citizen will get, and how it was worked out."""

    pence: int
    label: str
    """What the service calls it ("Estimated Council Tax Reduction for a year")."""
    variable: str
    """The rules' variable it is."""
    explanation: tuple[str, ...]
    decision: JSONObject
    """The rules' decision to keep with the case (see decisions.RulesOutcome.record)."""
    rules_title: str
    rules_name: str
    rules_version: str
    rules_sha256: str
    decided_on: datetime.date
    period: DecisionPeriod | None = None
    """The period the rules decided over (a tax year), or None for a decision on a day."""
    explained_in: str = "en"
    """The language of the explanation: English where the rules have no Welsh."""
    note: str = ""
    """What the service tells the citizen about the estimate; "" for the platform's words."""

    def record(self) -> JSONObject:
        """The estimate to keep with the case, beside the decision behind it."""
        return {"variable": self.variable, "pence": self.pence}


def estimate_for(
    service: Service, answers: Mapping[str, JSONValue], *, today: datetime.date
) -> Estimate | None:
    """The rules' estimate for a complete set of answers, for a service that shows one.

    None for a service without an estimate, and when the rules cannot decide: a computed
    value outside the limits of the input it gives (a household income above what the
    rules take) leaves the application without an estimate, for staff to work out.
    """
    spec = decisions.rules_spec(service)
    if spec is None or spec.estimate is None:
        return None
    try:
        outcome = decisions.rules_outcome(service, answers, today=today)
    except InputError:
        return None
    if outcome is None or outcome.estimate_pence is None:
        return None
    return Estimate(
        pence=outcome.estimate_pence,
        label=spec.estimate.label,
        variable=spec.estimate.value,
        explanation=outcome.explanation,
        decision=outcome.record(),
        rules_title=outcome.decision.rule_set_title,
        rules_name=outcome.decision.rule_set_name,
        rules_version=str(outcome.decision.rule_set_version),
        rules_sha256=outcome.decision.rule_set_hash,
        decided_on=outcome.decided_on,
        period=outcome.decision.period,
        explained_in=outcome.decision.language,
        note=spec.estimate.note,
    )


def fee_pence(service: Service, answers: Mapping[str, JSONValue]) -> int | None:
    """The fee from the definition's fee table, or None if the service has no fee table."""
    fees = service.model.fees
    return fees.pence_for(answers) if fees is not None else None


@dataclass
class SubmissionCheck:
    answers: Answers
    """The answers to store, with what they derive."""
    errors: dict[str, str]
    """Messages by answer id; "" for the application as a whole."""


def check_submission(
    service: Service, raw_answers: Mapping[str, object], *, today: datetime.date
) -> SubmissionCheck:
    """Validates a whole application at once, as the API receives it.

    Every answer is cleaned exactly as the pages clean it; answers for pages the route
    does not reach are an error, not silently dropped, so a client learns of its mistake.
    The walk stops at the first page in error. The route beyond it is not known, so the
    answers after it are each checked on their own (a bad format is reported, a place on
    the route is not): one bad answer is one error. An answer to no question is reported.
    """
    answers: Answers = {}
    errors: dict[str, str] = {}
    remaining = dict(raw_answers)
    eligibility = _EligibilityCheck(service, answers, today)
    page_id: str | None = service.model.first_page.id
    while page_id is not None:
        page = _page(service, page_id)
        if isinstance(page, ExitPage):
            errors[""] = f"the answers lead to '{page_id}': {page.title}"
            break
        if not logic.is_shown(service, page, answers, today=today):
            page_id = next_page_id(service, page, answers, today=today)
            continue
        if page.repeat is not None:
            items, item_errors = _check_items(
                service, page, remaining.pop(page.id, None), today, answers
            )
            if item_errors:
                errors.update(item_errors)
                break
            answers[page.id] = items
            page_id = eligibility.exit_page(set(answers)) or next_page_id(
                service, page, answers, today=today
            )
            continue
        sent = {answer: remaining.pop(answer, None) for answer in page.answer_ids}
        result = clean_answer(service, page, page_fields(page, sent), today=today, answers=answers)
        # A value of the wrong JSON type (a number for a text, a string for a list) holds
        # no fields, so it is missing: an error, even for an optional question, which would
        # take it as blank.
        wrong_type = {
            question.id: question.error_text("invalid")
            for question in page.questions
            if question.optional
            and sent[question.id] is not None
            and not question.fields_for(sent[question.id])
        }
        page_errors = {answer: error.message for answer, error in result.errors.items()}
        page_errors.update(wrong_type)
        if page_errors:
            errors.update(page_errors)
            break
        if result.pending is not None:
            # Only a page posts a step within a question; an answer given whole is
            # an answer or an error, but guard the store all the same.
            errors[page.answer_ids[0]] = "Answer this question"
            break
        answers.update(result.values)
        answers.update(result.derived)
        page_id = eligibility.exit_page(set(answers)) or next_page_id(
            service, page, answers, today=today
        )
    else:
        page_id = eligibility.exit_page(set(answers), at_end=True)
        if page_id:
            exit_page = _page(service, page_id)
            title = exit_page.title if isinstance(exit_page, ExitPage) else page_id
            errors[""] = f"the answers lead to '{page_id}': {title}"
    walked_to_the_end = not errors
    for unexpected, value in remaining.items():
        question = service.model.question(unexpected)
        if not service.model.is_asked(unexpected):
            errors[unexpected] = "this is not a question this service asks"
        elif walked_to_the_end:
            errors[unexpected] = "this question is not on the route for these answers"
        elif question is not None:
            # The route beyond an answer in error is unknown (it may turn on that answer),
            # so the answers after it are neither on it nor off it: each is only checked
            # on its own, and one bad answer is one error.
            cleaned = question.clean(question.fields_for(value), today=today)
            if cleaned.error is not None:
                errors[unexpected] = cleaned.error.message
    return SubmissionCheck(answers=answers, errors=errors)
