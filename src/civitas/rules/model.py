"""The in-memory form of a validated rule set.

Instances are only made by ``civitas.rules.loader`` after every validation check has
passed, so code that receives a ``RuleSet`` may rely on: names are unique, expressions are
well typed, variables have no cycles, ``order`` lists variables so that each comes after
everything it uses, and each parameter's periods are in date order with no gaps or
overlaps.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from civitas.rules import datatypes as dt
from civitas.rules.datatypes import ValueType
from civitas.rules.expressions import Node
from civitas.rules.templates import Template
from civitas.rules.values import check, format_limit, format_number


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()

ROLE = "role"
"""The built-in input every member of a group has: which of the group's roles they hold."""
MEMBERS = "members"
"""The key of a decision's inputs that lists the members of the group."""


@dataclass(frozen=True)
class Source:
    """A citation: a short ``reference`` (e.g. "s.45") and where to read it."""

    reference: str
    url: str | None = None
    title: str | None = None

    def to_dict(self) -> dict[str, str]:
        return {
            k: v
            for k, v in (("reference", self.reference), ("url", self.url), ("title", self.title))
            if v is not None
        }


@dataclass(frozen=True)
class Translation:
    """A spec's texts in one language other than English (the spec's own fields are the
    English): its label, its enumeration's labels, its explanation templates. A text the
    file does not translate is None, and the English is used."""

    label: str | None = None
    labels: Mapping[str, str] | None = None
    explain: Template | None = None
    otherwise: Template | None = None


class _Translatable:
    """A spec's texts in a language: its translation's where it has one, else its own
    (English) fields. Only the texts a spec has are ever asked for."""

    translations: Mapping[str, Translation]

    def _text(self, language: str, attribute: str) -> Any:
        translation = self.translations.get(language)
        found = getattr(translation, attribute) if translation is not None else None
        return found if found is not None else getattr(self, attribute)

    def label_in(self, language: str) -> str:
        return str(self._text(language, "label"))

    def labels_in(self, language: str) -> Mapping[str, str] | None:
        labels: Mapping[str, str] | None = self._text(language, "labels")
        return labels

    def explain_in(self, language: str) -> Template | None:
        template: Template | None = self._text(language, "explain")
        return template


@dataclass(frozen=True)
class InputSpec(_Translatable):
    name: str
    vtype: ValueType
    label: str
    description: str | None
    default: object
    minimum: int | None
    maximum: int | None
    allowed: tuple[Any, ...] | None
    labels: Mapping[str, str] | None
    line: int
    per_member: bool = False
    translations: Mapping[str, Translation] = field(default_factory=dict)

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT

    def check(self, value: object) -> object:
        """The canonical value, or ``ValueError`` completing "<input> ..."."""
        checked = check(self.vtype.kind, value, allowed=self.allowed)
        if self.minimum is not None and checked < self.minimum:  # type: ignore[operator]
            raise ValueError(f"must be at least {self.minimum}, not {value!r}")
        if self.maximum is not None and checked > self.maximum:  # type: ignore[operator]
            raise ValueError(f"must be at most {self.maximum}, not {value!r}")
        return checked


@dataclass(frozen=True)
class Period:
    """A value in force from ``start`` to ``end`` inclusive (``end`` None: until replaced)."""

    start: datetime.date
    end: datetime.date | None
    value: Any
    line: int


