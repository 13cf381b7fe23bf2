"""The `civitas` command starts quickly: a TOTP code from `civitas demo code` is valid for
30 seconds, and on a busy machine every library imported at start-up costs seconds.

Every command first runs Django's system checks, which import the URL conf and so every
view. The heavy libraries behind the rules and the definition checks (rule-engine builds
its parser tables on import) are imported where they are used, not by those imports.
Timing is too noisy to assert on; what is imported is not.
"""

import subprocess
import sys

HEAVY = ("numpy", "rule_engine", "jsonschema")

_REPORT_LOADED = f"""
import sys
from civitas.cli import main

main(sys.argv[1:])
print("loaded:", *(name for name in {HEAVY!r} if name in sys.modules))
"""


def _heavy_modules_loaded_by(*argv: str) -> list[str]:
    finished = subprocess.run(
        [sys.executable, "-c", _REPORT_LOADED, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = finished.stdout.strip().splitlines()[-1].split()
    assert report[0] == "loaded:"
    return report[1:]


def test_demo_code_starts_without_the_rules_and_schema_libraries():
    assert _heavy_modules_loaded_by("demo", "code") == []


def test_the_system_checks_import_every_view_without_the_heavy_libraries():
    assert _heavy_modules_loaded_by("check") == []
