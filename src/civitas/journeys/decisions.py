"""What a service's rules decide from a journey's answers: eligibility and the fee, explained.

Pure functions over plain values, like flow.py. The rule set used is the one embedded in
the published service version (the catalogue pins it by its content hash), never the file
on disk, so the fee a citizen is shown, the fee their case records and the rules that
worked it out always agree.
"""

import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from civitas.catalogue.public import MemberSource, RulesSpec, Service, active_language
from civitas.platform.jsontypes import JSONObject
from civitas.rules.public import (
    MEMBERS,
    MISSING,
    ROLE,
    Decision,
    DecisionPeriod,
    InputError,
    RuleSet,
    decide,
    load_rule_set_source,
    read_input,
)


@dataclass(frozen=True)
class RulesOutcome:
    """A decision of the service's rules for one set of answers."""

    decision: Decision
    fee_variable: str | None
    eligible_variable: str | None
    estimate_variable: str | None = None

    @property
    def is_eligible(self) -> bool:
        if self.eligible_variable is None:
            return True
        return bool(self.decision[self.eligible_variable])

    @property
    def fee_pence(self) -> int | None:
        if self.fee_variable is None or not self.is_eligible:
            return None
        return int(self.decision[self.fee_variable])

    @property
    def estimate_pence(self) -> int | None:
        """The value the service shows as an estimate (a benefit: none is £0), if it does."""
        if self.estimate_variable is None:
            return None
        return int(self.decision[self.estimate_variable])

    @property
    def explanation(self) -> tuple[str, ...]:
        """Plain sentences for the citizen, in the order they need them, in the language of
        the page they were worked out for (English where the rules have no Welsh)."""
        return self.decision.explanation

    @property
    def reasons_not_eligible(self) -> tuple[str, ...]:
        """The explanation for a refusal: without the fee's sentence, as there is no fee."""
        fee_sentence = (
            self.decision.trace[self.fee_variable].sentence if self.fee_variable else None
        )
        return tuple(sentence for sentence in self.explanation if sentence != fee_sentence)

    @property
    def decided_on(self) -> datetime.date:
        return self.decision.on

    def record(self) -> JSONObject:
        """The decision to keep with the case.

        Everything but the per-variable trace, which the pinned rule set, these inputs and
        this date reproduce exactly (decisions are deterministic), and which is ten times
        the size.
        """
        record: JSONObject = self.decision.to_dict(trace=False)
        return record


def rules_spec(service: Service) -> RulesSpec | None:
    """The definition's `rules` section, or None for a service without rules."""
    return service.model.rules


def rule_set_of(service: Service) -> RuleSet | None:
    """The rule set pinned in the published version (compiled once per process)."""
    spec = rules_spec(service)
    if spec is None:
        return None
    embedded = spec.embedded
    return _compiled(embedded.source, filename=f"{service.slug}@{service.version}:{embedded.file}")


@functools.lru_cache(maxsize=64)
def _compiled(source: str, *, filename: str) -> RuleSet:
    # Keyed by the source text itself: a str caches its own hash, so a journey's several
    # look-ups per request no longer hash the whole rule file each time.
    return load_rule_set_source(source, filename=filename)


def answers_needed(service: Service) -> frozenset[str]:
    """The answers the rules take, including the one that gives the decision's date; for
    an input given by a computed value, the answers that value is worked out from."""
    spec = rules_spec(service)
    if spec is None:
        return frozenset()
    reads = _computed_reads(service)
    needed: set[str] = set()
    for name in spec.inputs.values():
        needed |= reads.get(name, {name})
    for source in spec.members:
        if source.group is not None:
            needed.add(source.group)
        else:
            for name in source.inputs.values():
                needed |= reads.get(name, {name})
    if spec.decision_date:
        needed.add(spec.decision_date)
    return frozenset(needed)


def _computed_reads(service: Service) -> dict[str, set[str]]:
    """The answers each computed value reads, through the computed values it uses."""
    model = service.model
    reads: dict[str, set[str]] = {}
    for computed in model.computed:
        names = model.expression(computed.expression).names
        reads[computed.name] = set().union(*(reads.get(name, {name}) for name in names))
    return reads


def decision_date(
    service: Service, answers: Mapping[str, object], *, today: datetime.date | None
) -> datetime.date | None:
    """The date the rules are applied as of: the answer named by `decision_date` (a
    permit's start date), the first day of the rules' `period` (a tax year), or today.
    None when that answer is not given yet."""
    spec = rules_spec(service)
    if spec is not None and spec.period is not None:
        return spec.period.start
    answer = spec.decision_date if spec is not None else None
    if answer is None:
        return today or datetime.date.today()
    value = answers.get(answer)
    return datetime.date.fromisoformat(value) if isinstance(value, str) and value else None


