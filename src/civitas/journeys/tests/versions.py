"""Publishing a changed copy of the example parking permit, for the tests of versions."""

import shutil
from pathlib import Path

from conftest import PARKING_PERMIT, SERVICES

OLD_LABEL = "What is your vehicle's registration number?"
NEW_LABEL = "What is the registration number of your vehicle?"


def changed_permit(tmp_path: Path, *, old: str = OLD_LABEL, new: str = NEW_LABEL) -> Path:
    """A copy of the parking permit with one text changed: a new version when published."""
    folder = tmp_path / f"v{len(list(tmp_path.iterdir()))}"
    shutil.copytree(PARKING_PERMIT.parent, folder / "resident-parking-permit")
    shutil.copytree(SERVICES / "rules", folder / "rules")
    definition = folder / "resident-parking-permit" / "service.yaml"
    text = definition.read_text()
    assert old in text
    definition.write_text(text.replace(old, new))
    return definition
