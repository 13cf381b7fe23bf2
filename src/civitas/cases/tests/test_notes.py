"""Private notes on a case: written by its organisation's caseworkers, read by its staff
only, encrypted at rest, audited without their text."""

import logging

import pytest
from django.db import connection

from civitas.cases.models import CaseNote
from civitas.cases.notes import NOTE_MAX_LENGTH, TextInvalid, add_note, list_notes
from civitas.cases.services import CaseNotFound
from civitas.cases.tests.factories import CaseFactory
from civitas.platform.crypto import DecryptionError
from civitas.platform.models import AuditEvent
from conftest import acting, make_staff

SECRET = "Neighbour says the car is never parked here"


@pytest.fixture
def case(parking_permit):
    return CaseFactory()


@pytest.fixture
def worker(db):
    user = make_staff("casey.worker@example.gov.uk", "caseworker")
    user.display_name = "Casey Worker"
    user.save(update_fields=["display_name"])
    return user


def test_a_caseworker_adds_a_note_and_it_shows_newest_first_with_author_and_time(
    client, signed_in, case, worker
):
    signed_in(worker)
    first = client.post(f"/staff/cases/{case.reference}/notes/", {"note": "First look"})
    assert first.status_code == 302
    assert first["Location"].startswith(f"/staff/cases/{case.reference}/")
    client.post(f"/staff/cases/{case.reference}/notes/", {"note": "Second look\nwith detail"})
    body = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert body.index("Second look<br>with detail") < body.index("First look")
    assert "<strong>Casey Worker</strong>" in body
    assert "Casey Worker added a note" in body


def test_adding_a_note_is_audited_with_who_and_which_case_but_never_the_text(case, worker, caplog):
    caplog.set_level(logging.DEBUG)
    add_note(reference=case.reference, text=SECRET, staff=acting(worker))
    event = AuditEvent.objects.get(action="case.note_added")
    assert (event.object_id, event.actor_id, event.organisation) == (
        case.reference,
        str(worker.pk),
        "example-borough",
    )
    assert SECRET not in str(event.details)
    assert SECRET not in caplog.text


def test_a_note_is_encrypted_at_rest_and_opens_only_as_its_own_row(case, worker):
    note = add_note(reference=case.reference, text=SECRET, staff=acting(worker))
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM cases_casenote WHERE id = %s", [note.pk])
        (stored,) = cursor.fetchone()
    assert SECRET not in stored
    other = CaseFactory()
    copy = add_note(reference=other.reference, text="Other", staff=acting(worker))
    with connection.cursor() as cursor:  # a sealed text moved to another note's row
        cursor.execute("UPDATE cases_casenote SET text = %s WHERE id = %s", [stored, copy.pk])
    with pytest.raises(DecryptionError):
        _ = CaseNote.objects.get(pk=copy.pk).text


def test_a_note_whose_key_names_another_case_is_not_shown_on_this_one(case, worker):
    other = CaseFactory()
    add_note(reference=other.reference, text=SECRET, staff=acting(worker))
    CaseNote.objects.update(case=case)  # pointed at another case, its key unchanged
    assert list_notes(case) == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Enter a note"),
        ("   \n\t ", "Enter a note"),
        ("\u200b\u200b", "Enter a note"),
        ("x" * (NOTE_MAX_LENGTH + 1), "characters or fewer"),
        ("nul \x00 byte", "characters that cannot be typed"),
        ("bidi \u202e override", "characters that cannot be typed"),
        ("lone \ud800 surrogate", "characters that cannot be typed"),
    ],
)
def test_a_note_that_cannot_be_kept_is_refused_and_nothing_is_stored(case, worker, text, error):
    with pytest.raises(TextInvalid, match=error):
        add_note(reference=case.reference, text=text, staff=acting(worker))
    assert not CaseNote.objects.exists()
    assert not AuditEvent.objects.filter(action="case.note_added").exists()


def test_a_refused_note_shows_the_form_again_with_the_error_and_the_text(
    client, signed_in, case, worker
):
    signed_in(worker)
    response = client.post(
        f"/staff/cases/{case.reference}/notes/", {"note": "x" * (NOTE_MAX_LENGTH + 1)}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert "A note must be 5,000 characters or fewer" in body


def test_markup_in_a_note_is_shown_as_text(client, signed_in, case, worker):
    signed_in(worker)
    client.post(f"/staff/cases/{case.reference}/notes/", {"note": "<script>alert(1)</script>"})
    body = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_another_organisations_caseworker_cannot_add_or_read_notes_by_a_guessed_url(
    client, signed_in, case, worker, other_council_caseworker
):
    add_note(reference=case.reference, text=SECRET, staff=acting(worker))
    signed_in(other_council_caseworker)
    assert client.post(f"/staff/cases/{case.reference}/notes/", {"note": "x"}).status_code == 404
    assert client.get(f"/staff/cases/{case.reference}/notes/").status_code == 404
    assert client.get(f"/staff/cases/{case.reference}/").status_code == 404
    assert CaseNote.objects.count() == 1
    with pytest.raises(CaseNotFound):
        add_note(
            reference=case.reference,
            text="x",
            staff=acting(other_council_caseworker, "sample-district"),
        )


def test_staff_who_only_read_cases_see_notes_but_cannot_add_them(client, signed_in, case, worker):
    add_note(reference=case.reference, text=SECRET, staff=acting(worker))
    auditor = make_staff("auditor@example.gov.uk", "auditor")
    signed_in(auditor)
    body = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert SECRET in body
    assert 'name="note"' not in body
    assert client.post(f"/staff/cases/{case.reference}/notes/", {"note": "x"}).status_code == 403


def test_the_citizen_never_sees_a_note(client, case, worker):
    add_note(reference=case.reference, text=SECRET, staff=acting(worker))
    # The citizen's only window on a case is the tracking page.
    response = client.get(f"/applications/{case.reference}/", follow=True)
    assert SECRET.encode() not in response.content
