"""The saved checkpoint: one durable file per log, trusted only if the log's keys sign it,
in a directory of its own for every database."""

import json
import re
from pathlib import Path

import pytest

from civitas.ledger.checkpoint_store import (
    SavedCheckpoint,
    StoreError,
    read_checkpoint,
    remove_checkpoint,
    store_path,
    write_checkpoint,
)
from civitas.ledger.floor import database_label, state_directory
from civitas.ledger.note import Signer, format_checkpoint, sign_note

ORIGIN = "civitas.example/ledger"


@pytest.fixture
def key() -> Signer:
    return Signer.generate(ORIGIN)


def signed(key: Signer, size: int, origin: str = ORIGIN) -> SavedCheckpoint:
    root = bytes([size % 256]) * 32
    note = sign_note(format_checkpoint(origin, size, root), key)
    return SavedCheckpoint(origin, size, root, note)


def test_it_reads_back_what_it_wrote(tmp_path, key):
    path = store_path(tmp_path / "state", ORIGIN)
    write_checkpoint(path, signed(key, 9))
    assert read_checkpoint(path, ORIGIN, [key.verifier()]) == signed(key, 9)
    assert [item.name for item in path.parent.iterdir() if not item.name.endswith(".lock")] == [
        path.name
    ], "no temporary file is left behind"


def test_nothing_saved_reads_as_none(tmp_path, key):
    assert read_checkpoint(store_path(tmp_path, ORIGIN), ORIGIN, [key.verifier()]) is None
    assert remove_checkpoint(store_path(tmp_path, ORIGIN)) is False


def test_each_log_has_its_own_file_named_after_its_origin(tmp_path):
    first, second = store_path(tmp_path, ORIGIN), store_path(tmp_path, "other.example/log")
    assert first != second
    assert first.name.startswith("civitas.example-ledger.")
    assert store_path(tmp_path, "a b/../c").parent == tmp_path, "no path escapes the directory"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('{"version": 7, "checkpoint": "x"}', "not a saved checkpoint of a known version"),
        ('{"version": 1}', "no checkpoint in it"),
    ],
)
def test_a_damaged_file_is_refused_with_what_to_do(tmp_path, key, content, reason):
    path = store_path(tmp_path, ORIGIN)
    path.write_text(content)
    with pytest.raises(StoreError, match=reason) as error:
        read_checkpoint(path, ORIGIN, [key.verifier()])
    assert "civitas ledger reset-state" in str(error.value)


def test_a_checkpoint_of_another_key_or_log_is_never_trusted(tmp_path, key):
    path = store_path(tmp_path, ORIGIN)
    write_checkpoint(path, signed(Signer.generate(ORIGIN), 9))
    with pytest.raises(StoreError, match="not signed by any configured key of this log"):
        read_checkpoint(path, ORIGIN, [key.verifier()])
    other = Signer.generate("other.example/log")
    write_checkpoint(path, signed(other, 9, origin="other.example/log"))
    with pytest.raises(StoreError, match=re.escape("it is for log 'other.example/log'")):
        read_checkpoint(path, ORIGIN, [key.verifier(), other.verifier()])


def test_an_edited_size_does_not_verify(tmp_path, key):
    path = store_path(tmp_path, ORIGIN)
    write_checkpoint(path, signed(key, 9))
    document = json.loads(path.read_text())
    document["checkpoint"] = document["checkpoint"].replace(f"{ORIGIN}\n9\n", f"{ORIGIN}\n90\n")
    path.write_text(json.dumps(document))
    with pytest.raises(StoreError, match="its signature does not verify"):
        read_checkpoint(path, ORIGIN, [key.verifier()])


SQLITE = {"NAME": "/srv/civitas/var/test-civitas.sqlite3"}


def test_every_database_has_a_label_of_its_own():
    labels = {
        database_label(SQLITE, "sqlite"),
        database_label({"NAME": "/srv/civitas/var/test-civitas_gw0.sqlite3"}, "sqlite"),
        database_label({"NAME": "/srv/other/var/test-civitas.sqlite3"}, "sqlite"),
        database_label({"NAME": "test_civitas", "HOST": "127.0.0.1"}, "postgresql"),
        database_label({"NAME": "test_civitas_gw1", "HOST": "127.0.0.1"}, "postgresql"),
        database_label({"NAME": "test_civitas_ledger", "HOST": "127.0.0.1"}, "postgresql"),
        database_label({"NAME": "test_civitas", "HOST": "db.example"}, "postgresql"),
    }
    assert len(labels) == 7
    assert database_label(SQLITE, "sqlite").startswith("sqlite-test-civitas-")


def test_without_a_setting_the_state_lives_beside_the_database_in_use(settings, db):
    settings.LEDGER_STATE_DIR = ""
    directory = state_directory()
    assert directory.parent == Path(settings.VAR_DIR) / "ledger-state"
    assert directory.name.startswith(("sqlite-", "postgresql-"))
    settings.LEDGER_STATE_DIR = "/srv/ledger-state"
    assert state_directory() == Path("/srv/ledger-state")


def test_processes_saving_at_once_leave_the_largest_checkpoint(settings, tmp_path):
    import threading

    from civitas.ledger.floor import forget_cached_floor, largest_trusted_checkpoint
    from civitas.ledger.floor import save_checkpoint as save
    from civitas.ledger.keys import log_keys
    from civitas.ledger.services import sign_checkpoint

    settings.LEDGER_STATE_DIR = str(tmp_path / "shared")
    keys = log_keys()
    notes = [sign_checkpoint(size, bytes([size]) * 32, keys, 1) for size in range(1, 41)]
    threads = [
        threading.Thread(target=lambda chunk=notes[start::4]: [save(note) for note in chunk[::-1]])
        for start in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    forget_cached_floor()
    assert largest_trusted_checkpoint().size == 40
