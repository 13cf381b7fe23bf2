"""Scales: rates (or amounts) that apply above thresholds, as tax bands do.

A scale is a parameter value: a list of brackets, each from a threshold (money, in pence)
upwards. The thresholds start at 0 and strictly increase; the last bracket has no top.

- A **marginal** scale taxes each slice of an amount at its own bracket's rate: income tax
  bands. ``marginal(scale, base)`` is the sum over the brackets of rate times the part of
  ``base`` that falls in the bracket.
- A **bracket** scale gives the rate, or the amount, of the one bracket the base falls in:
  a fee by income band. ``bracket(scale, base)`` is that rate or amount.

Both evaluators compute ``marginal`` the same way, from the amount due at each threshold
(``cumulative_units``) plus the rate of the base's bracket times the part of it above the
threshold, counted in whole units of a rate (1/10,000 for 8.75%) and divided once at the
end, so ``decide`` and the vectorised path give bit-for-bit the same fractions of a penny,
and 21% of £2,509 is exactly £526.89. The band-by-band breakdown (``bands``) is for
people: explanations and traces.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from civitas.rules.values import (
    check,
    format_money,
    format_percent,
    parse_money,
    parse_text,
    word,
)

MARGINAL = "marginal"
BRACKET = "bracket"
SCALE_KINDS = (MARGINAL, BRACKET)


@dataclass(frozen=True)
class BandWorking:
    """One slice of an amount: ``amount`` pence of it taxed at ``rate`` gives ``result``."""

    start: int
    end: int | None
    amount: float
    rate: float
    result: float

    def describe(self, language: str | None = None) -> str:
        """``£37,700 at 20%: £7,540`` (``ar 20%`` in Welsh): money written the one way the
        platform writes it, pence only where an amount has them (``£537.13``), and any
        fraction of a penny kept (``£417.375``) so the bands add up to the total before it
        is rounded."""
        at = word("at", language)
        return (
            f"{format_money(self.amount)} {at} {format_percent(self.rate)}: "
            f"{format_money(self.result)}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start,
            "to": self.end,
            "amount": self.amount,
            "rate": self.rate,
            "result": self.result,
        }


@dataclass(frozen=True)
class Scale:
    """A validated scale: ``thresholds`` (pence, from 0, increasing) and, for each, a rate
    (``rates``) or, for a bracket scale of amounts, an amount in pence (``amounts``)."""

    kind: str
    thresholds: tuple[int, ...]
    rates: tuple[float, ...] | None = None
    amounts: tuple[int, ...] | None = None
    denominator: int = field(init=False, repr=False, compare=False)
    rate_units: tuple[int, ...] = field(init=False, repr=False, compare=False)
    cumulative_units: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Rates are decimals (0.21, 0.0875): counted in whole units of 1/denominator, the
        # amount due is an exact whole number of such units until the one division at the
        # end, so 21% of £2,509 is exactly £526.89, not a hair under it, which floor()
        # would take down a penny. Both evaluators divide the same whole number.
        rates = self.rates or ()
        places = max((_decimal_places(rate) for rate in rates), default=0)
        denominator = 10**places
        units = tuple(int(Decimal(repr(rate)) * denominator) for rate in rates)
        cumulative = [0]  # the units due on an amount equal to each threshold
        for index in range(1, len(units)):
            width = self.thresholds[index] - self.thresholds[index - 1]
            cumulative.append(cumulative[-1] + units[index - 1] * width)
        object.__setattr__(self, "denominator", denominator)
        object.__setattr__(self, "rate_units", units)
        object.__setattr__(self, "cumulative_units", tuple(cumulative))

    @property
    def values(self) -> tuple[float, ...] | tuple[int, ...]:
        """What ``bracket`` gives for each bracket: its rate or its amount."""
        if self.amounts is not None:
            return self.amounts
        assert self.rates is not None
        return self.rates

    def index(self, base: float) -> int:
        """The bracket ``base`` falls in (a base below 0 is in the first)."""
        return max(bisect.bisect_right(self.thresholds, base) - 1, 0)

    def total(self, base: float) -> float:
        """The marginal amount due on ``base`` (nothing on a base of 0 or less)."""
        if base <= 0:
            base = 0
        index = self.index(base)
        units = self.cumulative_units[index] + self.rate_units[index] * (
            base - self.thresholds[index]
        )
        return float(units) / float(self.denominator)

    def marginal(self, base: float, above: float | None = None) -> float:
        """What is due on ``base``; with ``above``, on ``base`` sitting on top of ``above``."""
        if above is None:
            return self.total(base)
        return self.total(above + base) - self.total(above)

    def bracket(self, base: float) -> float | int:
        return self.values[self.index(base)]

    def bands(self, base: float, above: float | None = None) -> tuple[BandWorking, ...]:
        """The slices of ``base`` (on top of ``above``) in each bracket, for reading."""
        assert self.rates is not None
        low = max(above or 0, 0)
        high = max((above or 0) + base, 0)
        working: list[BandWorking] = []
        for index, start in enumerate(self.thresholds):
            end = self.thresholds[index + 1] if index + 1 < len(self.thresholds) else None
            amount = min(high, end if end is not None else high) - max(low, start)
            if amount <= 0:
                continue
            rate = self.rates[index]
            working.append(BandWorking(start, end, amount, rate, rate * amount))
        return tuple(working)

    def describe(self, language: str | None = None) -> str:
        """``20% from £0; 40% from £37,700; 45% from £125,140`` (``o`` in Welsh)."""
        shown = (
            [format_money(a) for a in self.amounts]
            if self.amounts is not None
            else [format_percent(r) for r in self.rates or ()]
        )
        return "; ".join(
            f"{value} {word('from', language)} {format_money(start)}"
            for value, start in zip(shown, self.thresholds, strict=True)
        )

    def to_json(self) -> dict[str, Any]:
        key = "amount" if self.amounts is not None else "rate"
        return {
            "scale": self.kind,
            "brackets": [
                {"from": start, key: value}
                for start, value in zip(self.thresholds, self.values, strict=True)
            ],
        }


MAXIMUM_PLACES = 6


def _decimal_places(rate: float) -> int:
    exponent = Decimal(repr(rate)).normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(-exponent, 0)


def make_scale(kind: str, brackets: object) -> Scale:
    """A ``Scale`` from ``[{from: pence, rate: 0.2}, ...]``; raises ``ValueError`` with a
    message that completes "<parameter> ..." and, in ``.index``, the bracket at fault."""
    if not isinstance(brackets, Sequence) or isinstance(brackets, str) or not brackets:
        raise ScaleError(None, "must be a list of brackets like {from: 0, rate: 0.2}")
    thresholds: list[int] = []
    rates: list[float] = []
    amounts: list[int] = []
    for index, entry in enumerate(brackets):
        if not isinstance(entry, Mapping) or "from" not in entry:
            raise ScaleError(index, "each bracket needs a 'from' threshold (pence)")
        keys = set(entry) - {"from"}
        if keys not in ({"rate"}, {"amount"}):
            raise ScaleError(index, "each bracket gives either a 'rate' or an 'amount'")
        try:
            start = check("money", entry["from"])
        except ValueError as error:
            raise ScaleError(index, f"threshold {error}") from None
        assert isinstance(start, int)
        if index == 0 and start != 0:
            raise ScaleError(index, f"the first bracket must start from 0, not {start}")
        if thresholds and start <= thresholds[-1]:
            raise ScaleError(
                index,
                f"thresholds must strictly increase: {start} does not come after {thresholds[-1]}",
            )
        thresholds.append(start)
        if "rate" in entry:
            try:
                rate = float(check("number", entry["rate"]))  # type: ignore[arg-type]
            except ValueError as error:
                raise ScaleError(index, f"rate {error}") from None
            if _decimal_places(rate) > MAXIMUM_PLACES:
                raise ScaleError(
                    index,
                    f"a rate has at most {MAXIMUM_PLACES} decimal places (like 0.0875), "
                    f"not {rate!r}",
                )
            rates.append(rate)
        else:
            if kind == MARGINAL:
                raise ScaleError(index, "a marginal scale gives rates, not amounts")
            try:
                amounts.append(int(check("money", entry["amount"])))  # type: ignore[call-overload]
            except ValueError as error:
                raise ScaleError(index, f"amount {error}") from None
    if rates and amounts:
        raise ScaleError(None, "give every bracket a rate, or every bracket an amount, not both")
    if amounts:
        return Scale(kind, tuple(thresholds), amounts=tuple(amounts))
    return Scale(kind, tuple(thresholds), rates=tuple(rates))


class ScaleError(ValueError):
    """A scale's brackets are not valid; ``index`` is the bracket at fault, if one is."""

    def __init__(self, index: int | None, message: str) -> None:
        where = f"bracket {index + 1}: " if index is not None else ""
        super().__init__(f"{where}{message}")
        self.index = index
        self.detail = message


_PAIR = re.compile(r"^\s*([^:]+?)\s*:\s*(.+?)\s*$")


def parse_scale(kind: str, text: str, *, amounts: bool) -> Scale:
    """A scale written as text (a ``--set`` value): ``0:20%, £37700:40%, £125140:45%``.

    Thresholds are pence or pounds with a £ sign; rates are numbers or percentages; the
    amounts of a bracket scale of amounts are pence or pounds.
    """
    brackets: list[dict[str, Any]] = []
    for piece in text.split(","):
        match = _PAIR.match(piece)
        if not match:
            raise ValueError(
                f"must be brackets written FROM:RATE, separated by commas, like "
                f"0:20%,£37700:40%, not {text!r}"
            )
        start, value = match.groups()
        entry: dict[str, Any] = {"from": parse_money(start)}
        if amounts:
            entry["amount"] = parse_money(value)
        else:
            entry["rate"] = parse_text("number", value)
        brackets.append(entry)
    return make_scale(kind, brackets)
