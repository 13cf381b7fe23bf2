"""A key rotation re-seals everything sealed: every encrypted column (found by looking at
the models) and every folder of sealed files, each of which needs a resealer in the
wiring's KEY_ROTATION table. A new folder without one fails here."""

import re
from pathlib import Path

from civitas.platform.key_rotation import resealers

SRC = Path(__file__).resolve().parents[2] / "src" / "civitas"


def _sealed_file_folders() -> set[str]:
    folders = set()
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "write_sealed_file(" in text and "def write_sealed_file" not in text:
            found = re.search(r'^FOLDER = "([a-z]+)"', text, re.M)
            assert found, f"{path} writes sealed files without a FOLDER constant"
            folders.add(found.group(1))
    return folders


def test_every_folder_of_sealed_files_is_re_sealed_by_a_rotation():
    names = {resealer.name for resealer in resealers()}
    folders = _sealed_file_folders()
    assert folders  # the scan finds the uploads and case files
    assert {f"files:{folder}" for folder in folders} <= names


def test_every_encrypted_column_is_re_sealed_by_a_rotation(db):
    from django.apps import apps

    from civitas.platform.crypto import EncryptedJSONField, EncryptedTextField

    names = {resealer.name for resealer in resealers()}
    for model in apps.get_models():
        if any(
            isinstance(field, (EncryptedJSONField, EncryptedTextField))
            for field in model._meta.concrete_fields
        ):
            assert f"fields:{model._meta.db_table}" in names
