"""Every domain event has handlers, every handler handles an event, and nothing reacts to
a change by any other route (Django signals, or the audit trail written by hand)."""

import importlib
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from civitas.domains import DOMAINS
from civitas.platform.events import DomainEvent, HandlerResults, Handlers, wiring_problems
from civitas.wiring import EVENT_HANDLERS

SRC = Path(__file__).resolve().parents[2] / "src" / "civitas"
HANDLER_MODULES = ["civitas.platform.handlers", *(f"civitas.{d}.handlers" for d in DOMAINS)]
EVENT_MODULES = [f"civitas.{d}.events" for d in DOMAINS]


def _modules(names: list[str]) -> list:
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
    return modules


def defined_events() -> list[type[DomainEvent]]:
    return [
        value
        for module in _modules(EVENT_MODULES)
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, DomainEvent)
        and value.__module__ == module.__name__
        # A private base class shares what several events hold; it is never published.
        and not value.__name__.startswith("_")
    ]


def defined_handlers() -> list:
    """The public functions of the handlers modules that take an event and the results of
    the handlers before them. (A handlers module may also hold what the wiring's other
    tables name: a source of messages' late words.)"""
    return [
        value
        for module in _modules(HANDLER_MODULES)
        for name, value in vars(module).items()
        if inspect.isfunction(value)
        and value.__module__ == module.__name__
        and not name.startswith("_")
        and _takes_results(value)
    ]


def _takes_results(function) -> bool:
    parameters = list(inspect.signature(function).parameters.values())
    return len(parameters) == 2 and parameters[1].annotation in (HandlerResults, "HandlerResults")


def test_every_event_has_a_handler_and_every_handler_an_event():
    assert defined_events(), "no events found: is the discovery broken?"
    assert (
        wiring_problems(EVENT_HANDLERS, events=defined_events(), handlers=defined_handlers()) == []
    )


def test_every_event_is_a_frozen_dataclass_announced_in_its_domains_public_api():
    for event in defined_events():
        assert event.__dataclass_params__.frozen, event
        domain = event.__module__.split(".")[1]
        public = importlib.import_module(f"civitas.{domain}.public")
        assert getattr(public, event.__name__, None) is event, event


# The companions: a planted event with no handler, and a planted handler for no event,
# are both caught, so the guard above can fail.


@dataclass(frozen=True, kw_only=True)
class PlantedEvent(DomainEvent):
    note: str


def planted_handler(event: PlantedEvent, results: HandlerResults) -> None:
    """Wired to nothing."""


def test_an_event_without_a_handler_is_caught():
    problems = wiring_problems(
        EVENT_HANDLERS, events=[*defined_events(), PlantedEvent], handlers=defined_handlers()
    )
    assert problems == ["event PlantedEvent has no handler in the wiring table"]


def test_a_handler_for_no_event_is_caught():
    problems = wiring_problems(
        EVENT_HANDLERS, events=defined_events(), handlers=[*defined_handlers(), planted_handler]
    )
    assert problems == [
        "handler tests.architecture.test_event_wiring.planted_handler handles no event "
        "in the wiring table"
    ]


def test_a_handler_wired_to_an_event_it_does_not_take_is_caught():
    from civitas.cases.public import CaseDecided

    table = {**EVENT_HANDLERS, CaseDecided: Handlers(in_transaction=(planted_handler,))}
    problems = wiring_problems(table, events=defined_events(), handlers=[planted_handler])
    assert problems == [
        "handler tests.architecture.test_event_wiring.planted_handler takes PlantedEvent, "
        "but is wired to CaseDecided"
    ]


def _source_files() -> list[Path]:
    return [path for path in SRC.rglob("*.py") if "tests" not in path.parts]


def test_nothing_uses_django_signals():
    offenders = [
        str(path.relative_to(SRC))
        for path in _source_files()
        if re.search(r"django\.(dispatch|db\.models\.signals)|\.connect\(", path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize("needle", ["record_audit_event(", "record_entry(", "record_entries("])
def test_only_handlers_write_the_audit_trail_and_the_log(needle):
    """A state change publishes an event; only handlers write its consequences."""
    allowed = {"platform/handlers.py", "platform/audit.py", "ledger/services.py"}
    offenders = [
        str(path.relative_to(SRC))
        for path in _source_files()
        if needle in path.read_text()
        and str(path.relative_to(SRC)) not in allowed
        and path.name != "handlers.py"
    ]
    assert offenders == []
