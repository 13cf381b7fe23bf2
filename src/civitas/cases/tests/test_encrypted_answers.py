"""A case's encrypted answers are bound to the case: a ciphertext moved to another case or
column by someone who can write to the database, but has no key, does not open."""

import importlib
import json

import pytest
from django.apps import apps
from django.db import connection

from civitas.cases.models import Case
from civitas.cases.tests.factories import CaseFactory
from civitas.platform.crypto import DecryptionError, seal

bind_migration = importlib.import_module("civitas.cases.migrations.0004_bind_encrypted_fields")


def _stored(case: Case, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM cases_case WHERE id = %s", [case.id])  # noqa: S608
        return cursor.fetchone()[0]


def _store(case: Case, column: str, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE cases_case SET {column} = %s WHERE id = %s", [value, case.id])  # noqa: S608


def test_answers_are_stored_encrypted_and_bound(db):
    case = CaseFactory(refused=True, fee_decision={"fee_pence": 10500})
    for column in ("answers", "fee_decision", "decision_reason"):
        assert _stored(case, column).startswith("enc2:")
    assert "Station Road" not in _stored(case, "answers")
    fresh = Case.objects.get(reference=case.reference)
    assert fresh.answers["address"] == "12 Station Road\nEastbury\nEB1 1AA"
    assert fresh.decision_reason == "Not in a zone"


def test_answers_copied_from_another_case_are_refused_on_read(db):
    victim = CaseFactory(answers={"email": "victim@example.com"})
    attacker = CaseFactory(answers={"email": "attacker@example.com"})
    _store(attacker, "answers", _stored(victim, "answers"))
    copied = Case.objects.get(reference=attacker.reference)
    with pytest.raises(DecryptionError, match=f"cases_case.answers of row {attacker.reference}"):
        copied.answers  # noqa: B018 - reading is what is refused


def test_a_value_copied_into_another_column_of_the_case_is_refused_on_read(db):
    case = CaseFactory(refused=True, fee_decision={"fee_pence": 10500})
    _store(case, "fee_decision", _stored(case, "answers"))
    _store(case, "decision_reason", _stored(case, "answers"))
    copied = Case.objects.get(reference=case.reference)
    assert copied.answers["zone"] == "A"
    with pytest.raises(DecryptionError, match="sealed for another place"):
        copied.fee_decision  # noqa: B018
    with pytest.raises(DecryptionError, match="sealed for another place"):
        copied.decision_reason  # noqa: B018


def test_an_altered_value_is_refused_on_read(db):
    case = CaseFactory()
    stored = _stored(case, "answers")
    _store(case, "answers", stored[:-6] + ("AAAA==" if not stored.endswith("AAAA==") else "BBBB=="))
    with pytest.raises(DecryptionError):
        Case.objects.get(reference=case.reference).answers  # noqa: B018


def test_the_case_list_does_not_open_answers(db, django_assert_num_queries):
    from civitas.cases.queries import list_cases

    case = CaseFactory()
    # Even a damaged value elsewhere in the row does not stop the list.
    _store(case, "answers", "enc2:00000000:garbage")
    with django_assert_num_queries(1):
        page = list_cases(organisation_id=case.organisation_id)
    assert [listed.reference for listed in page.cases] == [case.reference]


def test_the_migration_binds_answers_written_before_binding(db):
    case = CaseFactory(refused=True, fee_decision={"fee_pence": 10500})
    old = {"answers": {"email": "resident@example.com"}, "fee_decision": {"fee_pence": 10500}}
    for column, value in old.items():
        _store(case, column, seal(json.dumps(value, separators=(",", ":")).encode()))
    _store(case, "decision_reason", seal(b"Not in a zone"))
    untouched = CaseFactory()
    untouched_answers = _stored(untouched, "answers")
    with pytest.raises(DecryptionError, match="run `civitas migrate`"):
        Case.objects.get(reference=case.reference).answers  # noqa: B018

    bind_migration.bind_existing_rows(apps, connection.schema_editor())

    for column in ("answers", "fee_decision", "decision_reason"):
        assert _stored(case, column).startswith("enc2:")
    migrated = Case.objects.get(reference=case.reference)
    assert migrated.answers == old["answers"]
    assert migrated.fee_decision == old["fee_decision"]
    assert migrated.decision_reason == "Not in a zone"
    assert _stored(untouched, "answers") == untouched_answers  # already bound: left alone


def test_the_migration_can_be_reversed(db):
    case = CaseFactory()
    bind_migration.unbind_rows(apps, connection.schema_editor())
    assert _stored(case, "answers").startswith("enc1:")
    bind_migration.bind_existing_rows(apps, connection.schema_editor())
    assert Case.objects.get(reference=case.reference).answers["zone"] == "A"


def test_an_encrypted_field_cannot_be_written_by_update(db):
    case = CaseFactory()
    with pytest.raises(TypeError, match="save"):
        Case.objects.filter(id=case.id).update(answers={"zone": "B"})