def range_problem(
    kind: str, minimum: float | None, maximum: float | None, value: Any
) -> str | None:
    """Why ``value`` of ``kind`` is outside ``minimum``..``maximum`` (either may be None),
    completing "<parameter> ...", or None if it is inside."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    if minimum is not None and value < minimum:
        return f"must be at least {format_limit(kind, minimum)}, not {format_number(value)}"
    if maximum is not None and value > maximum:
        return f"must be at most {format_limit(kind, maximum)}, not {format_number(value)}"
    return None


@dataclass(frozen=True)
class ParameterSpec(_Translatable):
    """A value set by law or policy that changes over time.

    ``vtype`` is a table type when the parameter is ``keyed_by`` an enumeration.
    ``explain`` is a template over ``{value}``, ``{key}`` (tables), ``{from}`` and ``{to}``.
    """

    name: str
    vtype: ValueType
    label: str
    description: str | None
    source: Source | None
    keyed_by: str | None
    periods: tuple[Period, ...]
    line: int
    explain: Template | None = None
    translations: Mapping[str, Translation] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    _starts: tuple[datetime.date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(p.start for p in self.periods))

    @property
    def value_kind(self) -> str:
        """The kind of a single value (a table's entries for a table)."""
        if self.vtype.kind == dt.SCALE:
            return dt.SCALE
        return self.vtype.element.kind if self.vtype.element is not None else self.vtype.kind

    def range_problem(self, value: Any) -> str | None:
        """Why ``value`` (one value, or one entry of a table) is outside the parameter's
        declared range, completing "<parameter> ...", or None if it is inside."""
        return range_problem(self.value_kind, self.minimum, self.maximum, value)

    def period_on(self, on: datetime.date) -> Period | None:
        """The period in force on ``on``, or None if the parameter has no value then."""
        index = bisect.bisect_right(self._starts, on) - 1
        if index < 0:
            return None
        period = self.periods[index]
        if period.end is not None and on > period.end:
            return None
        return period


@dataclass(frozen=True)
class VariableSpec(_Translatable):
    name: str
    vtype: ValueType
    label: str
    description: str | None
    expression: Node
    expression_text: str
    source: Source | None
    explain: Template | None
    otherwise: Template | None
    gain_when: str
    labels: Mapping[str, str] | None
    depends_on: tuple[str, ...]
    line: int
    per_member: bool = False
    exceptions: tuple[ExceptionSpec, ...] = ()
    translations: Mapping[str, Translation] = field(default_factory=dict)

    def otherwise_in(self, language: str) -> Template | None:
        template: Template | None = self._text(language, "otherwise")
        return template


@dataclass(frozen=True)
class ExceptionSpec(_Translatable):
    """ "In general the variable's expression, except when ``when`` holds" (default logic).

    The expressions themselves live in the variable's ``Default`` expression node; this
    holds what a reader is told when the exception applied.
    """

    name: str
    label: str
    explain: Template | None
    source: Source | None
    line: int
    translations: Mapping[str, Translation] = field(default_factory=dict)


@dataclass(frozen=True)
class RoleSpec(_Translatable):
    name: str
    label: str
    minimum: int
    maximum: int | None
    translations: Mapping[str, Translation] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupSpec:
    """The group a rule set decides for (a household) and its members (people).

    Inputs and variables marked ``per_member`` hold one value per member; every member has
    the built-in input ``role``, one of ``roles``.
    """

    name: str
    label: str
    member: str
    member_label: str
    roles: Mapping[str, RoleSpec]

    def member_labels(self, roles: Sequence[str], language: str = "en") -> tuple[str, ...]:
        """How each member is named in explanations: "the applicant", "a non-dependant 2"
        (in ``language``: the roles' labels in it)."""
        totals: dict[str, int] = {}
        for role in roles:
            totals[role] = totals.get(role, 0) + 1
        seen: dict[str, int] = {}
        labels = []
        for role in roles:
            seen[role] = seen.get(role, 0) + 1
            label = self.roles[role].label_in(language)
            labels.append(f"{label} {seen[role]}" if totals[role] > 1 else label)
        return tuple(labels)


@dataclass(frozen=True, eq=False)
class RuleSet:
    """A loaded, validated and compiled rule set. Immutable; safe to share between threads."""

    name: str
    title: str
    version: str
    content_hash: str
    path: str
    publisher: str | None
    description: str | None
    sources: tuple[Source, ...]
    inputs: Mapping[str, InputSpec]
    parameters: Mapping[str, ParameterSpec]
    variables: Mapping[str, VariableSpec]
    outputs: tuple[str, ...]
    order: tuple[str, ...]
    valid_from: datetime.date
    valid_to: datetime.date | None
    enum_values: tuple[str, ...]
    programs: dict[str, Any] = field(default_factory=dict, repr=False)
    languages: tuple[str, ...] = ("en",)
    citations_required: bool = False
    group: GroupSpec | None = None

    def per_member(self, name: str) -> bool:
        """Whether input or variable ``name`` holds one value per member of the group."""
        spec = self.inputs.get(name) or self.variables.get(name)
        return spec is not None and spec.per_member

    def kind_of(self, name: str) -> str:
        """``input``, ``parameter``, ``variable`` or ``builtin``."""
        if name in self.inputs:
            return "input"
        if name in self.parameters:
            return "parameter"
        if name in self.variables:
            return "variable"
        return "builtin"

    def label_of(self, name: str, language: str = "en") -> str:
        for group in (self.inputs, self.parameters, self.variables):
            if name in group:
                return group[name].label_in(language)
        return name.replace("_", " ")

    def labels_of(self, name: str, language: str = "en") -> Mapping[str, str] | None:
        """An enumeration's labels in ``language`` (English where not translated)."""
        spec = self.inputs.get(name) or self.variables.get(name)
        return spec.labels_in(language) if spec is not None else None

    def kind_of_value(self, name: str) -> str:
        """The value kind of an input, variable or (scalar) parameter."""
        if name in self.inputs:
            return self.inputs[name].vtype.kind
        if name in self.variables:
            return self.variables[name].vtype.kind
        if name in self.parameters:
            return self.parameters[name].value_kind
        return dt.DATE
