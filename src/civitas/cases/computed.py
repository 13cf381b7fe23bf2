"""A case's computed values (the definition's `computed` section), worked out as staff and
the applicant's emails show them: as of the day the case was submitted, reading the rules'
values from the decision recorded with it, so they never drift as days pass."""

import datetime
from collections.abc import Mapping

from django.utils import timezone

from civitas.catalogue.public import Service


def case_computed_display(
    service: Service,
    answers: Mapping[str, object],
    *,
    submitted_at: datetime.datetime | None,
    decision: Mapping[str, object] | None,
    sensitive: bool | None = None,
) -> list[tuple[str, str]]:
    """Each computed value as (label, text), in the definition's order: one over an answer
    not given, or a rule the decision does not record, is blank. `submitted_at` None (a
    case not yet stored) means today; `decision` None, that no rules decided. `sensitive`
    False: only those that read no sensitive answer; True: only those that do."""
    model = service.model
    if not model.computed:
        return []
    recorded = (decision or {}).get("values")
    decided: Mapping[str, object] = recorded if isinstance(recorded, Mapping) else {}

    def rule(name: str) -> object:
        value = decided.get(name)
        vtype = model.rule_types.get(name)
        if isinstance(value, str) and vtype is not None and vtype.kind == "date":
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                return None
        return value

    day = timezone.localdate(submitted_at) if submitted_at else timezone.localdate()
    values = model.expression_values(answers, today=day, rule=rule)
    return model.computed_display(values, sensitive=sensitive)


def case_value(
    service: Service,
    name: str,
    answers: Mapping[str, object],
    *,
    submitted_at: datetime.datetime | None,
    decision: Mapping[str, object] | None,
) -> object:
    """The value an expression would read under `name` (an answer or a computed value) for
    the case, as of the day it was submitted; None when it has none."""
    recorded = (decision or {}).get("values")
    decided: Mapping[str, object] = recorded if isinstance(recorded, Mapping) else {}
    day = timezone.localdate(submitted_at) if submitted_at else timezone.localdate()
    values = service.model.expression_values(answers, today=day, rule=decided.get)
    return values.get(name)
