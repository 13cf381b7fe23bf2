"""`civitas keys rotate`: every encrypted field and file sealed again under a new key, in
queued batches, with everything readable before, during and after, read back from the
raw rows and files to show what is stored."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tasks_db.models import DBTaskResult

from civitas.cases.files import FOLDER, SubmittedFile, read_case_file, store_case_files
from civitas.cases.models import Case, CaseFile
from civitas.cases.search import search_cases
from civitas.cases.services import submit_application
from civitas.cases.tests.factories import ANSWERS, CaseFactory
from civitas.notify.models import Message
from civitas.platform.crypto import current_key_id, file_key_id, key_id_of
from civitas.platform.files.store import new_file_token, sealed_file_path
from civitas.platform.key_rotation import (
    advance_step,
    continue_key_rotations,
    key_rotation_status,
    reseal_rows,
)
from civitas.platform.models import AuditEvent, KeyRotation, KeyRotationStep
from conftest import acting, run_queued_jobs

NEW_KEY = "a new field encryption key, for the rotation tests"


def _raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def _key_ids(table: str, column: str) -> set[str]:
    return {key_id_of(value) for value in _raw(table, column)}


def _case_with_a_file(service) -> Case:
    case = submit_application(service=service, answers=dict(ANSWERS), fee_pence=None)
    store_case_files(
        case,
        [
            SubmittedFile(
                token=new_file_token(),
                answer_id="evidence",
                file_name="passport.pdf",
                content_type="application/pdf",
                content=b"%PDF-1.4 the applicant's passport",
            )
        ],
    )
    return case


def _add_new_key(settings) -> None:
    """The new key first, the old one still after it, as an operator rotating sets them."""
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, *settings.FIELD_ENCRYPTION_KEYS]


def test_everything_stays_readable_during_a_rotation_and_ends_under_the_new_key(
    parking_permit, caseworker, settings
):
    old_case = _case_with_a_file(parking_permit)
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    old_id = current_key_id()
    assert _key_ids("cases_case", "answers") == {old_id}
    assert "Station Road" not in "".join(_raw("cases_case", "answers"))

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, *old_keys]
    new_id = current_key_id()
    assert new_id != old_id
    new_case = _case_with_a_file(parking_permit)
    # Before the rotation: old rows under the old key, new rows under the new, both read.
    assert _key_ids("cases_case", "answers") == {old_id, new_id}
    assert Case.objects.get(pk=old_case.pk).answers["zone"] == "A"
    assert Case.objects.get(pk=new_case.pk).answers["zone"] == "A"

    call_command("keys", "rotate", stdout=io.StringIO())
    # One batch of one row of cases: half done, and everything still reads.
    step = KeyRotationStep.objects.get(name="fields:cases_case")
    advance_step(step.pk, batch_size=1)
    assert _key_ids("cases_case", "answers") == {new_id}
    assert Case.objects.get(pk=old_case.pk).answers["email"] == "resident@example.com"
    assert key_rotation_status().finished_at is None

    run_queued_jobs()

    status = key_rotation_status()
    assert status.finished_at is not None
    assert all(s.finished for s in status.steps)
    assert {s.name for s in status.steps} >= {
        "fields:cases_case",
        "fields:cases_casefile",
        "fields:notify_message",
        "files:cases",
        "files:journeys",
        "search:cases",
    }
    for table, column in [
        ("cases_case", "answers"),
        ("cases_casefile", "file_name"),
        ("notify_message", "recipient"),
        ("notify_message", "body_text"),
    ]:
        assert _key_ids(table, column) == {new_id}, (table, column)
    for case_file in CaseFile.objects.all():
        assert file_key_id(sealed_file_path(FOLDER, case_file.token).read_bytes()) == new_id

    # The old key can go: everything opens with the new one alone.
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    staff = acting(caseworker)
    for case in Case.objects.all():
        assert case.answers["registration"] == "CU57ABC"
        (case_file,) = CaseFile.objects.filter(case=case)
        found, content = read_case_file(case=case, token=case_file.token, staff=staff)
        assert found.file_name == "passport.pdf"
        assert content == b"%PDF-1.4 the applicant's passport"
    assert all(message.body_text for message in Message.objects.all())


def test_a_batch_run_twice_changes_nothing_the_second_time(settings, parking_permit):
    CaseFactory.create_batch(3)
    _add_new_key(settings)
    fields = [Case._meta.get_field(name) for name in ("answers", "decision_reason")]
    cursor, changed = reseal_rows(Case, fields, cursor="", limit=10)
    assert (cursor, changed) == ("", 3)
    assert reseal_rows(Case, fields, cursor="", limit=10) == ("", 0)


def test_a_value_saved_while_its_batch_runs_is_not_overwritten(settings, parking_permit):
    """The batch writes a row back only if it still holds what was read."""
    case = CaseFactory()
    _add_new_key(settings)
    stale = Case.objects.get(pk=case.pk)
    stale.__dict__["answers"]  # the sealed value the batch read
    fresh = Case.objects.get(pk=case.pk)
    fresh.answers = {**ANSWERS, "zone": "B"}
    fresh.save()
    updated = Case._base_manager.filter(pk=case.pk, answers=stale.__dict__["answers"]).update(
        answers=stale.__dict__["answers"]
    )
    assert updated == 0
    assert Case.objects.get(pk=case.pk).answers["zone"] == "B"


def test_cases_are_found_by_search_throughout_the_rotation(
    client, parking_permit, caseworker, signed_in, settings
):
    case = submit_application(
        service=parking_permit, answers={**ANSWERS, "email": "found@example.com"}, fee_pence=1
    )
    signed_in(caseworker)

    def found() -> bool:
        page = client.get("/staff/cases/search/", {"q": "found@example.com"}).content.decode()
        return case.reference in page

    old = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, *old]
    assert found()  # by its digest under the old key
    call_command("keys", "rotate", stdout=io.StringIO())
    run_queued_jobs()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    # By its digest under the new key. (Sessions are not re-sealed, as they end by
    # themselves: the page's session went with the old key, so ask the search itself.)
    page = search_cases(text="found@example.com", staff=acting(caseworker))
    assert [found.reference for found in page.cases] == [case.reference]


def test_a_lost_batch_is_queued_again_by_the_sweep(settings, parking_permit):
    CaseFactory.create_batch(2)
    _add_new_key(settings)
    call_command("keys", "rotate", stdout=io.StringIO())
    DBTaskResult.objects.all().delete()  # the worker died with the jobs
    assert continue_key_rotations() == 0  # not stalled yet
    KeyRotationStep.objects.update(advanced_at="2000-01-01T00:00:00Z")
    assert continue_key_rotations() == KeyRotationStep.objects.count()
    run_queued_jobs()
    assert KeyRotation.objects.get().finished_at is not None
    assert _key_ids("cases_case", "answers") == {current_key_id()}


def test_rotating_again_for_the_same_key_carries_on_rather_than_starting_over(
    settings, parking_permit
):
    CaseFactory.create_batch(2)
    _add_new_key(settings)
    call_command("keys", "rotate", stdout=io.StringIO())
    call_command("keys", "rotate", stdout=io.StringIO())
    assert KeyRotation.objects.count() == 1
    started = AuditEvent.objects.filter(action="encryption_key.rotation_started")
    assert [(e.object_id, e.actor_type, e.actor_id) for e in started] == [
        (current_key_id(), "operator", "command-line")
    ] * 2
    run_queued_jobs()
    assert KeyRotation.objects.get().finished_at is not None


def test_the_status_says_how_far_it_got(settings, parking_permit):
    CaseFactory.create_batch(2)
    _add_new_key(settings)
    out = io.StringIO()
    call_command("keys", "rotation-status", stdout=out)
    assert "No rotation" in out.getvalue()
    assert "fields:cases_case\t0 re-sealed\t2 left" in out.getvalue()
    call_command("keys", "rotate", stdout=io.StringIO())
    run_queued_jobs()
    out = io.StringIO()
    call_command("keys", "rotation-status", stdout=out)
    assert "the old keys can be removed" in out.getvalue()
    assert "fields:cases_case\t2 re-sealed\tdone" in out.getvalue()


def test_rotating_with_one_key_configured_is_refused(db):
    with pytest.raises(CommandError, match="put the new key first"):
        call_command("keys", "rotate", stdout=io.StringIO())
    assert not KeyRotation.objects.exists()


def test_a_new_key_is_printed_and_nothing_else_happens(db):
    out = io.StringIO()
    call_command("keys", "rotate", "--new-key", stdout=out)
    key = out.getvalue().splitlines()[0]
    assert len(key) >= 40
    assert not KeyRotation.objects.exists()
