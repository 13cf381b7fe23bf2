"""Which team a case goes to: the service's `routing`, applied to the answers.

Pure: a decision over plain values, tested without a database. The first route whose
condition holds wins; with none, the default team. The teams named were checked against
the organisation's when the service was published.
"""

import datetime
from collections.abc import Mapping

from civitas.catalogue.public import ServiceDefinition


def route_case(
    model: ServiceDefinition, answers: Mapping[str, object], *, today: datetime.date
) -> str | None:
    """The slug of the team the case goes to; None when the service routes no case."""
    routing = model.routing
    if routing is None:
        return None
    for route in routing.routes:
        if route.expression is not None:
            expression = model.expression(route.expression)
            # A route reads answers only (definition.py): convert just those it names.
            values = model.expression_values(
                {name: answers[name] for name in expression.names if name in answers}
            )
            if expression.holds(values, today=today):
                return route.team
        elif route.condition is not None and route.condition.holds(answers):
            return route.team
    return routing.default_team
