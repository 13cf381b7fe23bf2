"""Vectorised evaluation of a rule set over many cases at once, with NumPy.

The same expression trees that ``decide`` runs one case at a time are compiled to NumPy
operations over whole columns, so a population of a million rows costs a few dozen array
operations rather than a million Python calls.

Representation of values in arrays:

- boolean: ``bool``; integer and whole money: ``int64`` (pence); part-pence money and
  numbers: ``float64``;
- date: ``int64`` days since 1970-01-01;
- enumeration: ``int32`` codes, indexes into ``RuleSet.enum_values`` (one code space for the
  whole rule set, so values of different enumerations compare correctly).

A value that does not vary between rows (a parameter, or a variable computed only from
parameters) stays a NumPy/Python scalar and broadcasts.

For a rule set with a group (households of people), a row is a group and ``Members`` holds
the members' columns, one element per member, sorted by the row of their group. A
per-member value is an array over members; a group value used in a per-member expression
is projected onto the members (``value[owner]``), and the aggregations reduce a
per-member array to one value per group: ``sum``, ``min`` and ``max`` with
``ufunc.reduceat`` over the groups' first members, which is exact for whole pence;
``count``, ``any`` and ``all`` from the members for whom the condition holds (or fails).

Laziness matches ``decide``: a division by zero is an error only in rows where the division
is actually reached (``?:``, ``and`` and ``or`` narrow the rows that are "active").

Integer and money arithmetic never wraps round: every value ``evaluate.range_checked``
names, and every fraction about to be made whole, is checked to lie within
``±WHOLE_LIMIT`` (2**53) in the active rows, as ``decide`` checks it, with one minimum and
one maximum over the result; whole-number products that could pass 2**62 are first worked
out in floating point, so int64 never overflows.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from civitas.rules import datatypes as dt
from civitas.rules.evaluate import out_of_range, range_checked
from civitas.rules.expressions import (
    AGGREGATIONS,
    COMPARISONS,
    CONVERSIONS,
    Binary,
    Call,
    Conditional,
    Default,
    ListLiteral,
    Literal,
    Lookup,
    Name,
    Node,
    Unary,
    walk,
)
from civitas.rules.model import RuleSet
from civitas.rules.scales import Scale
from civitas.rules.values import WHOLE_LIMIT

EPOCH = datetime.date(1970, 1, 1)

Mask = np.ndarray | None
VectorEvaluator = Callable[["VectorRun", Mask], Any]


class VectorEvaluationError(ArithmeticError):
    """A rule could not be applied to one row. ``row`` is the 0-based row index."""

    def __init__(self, variable: str, row: int, message: str) -> None:
        super().__init__(f"variable '{variable}', row {row}: {message}")
        self.variable = variable
        self.row = row
        self.message = message


class _RowError(Exception):
    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.message = message


class Members:
    """The members of every group: their input columns and the group each belongs to.

    ``owner[i]`` is the row of member ``i``'s group; members are sorted by it, so the
    members of row ``r`` are ``starts[r]`` up to ``starts[r + 1]``. Every group has at least
    one member (``from_owner`` checks).
    """

    def __init__(self, columns: Mapping[str, np.ndarray], owner: np.ndarray, rows: int) -> None:
        self.columns = columns
        self.owner = owner
        self.count = len(owner)
        self.starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]) if len(owner) else owner
        self.rows = rows

    @classmethod
    def from_owner(cls, columns: Mapping[str, np.ndarray], owner: np.ndarray, rows: int) -> Members:
        """Members in any order; raises ``ValueError`` naming a group with no member."""
        owner = np.asarray(owner, dtype=np.int64)
        if len(owner) and np.any(owner[1:] < owner[:-1]):
            order = np.argsort(owner, kind="stable")
            owner = owner[order]
            columns = {name: column[order] for name, column in columns.items()}
        present = np.zeros(rows, dtype=np.bool_)
        present[owner] = True
        if not present.all():
            raise ValueError(f"row {int(np.argmin(present))} has no members")
        return cls(columns, owner, rows)

    def project(self, value: Any) -> Any:
        """A group value for each member (a scalar stays a scalar)."""
        return value if _is_scalar(value) else value[self.owner]


class VectorRun:
    """The columns and parameter values for one vectorised evaluation."""

    def __init__(
        self,
        columns: Mapping[str, np.ndarray],
        rows: int,
        parameters: Mapping[str, Any],
        on: datetime.date,
        members: Members | None = None,
    ) -> None:
        self.columns = columns
        self.rows = rows
        self.parameters = parameters
        self.on_days = (on - EPOCH).days
        self.values: dict[str, Any] = {}
        self.members = members
        # Nodes whose values this run cannot take out of range (``_safe_nodes``).
        self.safe: frozenset[int] = frozenset()

    @property
    def group(self) -> Members:
        assert self.members is not None, "the rule set has a group: give its members"
        return self.members


def date_to_days(value: datetime.date) -> int:
    return (value - EPOCH).days


def encode(rule_set: RuleSet, kind: str, value: Any) -> Any:
    """A Python value in its array representation (enumeration code, days)."""
    if kind == dt.ENUMERATION:
        return rule_set.programs["codes"][value]
    if kind == dt.DATE:
        return date_to_days(value)
    return value


def decode(rule_set: RuleSet, kind: str, values: np.ndarray) -> list[Any]:
    """An array back to Python values, as ``decide`` would report them."""
    if kind == dt.ENUMERATION:
        names = rule_set.enum_values
        return [names[int(code)] for code in values]
    if kind == dt.DATE:
        return [EPOCH + datetime.timedelta(days=int(d)) for d in values]
    if kind == dt.BOOLEAN:
        return [bool(v) for v in values]
    if kind in (dt.INTEGER, dt.MONEY):
        return [int(v) for v in values]
    return [float(v) for v in values]


def vector_parameters(rule_set: RuleSet, values: Mapping[str, Any]) -> dict[str, Any]:
    """Parameter values (as in force on a date, or overridden) in array representation.

    ``values`` maps every parameter name to its Python value (a dict for tables).
    """
    prepared: dict[str, Any] = {}
    size = len(rule_set.enum_values)
    dtypes = {
        dt.BOOLEAN: np.bool_,
        dt.INTEGER: np.int64,
        dt.MONEY: np.int64,
        dt.NUMBER: np.float64,
        dt.DATE: np.int64,
    }
    for name, spec in rule_set.parameters.items():
        value = values[name]
        kind = spec.value_kind
        if spec.vtype.kind == dt.SCALE:
            prepared[name] = VectorScale(value)
        elif spec.vtype.kind == dt.TABLE:
            # Indexed by enumeration code; codes outside the table's keys are never looked
            # up (the type checker proved the key's values are all in the table).
            table: np.ndarray = np.zeros(size, dtype=dtypes[kind])
            for key, entry in value.items():
                table[rule_set.programs["codes"][key]] = encode(rule_set, kind, entry)
            prepared[name] = table
        else:
            prepared[name] = encode(rule_set, kind, value)
    return prepared


def needed_variables(rule_set: RuleSet, names: Iterable[str]) -> list[str]:
    """``names`` and every variable they depend on, in evaluation order."""
    needed: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        needed.add(name)
        pending.extend(d for d in rule_set.variables[name].depends_on if d in rule_set.variables)
    return [name for name in rule_set.order if name in needed]


def evaluate(rule_set: RuleSet, run: VectorRun, names: Iterable[str]) -> dict[str, np.ndarray]:
    """Evaluate the variables ``names`` (and what they need) for every row.

    Returns full-length arrays. Raises ``VectorEvaluationError`` for the first row where a
    rule divides by zero.
    """
    program: Mapping[str, VectorEvaluator] = rule_set.programs["vector"]
    wanted = list(names)
    run.safe = _safe_nodes(rule_set, run.parameters)
    with np.errstate(all="ignore"):
        for name in needed_variables(rule_set, wanted):
            per_member = rule_set.variables[name].per_member
            try:
                value = program[name](run, None)
            except _RowError as error:
                row = int(run.group.owner[error.row]) if per_member else error.row
                whose = (
                    f"member {error.row - int(run.group.starts[row]) + 1}: " if per_member else ""
                )
                raise VectorEvaluationError(name, row, whose + error.message) from None
            run.values[name] = _store(rule_set.variables[name].vtype.kind, value)
    return {
        name: _full(run.values[name], run.group.count if rule_set.per_member(name) else run.rows)
        for name in wanted
    }


def _full(value: Any, rows: int) -> np.ndarray:
    array = np.asarray(value)
    if array.ndim == 0:
        return np.full(rows, array[()])
    return array


def _store(kind: str, value: Any) -> Any:
    if kind in (dt.INTEGER, dt.MONEY, dt.DATE):
        return _as_int(value)
    if kind == dt.NUMBER:
        return value.astype(np.float64) if isinstance(value, np.ndarray) else float(value)
    if kind == dt.BOOLEAN:
        return value.astype(np.bool_) if isinstance(value, np.ndarray) else bool(value)
    return value


def _as_int(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value if value.dtype == np.int64 else value.astype(np.int64)
    return int(value)


def _is_scalar(value: Any) -> bool:
    return np.ndim(value) == 0


def _narrow(active: Mask, condition: Any) -> Mask:
    narrowed: Mask = condition if active is None else np.logical_and(active, condition)
    return narrowed


def _divides(node: Node) -> bool:
    """Whether evaluating ``node`` can fail for a row (a division by zero, an amount out of
    range): such a branch is evaluated only for the rows that reach it."""
    return any(
        (isinstance(n, Binary) and n.op in ("/", "//"))
        or (isinstance(n, Call) and n.function in ("round", "floor", "ceil"))
        or range_checked(n)
        for n in walk(node)
    )


_WRAP_SAFE = 2**62
"""Products of int64 values up to this size cannot wrap round."""


def _first_bad_row(bad: Any, active: Mask) -> int | None:
    """The first active row where ``bad`` holds, or None."""
    if _is_scalar(bad):
        if not bad:
            return None
        if active is None:
            return 0
        return int(np.argmax(active)) if np.any(active) else None
    if active is not None:
        bad = np.logical_and(bad, active)
    if not bad.any():
        return None
    return int(np.argmax(bad))


def _check_range(value: Any, active: Mask, text: str) -> None:
    """Raise ``_RowError`` for the first active row where ``value`` is outside
    ``±WHOLE_LIMIT`` (or not a number). One min and one max when all is well."""
    if _is_scalar(value):
        if -WHOLE_LIMIT <= value <= WHOLE_LIMIT:
            return
        row = _first_bad_row(True, active)
        if row is not None:
            raise _RowError(row, out_of_range(text, _python(value)))
        return
    if value.size == 0:
        return
    if value.min() >= -WHOLE_LIMIT and value.max() <= WHOLE_LIMIT:
        return
    inside = np.logical_and(value >= -WHOLE_LIMIT, value <= WHOLE_LIMIT)
    row = _first_bad_row(np.logical_not(inside), active)
    if row is not None:
        raise _RowError(row, out_of_range(text, _python(value[row])))


def _python(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _bounded(node: Node, inner: VectorEvaluator) -> VectorEvaluator:
    text = node.text
    key = id(node)

    def evaluate(run: VectorRun, active: Mask) -> Any:
        value = inner(run, active)
        if key not in run.safe:
            _check_range(value, active, text)
        return value

    return evaluate


def _safe_nodes(rule_set: RuleSet, parameters: Mapping[str, Any]) -> frozenset[int]:
    """The checked nodes whose values cannot leave the range in this run, so need no pass
    over their arrays: bounds from the inputs' declared ranges (which reading enforces),
    the parameters' values in force and the constants, carried through the expressions.

    A product is listed (by its id) when its bound is within ``WHOLE_LIMIT``; a rounding,
    by the id of the call, when its argument's is. Only an optimisation: ``decide``
    checks every node, and a node listed here can never fail that check."""
    bounds: dict[str, float | None] = {}
    safe: set[int] = set()

    def of_name(name: str) -> float | None:
        if name in bounds:
            return bounds[name]
        bounds[name] = None  # (no cycles: the loader refused them)
        bound: float | None = None
        if name in rule_set.inputs:
            spec = rule_set.inputs[name]
            if spec.allowed is not None and spec.vtype.is_numeric:
                bound = max(abs(v) for v in spec.allowed)
            elif spec.minimum is not None and spec.maximum is not None:
                bound = max(abs(spec.minimum), abs(spec.maximum))
        elif name in parameters:
            value = parameters[name]
            if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
                value, (bool, np.bool_)
            ):
                bound = abs(float(value))
        elif name in rule_set.variables:
            bound = of_node(rule_set.variables[name].expression)
        bounds[name] = bound
        return bound

    nodes: dict[int, float | None] = {}

    def of_node(node: Node) -> float | None:
        if id(node) in nodes:
            return nodes[id(node)]
        bound = _node_bound(node, of_name, of_node, parameters)
        nodes[id(node)] = bound
        if bound is not None and bound <= WHOLE_LIMIT and range_checked(node):
            safe.add(id(node))
        if isinstance(node, Call) and node.function in ("round", "floor", "ceil"):
            argument = nodes.get(id(node.args[0])) if len(node.args) == 1 else None
            if argument is not None and argument <= WHOLE_LIMIT:
                safe.add(id(node))
        return bound

    for name in rule_set.order:
        of_name(name)
    return frozenset(safe)


def _node_bound(
    node: Node,
    of_name: Callable[[str], float | None],
    of_node: Callable[[Node], float | None],
    parameters: Mapping[str, Any],
) -> float | None:
    """The most ``abs(value)`` of ``node`` can be, or None if unknown (or not a number)."""
    if isinstance(node, Literal):
        value = node.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return abs(float(value))
        return None
    if isinstance(node, Name):
        return of_name(node.name)
    children = [of_node(child) for child in node.children()]
    if isinstance(node, Binary):
        left, right = children
        if left is None:
            return None
        if node.op == "/":
            # Divided by a constant or a parameter's value: no larger than left / divisor.
            divisor: Any = None
            if isinstance(node.right, Literal):
                divisor = node.right.value
            elif isinstance(node.right, Name) and node.right.name in parameters:
                divisor = parameters[node.right.name]
            if isinstance(divisor, (int, float, np.integer, np.floating)) and divisor:
                return left / abs(float(divisor))
            return None
        if right is None:
            return None
        if node.op in ("+", "-"):
            return left + right
        if node.op == "*":
            return left * right
        if node.op == "//" and _integral(node.left) and _integral(node.right):
            return left
        return None
    if isinstance(node, Unary):
        return children[0] if node.op == "-" else None
    if isinstance(node, Conditional):
        if children[1] is None or children[2] is None:
            return None
        return max(children[1], children[2])
    if isinstance(node, Default):
        values = [of_node(node.base), *(of_node(value) for value in node.values)]
        return None if None in values else max(v for v in values if v is not None)
    if isinstance(node, Lookup):
        table = parameters.get(node.table)
        if isinstance(table, np.ndarray) and table.dtype.kind in "iuf" and table.size:
            return float(np.abs(table).max())
        return None
    if isinstance(node, Call):
        if None in children or not children:
            return None
        known = [c for c in children if c is not None]
        if node.function in ("min", "max", "abs"):
            return max(known)  # (over members too: no larger than any member's)
        if node.function in ("round", "floor", "ceil"):
            return known[0] + 1
    return None


def _magnitude(value: Any) -> int:
    if _is_scalar(value):
        return abs(int(value))
    if value.size == 0:
        return 0
    return max(abs(int(value.min())), abs(int(value.max())))


def _at(value: Any, row: int) -> int:
    return int(value) if _is_scalar(value) else int(value[row])


def _bound(value: Any) -> int:
    """The most ``value`` can be, without reading an array: every whole number an active
    row holds is within ``WHOLE_LIMIT`` (see ``evaluate.range_checked``)."""
    return abs(int(value)) if _is_scalar(value) else WHOLE_LIMIT


def _whole_product(text: str) -> Callable[[Any, Any, Mask, bool], Any]:
    """``left * right`` for whole numbers, refusing rows whose product would wrap int64.

    A count or an amount times a constant up to 512 cannot (2**53 * 512 = 2**62); only
    then are the operands read for their actual size."""

    def multiply(left: Any, right: Any, active: Mask, safe: bool) -> Any:
        if (
            not safe
            and _bound(left) * _bound(right) > _WRAP_SAFE
            and _magnitude(left) * _magnitude(right) > _WRAP_SAFE
        ):
            product = np.multiply(left, right, dtype=np.float64)
            row = _first_bad_row(np.logical_not(np.abs(product) <= _WRAP_SAFE), active)
            if row is not None:
                # The exact product, as decide reports it.
                raise _RowError(row, out_of_range(text, _at(left, row) * _at(right, row)))
        return np.multiply(left, right)

    return multiply


def _integral(node: Node) -> bool:
    vtype = node.vtype
    assert vtype is not None
    return vtype.kind in (dt.INTEGER, dt.MONEY) and vtype.exact


def compile_vector(
    node: Node, rule_set_kinds: Mapping[str, str], codes: Mapping[str, int], member: bool = False
) -> VectorEvaluator:
    """Compile an expression to a function of (run, active rows) returning array or scalar.

    ``member``: the expression is a per-member variable's, worked out over the members'
    arrays (group values used in it are projected onto the members).
    """
    return _compile(node, rule_set_kinds, codes, member)


def _literal(node: Literal, codes: Mapping[str, int]) -> Any:
    value = node.value
    if isinstance(value, str):
        return codes[value]
    if isinstance(value, datetime.date):
        return date_to_days(value)
    return value


def _compile(
    node: Node, kinds: Mapping[str, str], codes: Mapping[str, int], member: bool
) -> VectorEvaluator:
    """``member``: whether the expression is worked out for each member (arrays over
    members, active masks over members) rather than for each group."""
    compiled = _compile_node(node, kinds, codes, member)
    if range_checked(node):
        return _bounded(node, compiled)
    return compiled


def _compile_node(
    node: Node, kinds: Mapping[str, str], codes: Mapping[str, int], member: bool
) -> VectorEvaluator:
    if isinstance(node, Literal):
        constant = _literal(node, codes)
        return lambda run, active: constant
    if isinstance(node, Name):
        name = node.name
        kind = kinds[name]
        if node.per_member and kind == "input":
            return lambda run, active: run.group.columns[name]
        if kind == "input" and member:
            return lambda run, active: run.group.project(run.columns[name])
        if kind == "input":
            return lambda run, active: run.columns[name]
        if kind == "variable" and member and not node.per_member:
            return lambda run, active: run.group.project(run.values[name])
        if kind == "variable":
            return lambda run, active: run.values[name]
        if kind == "parameter":
            return lambda run, active: run.parameters[name]
        return lambda run, active: run.on_days
    if isinstance(node, Lookup):
        table = node.table
        key = _compile(node.key, kinds, codes, member)
        return lambda run, active: run.parameters[table][key(run, active)]
    if isinstance(node, Unary):
        operand = _compile(node.operand, kinds, codes, member)
        if node.op == "not":
            return lambda run, active: np.logical_not(operand(run, active))
        return lambda run, active: np.negative(operand(run, active))
    if isinstance(node, Conditional):
        return _conditional(node, kinds, codes, member)
    if isinstance(node, Default):
        return _default(node, kinds, codes, member)
    if isinstance(node, Call):
        if node.function in AGGREGATIONS and len(node.args) == 1 and node.args[0].per_member:
            return _aggregation(node, kinds, codes, member)
        return _call(node, kinds, codes, member)
    if isinstance(node, ListLiteral):
        items = [_compile(item, kinds, codes, member) for item in node.items]
        return lambda run, active: [item(run, active) for item in items]
    if isinstance(node, Binary):
        return _binary(node, kinds, codes, member)
    raise TypeError(f"cannot compile {node!r}")


_FEW = 8
"""Up to this many listed values, ``in`` compares with each rather than calling isin."""

_REDUCE = {
    "sum": np.add,
    "count": np.add,
    "any": np.logical_or,
    "all": np.logical_and,
    "min": np.minimum,
    "max": np.maximum,
}


def _count(group: Members, held: np.ndarray) -> np.ndarray:
    return np.bincount(group.owner[held.astype(np.bool_, copy=False)], minlength=group.rows)


def _any(group: Members, held: np.ndarray) -> np.ndarray:
    result = np.zeros(group.rows, dtype=np.bool_)
    result[group.owner[held.astype(np.bool_, copy=False)]] = True
    return result


def _all(group: Members, held: np.ndarray) -> np.ndarray:
    result = np.ones(group.rows, dtype=np.bool_)
    result[group.owner[np.logical_not(held)]] = False
    return result


_SCATTERED: dict[str, Callable[[Members, np.ndarray], np.ndarray]] = {
    "count": _count,
    "any": _any,
    "all": _all,
}
"""Aggregations of conditions, worked out from the members for whom the condition holds
(or fails): a scatter or a count of those few members costs a third of ``reduceat`` over
all of them, which touches every group."""


def _aggregation(
    node: Call, kinds: Mapping[str, str], codes: Mapping[str, int], member: bool
) -> VectorEvaluator:
    """One value per group from a value of each member; projected back onto the members
    when the aggregation is itself used in a per-member expression."""
    arg = _compile(node.args[0], kinds, codes, True)
    reduce = _REDUCE[node.function].reduceat
    by_scatter = _SCATTERED.get(node.function)

    def aggregate(run: VectorRun, active: Mask) -> Any:
        group = run.group
        if active is None:
            members_active: Mask = None
        elif member:
            # Members whose group has an active member: their values may be reached.
            reached = np.zeros(group.rows, dtype=np.bool_)
            reached[group.owner[active]] = True
            members_active = reached[group.owner]
        else:
            members_active = active[group.owner]
        try:
            values = arg(run, members_active)
        except _RowError as error:
            if member:
                raise
            raise _RowError(int(group.owner[error.row]), error.message) from None
        if _is_scalar(values):
            values = np.full(group.count, values)
        result = by_scatter(group, values) if by_scatter else reduce(values, group.starts)
        return group.project(result) if member else result

    return aggregate


def _default(
    node: Default, kinds: Mapping[str, str], codes: Mapping[str, int], member: bool
) -> VectorEvaluator:
    """The general rule where no exception holds, an exception's value where one does; a
    row where two hold is a conflict, as in ``decide``."""
    base = _compile(node.base, kinds, codes, member)
    conditions = [_compile(c, kinds, codes, member) for c in node.conditions]
    values = [_compile(v, kinds, codes, member) for v in node.values]
    names = node.names
    guarded = _divides(node)

    def default(run: VectorRun, active: Mask) -> Any:
        held = [c(run, active) for c in conditions]
        rows = run.group.count if member else run.rows
        held = [np.full(rows, h) if _is_scalar(h) else h for h in held]
        count = functools.reduce(np.add, (_as_int8(h) for h in held))
        conflict = count > 1 if active is None else np.logical_and(count > 1, active)
        if np.any(conflict):
            row = int(np.argmax(conflict))
            both = " and ".join(n for n, h in zip(names, held, strict=True) if h[row])
            raise _RowError(
                row, f"the exceptions {both} both apply; the rules must say which one wins"
            )
        result = base(run, _narrow(active, count == 0) if guarded else active)
        for condition, value in zip(held, values, strict=True):
            if np.any(condition):
                chosen = value(run, _narrow(active, condition) if guarded else active)
                result = np.where(condition, chosen, result)
        return result

    return default


def _as_int8(held: np.ndarray) -> np.ndarray:
    """A condition as 0 or 1, to count how many hold: a boolean array is viewed, not copied."""
    return held.view(np.int8) if held.dtype == np.bool_ else held.astype(np.int8)


def _conditional(
    node: Conditional, kinds: Mapping[str, str], codes: Mapping[str, int], member: bool
) -> VectorEvaluator:
    condition = _compile(node.condition, kinds, codes, member)
    if_true = _compile(node.if_true, kinds, codes, member)
    if_false = _compile(node.if_false, kinds, codes, member)
    guarded = _divides(node.if_true) or _divides(node.if_false)

    def choose(run: VectorRun, active: Mask) -> Any:
        held = condition(run, active)
        if _is_scalar(held):
            return if_true(run, active) if held else if_false(run, active)
        if guarded:
            yes = if_true(run, _narrow(active, held))
            no = if_false(run, _narrow(active, np.logical_not(held)))
        else:
            yes, no = if_true(run, active), if_false(run, active)
        return np.where(held, yes, no)

    return choose


class VectorScale:
    """A scale as arrays: thresholds, what each bracket gives, and the marginal amount due
    at each threshold, computed exactly as ``Scale`` computes it for ``decide``."""

    def __init__(self, scale: Scale) -> None:
        self.thresholds = np.array(scale.thresholds, dtype=np.int64)
        self.values = np.array(
            scale.values, dtype=np.int64 if scale.amounts is not None else np.float64
        )
        self.rate_units = np.array(scale.rate_units or (0,), dtype=np.int64)
        self.cumulative_units = np.array(scale.cumulative_units, dtype=np.int64)
        self.denominator = float(scale.denominator)

    def index(self, base: Any) -> Any:
        return np.maximum(np.searchsorted(self.thresholds, base, side="right") - 1, 0)

    def total(self, base: Any) -> Any:
        base = np.maximum(base, 0)
        index = self.index(base)
        units = self.cumulative_units[index] + self.rate_units[index] * (
            base - self.thresholds[index]
        )
        return np.true_divide(np.asarray(units, dtype=np.float64), self.denominator)


def _scale_call(node: Call, args: list[VectorEvaluator]) -> VectorEvaluator:
    scale_of, base_of = args[0], args[1]
    if node.function == "bracket":

        def bracket(run: VectorRun, active: Mask) -> Any:
            scale: VectorScale = scale_of(run, active)
            return scale.values[scale.index(base_of(run, active))]

        return bracket
    if len(args) == 2:

        def marginal(run: VectorRun, active: Mask) -> Any:
            scale: VectorScale = scale_of(run, active)
            return scale.total(base_of(run, active))

        return marginal
    above_of = args[2]

    def marginal_above(run: VectorRun, active: Mask) -> Any:
        scale: VectorScale = scale_of(run, active)
        above = above_of(run, active)
        return np.subtract(scale.total(np.add(above, base_of(run, active))), scale.total(above))

    return marginal_above


def _call(
    node: Call, kinds: Mapping[str, str], codes: Mapping[str, int], member: bool
) -> VectorEvaluator:
    args = [_compile(arg, kinds, codes, member) for arg in node.args]
    if node.function in ("marginal", "bracket"):
        return _scale_call(node, args)
    if node.function in CONVERSIONS:
        numerator, denominator = dt.conversion_steps(node)
        (amount,) = args
        if denominator == 1:
            return lambda run, active: np.multiply(amount(run, active), numerator)
        return lambda run, active: np.true_divide(
            np.multiply(amount(run, active), numerator), denominator
        )
    if node.function in ("min", "max"):
        combine = np.minimum if node.function == "min" else np.maximum
        return lambda run, active: functools.reduce(combine, (a(run, active) for a in args))
    (arg,) = args
    if node.function == "abs":
        return lambda run, active: np.abs(arg(run, active))
    if _integral(node.args[0]):
        return arg  # rounding a whole number changes nothing
    text = node.text
    key = id(node)
    if node.function == "round":

        def rounded(run: VectorRun, active: Mask) -> Any:
            value = arg(run, active)
            if key not in run.safe:
                _check_range(value, active, text)  # before it is made an int64
            if _is_scalar(value):
                return _as_int(np.sign(value) * np.floor(np.abs(value) + 0.5))
            # Halves away from zero, in one scratch array: |x| + 0.5, floored, signed.
            halves = np.abs(value, dtype=np.float64)
            halves += 0.5
            np.floor(halves, out=halves)
            np.copysign(halves, value, out=halves)
            return halves.astype(np.int64)

        return rounded
    function = np.floor if node.function == "floor" else np.ceil

    def whole(run: VectorRun, active: Mask) -> Any:
        value = arg(run, active)
        if key not in run.safe:
            _check_range(value, active, text)
        return _as_int(function(value))

    return whole


def _binary(
    node: Binary, kinds: Mapping[str, str], codes: Mapping[str, int], member: bool
) -> VectorEvaluator:
    left = _compile(node.left, kinds, codes, member)
    right = _compile(node.right, kinds, codes, member)
    op = node.op
    if op in ("and", "or"):
        guarded = _divides(node.right)
        is_and = op == "and"

        def logical(run: VectorRun, active: Mask) -> Any:
            first = left(run, active)
            if _is_scalar(first):
                # Short-circuit exactly as decide does: false and ..., true or ...
                if bool(first) != is_and:
                    return bool(first)
                return right(run, active)
            narrowed = _narrow(active, first if is_and else np.logical_not(first))
            second = right(run, narrowed if guarded else active)
            return np.logical_and(first, second) if is_and else np.logical_or(first, second)

        return logical
    if op == "in":
        assert isinstance(node.right, ListLiteral)
        if all(isinstance(item, Literal) for item in node.right.items):
            members = [_literal(item, codes) for item in node.right.items]  # type: ignore[arg-type]
            if len(members) > _FEW:
                listed = np.array(members)
                return lambda run, active: np.isin(left(run, active), listed)

            def among_few(run: VectorRun, active: Mask) -> Any:
                # A few comparisons cost far less than isin's sort of the whole column.
                value = left(run, active)
                return functools.reduce(np.logical_or, (np.equal(value, m) for m in members))

            return among_few

        def one_of(run: VectorRun, active: Mask) -> Any:
            value = left(run, active)
            return functools.reduce(
                np.logical_or, (np.equal(value, item) for item in right(run, active))
            )

        return one_of
    if op in COMPARISONS:
        compare = {
            "==": np.equal,
            "!=": np.not_equal,
            "<": np.less,
            "<=": np.less_equal,
            ">": np.greater,
            ">=": np.greater_equal,
        }[op]
        return lambda run, active: compare(left(run, active), right(run, active))
    if op == "+":
        return lambda run, active: np.add(left(run, active), right(run, active))
    if op == "-":
        return lambda run, active: np.subtract(left(run, active), right(run, active))
    integral = _integral(node.left) and _integral(node.right)
    text = node.text
    if op == "*":
        if integral:
            multiply = _whole_product(text)
            key = id(node)
            return lambda run, active: multiply(
                left(run, active), right(run, active), active, key in run.safe
            )
        return lambda run, active: np.multiply(left(run, active), right(run, active))

    def divide(run: VectorRun, active: Mask) -> Any:
        numerator = left(run, active)
        denominator = right(run, active)
        zero = np.equal(denominator, 0)
        bad = zero if active is None else np.logical_and(zero, active)
        if np.any(bad):
            row = 0 if _is_scalar(bad) else int(np.argmax(bad))
            raise _RowError(row, f"division by zero in `{text}`")
        if np.any(zero):
            # Rows not reached by this division: divide by 1 instead, result discarded.
            denominator = np.where(zero, 1, denominator)
        if op == "/":
            return np.true_divide(numerator, denominator)
        if integral:
            return np.floor_divide(numerator, denominator)
        quotient = np.true_divide(numerator, denominator)
        _check_range(quotient, active, text)  # before it is made an int64
        return _as_int(np.floor(quotient))

    return divide
