"""What a domain offers others says what it takes and gives: no `Any` in the signature of a
function exported from a `public.py` or defined in a domain's `services.py`."""

import importlib
import inspect
import typing

import pytest

from civitas.domains import DOMAINS
from civitas.platform.jsontypes import JSONValue


def _functions() -> list[tuple[str, typing.Callable]]:
    found = {}
    for domain in DOMAINS:
        for name in ("public", "services"):
            try:
                module = importlib.import_module(f"civitas.{domain}.{name}")
            except ModuleNotFoundError:
                continue
            for attribute, value in vars(module).items():
                defined_here = getattr(value, "__module__", "") == module.__name__
                exported = attribute in getattr(module, "__all__", ())
                wanted = exported or (name == "services" and defined_here)
                if inspect.isfunction(value) and not attribute.startswith("_") and wanted:
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return sorted(found.items())


def _mentions_any(annotation: object) -> bool:
    if annotation is typing.Any:
        return True
    return any(_mentions_any(argument) for argument in typing.get_args(annotation))


def test_public_functions_are_found():
    assert len(_functions()) > 20


FUNCTIONS = _functions()


@pytest.mark.parametrize(("name", "function"), FUNCTIONS, ids=[name for name, _ in FUNCTIONS])
def test_no_public_function_takes_or_gives_any(name, function):
    hints = typing.get_type_hints(function, localns={"JSONValue": JSONValue})
    assert [parameter for parameter, hint in hints.items() if _mentions_any(hint)] == []


def test_the_check_sees_any_where_it_is():
    def planted(values: dict[str, typing.Any]) -> None: ...

    assert _mentions_any(typing.get_type_hints(planted)["values"])
