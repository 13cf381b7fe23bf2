"""Services built in memory from a definition, for tests that need no database."""

import functools
import textwrap
from pathlib import Path

from civitas.catalogue.definition import parse_definition
from civitas.catalogue.service import Service

REPO = Path(__file__).resolve().parents[4]
PARKING_PERMIT = REPO / "services" / "resident-parking-permit" / "service.yaml"


def service_from_yaml(
    source: str, *, base_dir: Path | None = None, version: int = 1, organisation_id: int = 1
) -> Service:
    """A service from a definition's YAML, checked as publishing checks it (a data or
    rules file is read from `base_dir`)."""
    parsed = parse_definition(textwrap.dedent(source), filename="service.yaml", base_dir=base_dir)
    assert parsed.problems == [], [str(problem) for problem in parsed.problems]
    return Service(
        slug=parsed.definition["slug"],
        version=version,
        sha256=parsed.sha256,
        organisation_id=organisation_id,
        organisation=parsed.definition["organisation"],
        organisation_name="Example Borough Council",
        definition=parsed.definition,
    )


@functools.cache
def parking_permit() -> Service:
    """The example parking permit service, as its first published version would be (one
    for the whole run: a service is immutable)."""
    return service_from_yaml(PARKING_PERMIT.read_text(), base_dir=PARKING_PERMIT.parent)