def rules_outcome(
    service: Service, answers: Mapping[str, object], *, today: datetime.date | None = None
) -> RulesOutcome | None:
    """What the service's rules decide for these answers.

    None for a service without rules, or while an answer the rules need (one for an input
    without a default, or the decision's date) is still missing. Raises the rules'
    `InputError` for an answer the rules cannot take, which the catalogue's checks on
    publishing and the answer checks in flow.py rule out for fees and eligibility; for an
    estimate, a computed value out of an input's range or a household that does not fit
    the rules' roles (two partners) leaves the application for staff to work out.
    """
    spec = rules_spec(service)
    if spec is None:
        return None
    rule_set = rule_set_of(service)
    assert rule_set is not None
    on = decision_date(service, answers, today=today)
    if on is None:
        return None
    computed_names = {computed.name for computed in service.model.computed}
    computed: Mapping[str, object] = {}
    applicant_answers = [
        answer
        for source in spec.members
        if source.group is None
        for answer in source.inputs.values()
    ]
    if computed_names & {*spec.inputs.values(), *applicant_answers}:
        # Computed values that give inputs never read the rules (definition.py checks
        # it), so they are worked out without them.
        computed = service.model.expression_values(answers, today=today or datetime.date.today())
    inputs = _inputs(rule_set, spec.inputs, spec.includes, answers, computed, computed_names)
    if inputs is None:
        return None
    key: tuple[tuple[str, Any], ...] = tuple(sorted(inputs.items()))
    if spec.members:
        members = _members(rule_set, spec.members, answers, computed, computed_names)
        if members is None:
            return None
        # Hashable for the decision cache: one tuple of (input, value) pairs per member.
        key += ((MEMBERS, tuple(tuple(sorted(member.items())) for member in members)),)
    decision = _decide(rule_set, key, on, active_language(), spec.period)
    estimate = spec.estimate.value if spec.estimate is not None else None
    return RulesOutcome(decision, spec.fee, spec.eligible, estimate)


def _input_value(
    rule_set: RuleSet,
    name: str,
    answer: str,
    answers: Mapping[str, object],
    computed: Mapping[str, object],
    computed_names: set[str],
    includes: str | None = None,
) -> object | None:
    """The rule input ``name`` from its answer or computed value; None when not given."""
    if answer in computed_names:
        value = computed.get(answer, MISSING)
        if value is MISSING or value is None:
            return None
        # Typed as the input by definition.py; its range is only known now, so one
        # outside the input's limits is the rules' InputError, as for any input.
        return _checked(rule_set, name, value)
    value = answers.get(answer)
    if isinstance(value, list):
        return _from_checkboxes(rule_set, name, value, includes)
    # Other rule inputs come from answers that are strings (definition.py checks it).
    if not isinstance(value, str) or not value:
        return None
    return read_input(rule_set, name, value)


def _from_checkboxes(
    rule_set: RuleSet, name: str, chosen: list[object], includes: str | None
) -> object | None:
    """A checkboxes answer (its chosen values, in the question's order) as the rule input
    ``name``: whether ``includes`` is chosen, for a true or false input; otherwise the first
    chosen value the enumeration has, or None (the input's default) when none is."""
    if includes is not None:
        return _checked(rule_set, name, includes in chosen)
    allowed = rule_set.inputs[name].vtype.values or frozenset()
    first = next((value for value in chosen if value in allowed), None)
    return None if first is None else read_input(rule_set, name, str(first))


def _members(
    rule_set: RuleSet,
    sources: tuple[MemberSource, ...],
    answers: Mapping[str, object],
    computed: Mapping[str, object],
    computed_names: set[str],
) -> list[dict[str, Any]] | None:
    """The household the rules decide for: the applicant from the journey's answers, and
    one member for each item of the repeating groups named; None while one is missing."""
    members: list[dict[str, Any]] = []
    for source in sources:
        if source.group is None:
            items: list[Any] = [answers]
            names = computed_names
        else:
            group = answers.get(source.group)
            if not isinstance(group, list):
                return None  # the group is not answered yet
            items, names = group, set()
        for item in items:
            if not isinstance(item, Mapping):
                return None
            role = source.role or source.roles.get(str(item.get(source.role_answer or "")))
            if role is None:
                return None
            given = _inputs(rule_set, source.inputs, source.includes, item, computed, names)
            if given is None:
                return None
            members.append({ROLE: role, **given})
    return members


def _inputs(
    rule_set: RuleSet,
    mapping: Mapping[str, str],
    includes: Mapping[str, str],
    answers: Mapping[str, object],
    computed: Mapping[str, object],
    computed_names: set[str],
) -> dict[str, Any] | None:
    """The rule inputs ``mapping`` names, from ``answers`` (the journey's, or one item's);
    an input not given takes its default, and None means one without a default is still
    missing."""
    inputs: dict[str, Any] = {}
    for name, answer in mapping.items():
        value = _input_value(
            rule_set, name, answer, answers, computed, computed_names, includes.get(name)
        )
        if value is not None:
            inputs[name] = value
        elif not rule_set.inputs[name].has_default:
            return None
    return inputs


def _checked(rule_set: RuleSet, name: str, value: object) -> object:
    try:
        return rule_set.inputs[name].check(value)
    except ValueError as error:
        raise InputError(name, str(error)) from None


# Pages call for the same decision several times a request (route, fee, summary); the
# rule sets live as long as the process, so keying by the rule set object is safe. The
# explanation is written in the citizen's language (the page's: its sentences, labels and
# dates), so the language is in the key.
@functools.lru_cache(maxsize=4096)
def _decide(
    rule_set: RuleSet,
    inputs: tuple[tuple[str, Any], ...],
    on: datetime.date,
    language: str,
    period: DecisionPeriod | None = None,
) -> Decision:
    given: dict[str, Any] = dict(inputs)
    if MEMBERS in given:
        given[MEMBERS] = [dict(member) for member in given[MEMBERS]]
    if period is not None:
        return decide(rule_set, given, period=period, language=language)
    return decide(rule_set, given, on=on, language=language)
