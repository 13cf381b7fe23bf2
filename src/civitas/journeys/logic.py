"""A definition's expressions over a journey's answers: route conditions, cross-field checks
and computed values. Pure functions over plain values, like flow.py.

The expressions were parsed and type-checked when the version was built (the catalogue's
model holds them compiled); here they only run. Nothing here raises for any answers: an
answer not given, or a division by zero, makes a value missing, a condition not hold and a
check not fail (decision record 0019).
"""

import datetime
from collections.abc import Mapping

from civitas.catalogue.public import Branch, FieldError, Question, QuestionPage, Service
from civitas.journeys import decisions
from civitas.rules.public import MISSING, InputError


def _today(today: datetime.date | None) -> datetime.date:
    return today or datetime.date.today()


class RuleReader:
    """The values the service's rules decide for the answers, decided once, when an
    expression first reads one with `rule("...")`; None while the rules cannot decide."""

    def __init__(
        self, service: Service, answers: Mapping[str, object], today: datetime.date | None
    ) -> None:
        self.service = service
        self.answers = answers
        self.today = today
        self.decided = False
        self.values: Mapping[str, object] = {}

    def __call__(self, name: str) -> object:
        if not self.decided:
            self.decided = True
            try:
                outcome = decisions.rules_outcome(self.service, self.answers, today=self.today)
            except InputError:
                outcome = None
            if outcome is not None:
                self.values = {
                    variable: outcome.decision[variable]
                    for variable in self.service.model.rule_types
                }
        return self.values.get(name)


def expression_values(
    service: Service, answers: Mapping[str, object], *, today: datetime.date | None = None
) -> dict[str, object]:
    """The answers as expressions see them, with every computed value, in order."""
    return service.model.expression_values(
        answers, today=_today(today), rule=RuleReader(service, answers, today)
    )


def branch_holds(
    service: Service,
    branch: Branch,
    answers: Mapping[str, object],
    *,
    today: datetime.date | None = None,
) -> bool:
    """Whether a route's condition holds: structured, or an expression that is true."""
    if branch.expression is not None:
        model = service.model
        expression = model.expression(branch.expression)
        rule = RuleReader(service, answers, today)
        if any(computed.name in expression.names for computed in model.computed):
            values = model.expression_values(answers, today=_today(today), rule=rule)
        else:
            # Routes are walked on every request: convert only the answers this one reads.
            values = model.expression_values(
                {name: answers[name] for name in expression.names if name in answers}
            )
        return expression.holds(values, today=_today(today), rule=rule)
    return branch.condition is None or branch.condition.holds(answers)


def is_shown(
    service: Service,
    page: QuestionPage,
    answers: Mapping[str, object],
    *,
    today: datetime.date | None = None,
) -> bool:
    """Whether a page is asked: it has no `show_if`, or its expression is true."""
    if page.show_if is None:
        return True
    branch = Branch(goto=page.id, expression=page.show_if)
    return branch_holds(service, branch, answers, today=today)


def check_error(
    service: Service,
    question: Question,
    answers: Mapping[str, object],
    *,
    today: datetime.date | None = None,
) -> FieldError | None:
    """The first of a question's cross-field checks that fails for the answers (the
    earlier ones and this question's new one), as the question's error."""
    if not question.checks:
        return None
    values = expression_values(service, answers, today=today)
    rule = RuleReader(service, answers, today)
    for check in question.checks:
        expression = service.model.expression(check.expression)
        if expression.fails(values, today=_today(today), rule=rule):
            return FieldError(check.message, question.error_field)
    return None


def item_check_error(
    service: Service,
    page: QuestionPage,
    question: Question,
    item: Mapping[str, object],
    earlier: Mapping[str, object],
    *,
    today: datetime.date | None = None,
) -> FieldError | None:
    """The first of a repeating group's question's checks that fails for one item: over
    the answers of the pages before the group (and the computed values over them) with the
    item's own answers, each converted by its question's type."""
    if not question.checks:
        return None
    values = expression_values(service, earlier, today=today)
    for asked in page.questions:
        stored = item.get(asked.id)
        values[asked.id] = (
            asked.kind.expression_value(asked, stored) if stored is not None else MISSING
        )
    rule = RuleReader(service, earlier, today)
    for check in question.checks:
        expression = service.model.expression(check.expression)
        if expression.fails(values, today=_today(today), rule=rule):
            return FieldError(check.message, question.error_field)
    return None


def computed_rows(
    service: Service, answers: Mapping[str, object], *, today: datetime.date | None = None
) -> list[tuple[str, str]]:
    """Every computed value for the answers, by its label, shown; a missing one is blank."""
    if not service.model.computed:
        return []
    return service.model.computed_display(expression_values(service, answers, today=today))
