"""Property tests: any inputs within the declared types give an explained decision, and the
vectorised evaluator agrees with decide on them."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitas.rules import datatypes as dt
from civitas.rules import vectorised
from civitas.rules.evaluate import InputError, decide
from civitas.rules.loader import load_rule_set
from civitas.rules.model import InputSpec, RuleSet
from civitas.rules.simulation import parameter_values
from civitas.rules.tests.conftest import COUNCIL_TAX, INCOME_TAX, LANGUAGE, PARKING
from civitas.rules.values import format_money, parse_money

RULE_SETS = {
    path.name: load_rule_set(path) for path in (PARKING, COUNCIL_TAX, INCOME_TAX, LANGUAGE)
}


def _value(spec: InputSpec) -> st.SearchStrategy[Any]:
    kind = spec.vtype.kind
    if spec.allowed is not None:
        return st.sampled_from(spec.allowed)
    if kind == dt.BOOLEAN:
        return st.booleans()
    if kind in (dt.INTEGER, dt.MONEY):
        return st.integers(
            min_value=spec.minimum if spec.minimum is not None else -(10**9),
            max_value=spec.maximum if spec.maximum is not None else 10**9,
        )
    return st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 1, 1))


@st.composite
def cases(draw: st.DrawFn, rule_set: RuleSet) -> dict[str, Any]:
    """Inputs within the declared types; inputs with defaults are sometimes left out."""
    inputs = {}
    for name, spec in rule_set.inputs.items():
        if spec.has_default and draw(st.booleans()):
            continue
        inputs[name] = draw(_value(spec))
    return inputs


def dates(rule_set: RuleSet) -> st.SearchStrategy[datetime.date]:
    return st.dates(
        min_value=rule_set.valid_from,
        max_value=rule_set.valid_to or datetime.date(2030, 12, 31),
    )


@pytest.mark.parametrize("name", list(RULE_SETS))
def test_random_inputs_within_the_declared_types_always_give_an_explained_decision(
    name: str,
) -> None:
    rule_set = RULE_SETS[name]

    @settings(max_examples=150, deadline=None)
    @given(inputs=cases(rule_set), on=dates(rule_set))
    def check(inputs: dict[str, Any], on: datetime.date) -> None:
        decision = decide(rule_set, inputs, on)
        assert decision.explanation
        assert all(sentence.strip() for sentence in decision.explanation)
        assert "{" not in " ".join(decision.explanation)
        assert set(decision.outputs) == set(rule_set.outputs)
        for output in rule_set.outputs:
            assert decision.trace[output].relevant
        for name, value in decision.values.items():
            kind = rule_set.variables[name].vtype.kind
            if kind in (dt.MONEY, dt.INTEGER):
                assert type(value) is int

    check()


@pytest.mark.parametrize("name", list(RULE_SETS))
def test_vectorised_evaluation_agrees_with_decide_on_random_cases(name: str) -> None:
    rule_set = RULE_SETS[name]

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(batch=st.lists(cases(rule_set), min_size=1, max_size=20), on=dates(rule_set))
    def check(batch: list[dict[str, Any]], on: datetime.date) -> None:
        decisions = [decide(rule_set, inputs, on) for inputs in batch]
        columns = {
            name: np.array(
                [vectorised.encode(rule_set, spec.vtype.kind, d.inputs[name]) for d in decisions]
            )
            for name, spec in rule_set.inputs.items()
        }
        run = vectorised.VectorRun(
            columns,
            len(batch),
            vectorised.vector_parameters(rule_set, parameter_values(rule_set, on)),
            on,
        )
        values = vectorised.evaluate(rule_set, run, list(rule_set.variables))
        for variable, column in values.items():
            kind = rule_set.variables[variable].vtype.kind
            assert vectorised.decode(rule_set, kind, column) == [
                d.values[variable] for d in decisions
            ], variable

    check()


WRONG_VALUES = {
    dt.BOOLEAN: st.sampled_from(["yes", "true", 1, 0, 2.5]),
    dt.INTEGER: st.one_of(st.text(max_size=3), st.floats(allow_nan=False), st.booleans()),
    dt.MONEY: st.one_of(st.text(max_size=3), st.floats(allow_nan=False), st.booleans()),
    dt.ENUMERATION: st.one_of(st.integers(), st.text(max_size=3).filter(lambda t: t != "A")),
    dt.DATE: st.one_of(st.integers(), st.text(max_size=5)),
}


def test_a_badly_typed_input_always_raises_input_error_naming_it() -> None:
    rule_set = RULE_SETS[PARKING.name]

    @settings(max_examples=150, deadline=None)
    @given(inputs=cases(rule_set), data=st.data())
    def check(inputs: dict[str, Any], data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(list(rule_set.inputs)))
        spec = rule_set.inputs[name]
        wrong = data.draw(WRONG_VALUES[spec.vtype.kind])
        if spec.allowed is not None and wrong in spec.allowed:
            return
        with pytest.raises(InputError) as caught:
            decide(rule_set, {**inputs, name: wrong}, datetime.date(2026, 4, 1))
        assert caught.value.name == name

    check()


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_money_shown_to_people_reads_back_as_the_same_pence(pence: int) -> None:
    assert parse_money(format_money(pence)) == pence
