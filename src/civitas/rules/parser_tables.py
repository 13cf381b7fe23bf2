"""Ready-made parsing tables for rule-engine's grammar, so a process does not build them.

rule-engine builds its LALR tables with ply when it is first imported: a third of a second
of every ``civitas rules`` command, spent before a rule is read. ply first looks for tables
in a module ``parsetab`` beside the grammar, and uses them only when their signature (a
digest of the grammar) matches the grammar it is given: tables from another version of
rule-engine are ignored and rebuilt, never misused. ``ready_made_tables`` offers ours under
that name while rule-engine is imported.

After upgrading rule-engine, regenerate them (a test fails until then):
``python -m civitas.rules.parser_tables``.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import sys
import tempfile
import types
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

TABLES = "parser-tables.json"
_PLY_MODULE = "rule_engine.parser.parsetab"
"""Where ply looks for tables for a grammar defined in rule_engine.parser."""


@contextlib.contextmanager
def ready_made_tables() -> Iterator[None]:
    """While this is open, ply finds our tables; without them it builds its own."""
    if _PLY_MODULE in sys.modules:
        yield
        return
    try:
        data = json.loads(resources.files("civitas.rules").joinpath(TABLES).read_text("utf-8"))
        module = types.ModuleType(_PLY_MODULE)
        module._tabversion = data["tabversion"]  # type: ignore[attr-defined]
        module._lr_signature = data["signature"]  # type: ignore[attr-defined]
        module._lr_method = data["method"]  # type: ignore[attr-defined]
        module._lr_action = {int(k): v for k, v in data["action"].items()}  # type: ignore[attr-defined]
        module._lr_goto = {int(k): v for k, v in data["goto"].items()}  # type: ignore[attr-defined]
        module._lr_productions = [tuple(p) for p in data["productions"]]  # type: ignore[attr-defined]
    except (OSError, ValueError, KeyError, AttributeError):
        yield  # no usable tables: ply builds them
        return
    sys.modules[_PLY_MODULE] = module
    try:
        yield
    finally:
        if sys.modules.get(_PLY_MODULE) is module:
            del sys.modules[_PLY_MODULE]


def build_tables() -> dict[str, Any]:
    """The tables ply builds for the installed rule-engine's grammar, as stored in JSON."""
    import rule_engine
    from rule_engine._vendor.ply import yacc

    with tempfile.TemporaryDirectory() as folder:
        name = "civitas_rule_engine_tables"
        yacc.yacc(
            module=rule_engine.Rule.parser,
            debug=False,
            write_tables=True,
            tabmodule=name,
            outputdir=folder,
            errorlog=yacc.NullLogger(),
        )
        sys.path.insert(0, folder)
        try:
            written = importlib.import_module(name)
        finally:
            sys.path.remove(folder)
            sys.modules.pop(name, None)
    tables: dict[str, Any] = json.loads(
        json.dumps(
            {
                "tabversion": written._tabversion,
                "signature": written._lr_signature,
                "method": written._lr_method,
                "action": written._lr_action,
                "goto": written._lr_goto,
                "productions": written._lr_productions,
            }
        )
    )
    return tables


def shipped_tables() -> dict[str, Any]:
    shipped: dict[str, Any] = json.loads(
        resources.files("civitas.rules").joinpath(TABLES).read_text("utf-8")
    )
    return shipped


if __name__ == "__main__":
    target = Path(__file__).with_name(TABLES)
    target.write_text(json.dumps(build_tables(), separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {target}")
