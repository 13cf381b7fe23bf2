"""Domain events and the one table that wires them to their handlers.

A domain announces each state change as a frozen event (`ApplicationSubmitted`,
`CaseDecided`, ...) by calling `publish` inside the transaction that makes the change.
What follows from it (the audit trail, the transparency log, the outbox, a cache to
forget) is not written into the domain's function: it is a handler, and the table in
`civitas.wiring` names, for each event, the handlers that run inside the transaction, in
order, and those that run after it commits. A new component reacts to an existing event
by adding a handler to that table, without touching the domain that announces it.

In-transaction handlers are part of the change: if one raises, the change rolls back and
the caller sees the error. After-commit handlers only tidy up or nudge (the change is
already durable), so their errors are logged, never raised into a request that succeeded.

Plain function calls, in a fixed order, in one place: not Django signals, whose receivers
are connected from anywhere, in import order, and cannot be listed or checked.
"""

import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, get_type_hints

from django.db import transaction

from civitas.platform.composition import wiring_module

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Something that happened in a domain. Subclasses are frozen dataclasses named in the
    past tense, holding what handlers need and nothing they could change."""

    opens_no_transaction: ClassVar[bool] = False
    """True for an event whose handlers only keep it in memory (a journey's page views,
    written later in batches): publishing it outside a transaction opens none, which
    would cost every page two statements of its own."""


class HandlerResults:
    """What the handlers of one event returned so far, for handlers later in the table
    (the confirmation email quotes the transparency log entry the log handler made)."""

    def __init__(self) -> None:
        self._values: list[object] = []

    def add(self, value: object) -> None:
        if value is not None:
            self._values.append(value)

    def get(self, kind: type[T]) -> T | None:
        return next((value for value in self._values if isinstance(value, kind)), None)

    def require(self, kind: type[T]) -> T:
        value = self.get(kind)
        if value is None:
            raise LookupError(
                f"no earlier handler gave a {kind.__name__}: check the order in the wiring table"
            )
        return value


Handler = Callable[[Any, HandlerResults], object]
"""A handler takes the event and what earlier handlers returned, and may return a value."""


@dataclass(frozen=True)
class Handlers:
    """The handlers of one event, in the order they run."""

    in_transaction: tuple[Handler, ...] = ()
    after_commit: tuple[Handler, ...] = ()

    def __iter__(self) -> Iterator[Handler]:
        return iter((*self.in_transaction, *self.after_commit))


EventTable = Mapping[type[DomainEvent], Handlers]


class UnwiredEvent(LookupError):
    """An event was published that the wiring table does not name."""


@functools.cache
def _table() -> EventTable:
    table: EventTable = getattr(wiring_module(), "EVENT_HANDLERS", {})
    return table


def publish(event: DomainEvent) -> HandlerResults:
    """Runs the event's handlers: the in-transaction ones now, in the caller's transaction
    (or in one of their own when the caller has none), the others once it commits."""
    handlers = _table().get(type(event))
    if handlers is None:
        raise UnwiredEvent(f"{type(event).__name__} has no handlers in the wiring table")
    results = HandlerResults()
    if event.opens_no_transaction or transaction.get_connection().in_atomic_block:
        # The caller's transaction is the unit: an error rolls back its change with it. No
        # savepoint of our own, which would cost two statements on every submission; a
        # caller that carries on after an error wraps the call in its own atomic block.
        _run(handlers, event, results)
    else:
        with transaction.atomic():
            _run(handlers, event, results)
    return results


def _run(handlers: Handlers, event: DomainEvent, results: HandlerResults) -> None:
    for handler in handlers.in_transaction:
        results.add(handler(event, results))
    for handler in handlers.after_commit:
        transaction.on_commit(functools.partial(_after_commit, handler, event, results))


def _after_commit(handler: Handler, event: DomainEvent, results: HandlerResults) -> None:
    try:
        handler(event, results)
    except Exception as error:
        # The change is committed and the caller told so; the error class only, as an
        # error can quote personal data.
        logger.error(
            "after-commit handler %s for %s failed: %s",
            _name(handler),
            type(event).__name__,
            type(error).__name__,
        )


def _name(handler: Handler) -> str:
    return f"{handler.__module__}.{getattr(handler, '__qualname__', repr(handler))}"


def wiring_problems(
    table: EventTable,
    *,
    events: Iterable[type[DomainEvent]],
    handlers: Iterable[Handler],
) -> list[str]:
    """What is wrong with a wiring table, given every event and handler the code defines:
    an event with no handler, a handler wired to no event, and a handler wired to an event
    its first parameter does not accept."""
    problems: list[str] = []
    for event in events:
        if event not in table or not tuple(table[event]):
            problems.append(f"event {event.__name__} has no handler in the wiring table")
    wired = {handler for entry in table.values() for handler in entry}
    for handler in handlers:
        if handler not in wired:
            problems.append(f"handler {_name(handler)} handles no event in the wiring table")
    for event, entry in table.items():
        for handler in entry:
            accepted = _accepted_event(handler)
            if accepted is not None and not issubclass(event, accepted):
                problems.append(
                    f"handler {_name(handler)} takes {accepted.__name__}, "
                    f"but is wired to {event.__name__}"
                )
    return problems


def _accepted_event(handler: Handler) -> type | None:
    hints = get_type_hints(handler)
    hints.pop("return", None)
    first = next(iter(hints.values()), None)
    return first if isinstance(first, type) else None
