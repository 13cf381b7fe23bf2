"""The print outbox: each letter goes into the day's batch once; at the cut-off the batch
closes with one manifest, and its letters are `received`."""

import datetime
import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from civitas.notify.delivery import deliver_message
from civitas.notify.models import Message
from civitas.notify.printing import (
    MANIFEST,
    close_batch,
    close_due_print_batches,
    find_letter,
    open_batch,
    outbox,
    put_in_outbox,
)
from civitas.notify.providers import Channel, OutgoingMessage
from civitas.notify.providers.printer import PrintOutboxProvider
from civitas.notify.sending import send_from_template
from civitas.notify.tests.letters_support import (
    ADDRESS,
    make_letter_template,
    make_sending_service,
)
from civitas.platform.periodic import periodic_jobs
from conftest import run_queued_jobs

LONDON = datetime.timezone(datetime.timedelta(0))  # December: the UK is on GMT
MORNING = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=LONDON)
AFTER_CUTOFF = datetime.datetime(2026, 12, 3, 17, 30, tzinfo=LONDON)


def _letter(key: str = "letter-1", *, postage: str = "") -> Message:
    service = make_sending_service()
    template = make_letter_template(service)
    return send_from_template(
        sending_service=service,
        template=template,
        recipient=ADDRESS,
        personalisation={"name": "Alys"},
        idempotency_key=key,
        postage=postage,
    )


def _hand_over(message: Message) -> None:
    PrintOutboxProvider().send(
        OutgoingMessage(
            channel=Channel.LETTER,
            reference=str(message.id),
            recipient=message.recipient,
            subject=message.subject,
            body_text=message.body_text,
        )
    )


def test_a_queued_letter_is_put_in_the_print_outbox_and_accepted(db):
    message = _letter()
    run_queued_jobs()
    message.refresh_from_db()
    assert (message.status, message.provider) == (Message.Status.ACCEPTED, "print")
    batch = find_letter(str(message.id))
    assert batch is not None
    assert message.provider_reference == f"{batch}/{message.id}"
    printed = (outbox() / batch / f"{message.id}.pdf").read_bytes()
    assert printed.startswith(b"%PDF-")
    # What the API returns is what was printed: kept, sealed, when handed over.
    assert message.stored_file


def test_a_letter_handed_over_twice_is_written_once_even_after_its_batch_closed(db):
    message = _letter()
    _hand_over(message)
    _hand_over(message)
    batch = find_letter(str(message.id))
    assert close_batch(batch)
    _hand_over(message)  # a worker that died before recording the first hand-over
    assert len(list(outbox().glob(f"*/{message.id}.pdf"))) == 1


def test_letters_go_in_todays_batch_until_the_cutoff_then_tomorrows():
    assert open_batch(MORNING) == "2026-12-03"
    assert open_batch(AFTER_CUTOFF) == "2026-12-04"
    # British Summer Time: 17:30 in London is 16:30 UTC.
    assert open_batch(datetime.datetime(2026, 6, 1, 16, 29, tzinfo=datetime.UTC)) == "2026-06-01"
    assert open_batch(datetime.datetime(2026, 6, 1, 16, 30, tzinfo=datetime.UTC)) == "2026-06-02"


def test_once_todays_batch_is_closed_letters_go_in_the_next(db):
    put_in_outbox("00000000-0000-0000-0000-000000000001", b"not a PDF", now=MORNING)
    assert close_batch("2026-12-03", now=MORNING)
    assert open_batch(MORNING) == "2026-12-04"


def test_closing_a_batch_writes_its_manifest_and_marks_its_letters_received(db):
    first, second = _letter("a", postage="first"), _letter("b")
    for message in (first, second):
        deliver_message(str(message.id))
    batch = find_letter(str(first.id))
    now = timezone.now()
    assert close_batch(batch, now=now)

    manifest = json.loads((outbox() / batch / MANIFEST).read_bytes())
    assert manifest["batch"] == batch
    listed = {letter["id"]: letter for letter in manifest["letters"]}
    assert set(listed) == {str(first.id), str(second.id)}
    assert listed[str(first.id)]["postage"] == "first"
    assert listed[str(second.id)]["postage"] == "second"
    pdf = (outbox() / batch / f"{first.id}.pdf").read_bytes()
    assert listed[str(first.id)]["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert listed[str(first.id)]["pages"] == 1
    for message in (first, second):
        message.refresh_from_db()
        assert message.status == Message.Status.RECEIVED
        assert message.completed_at == now
        assert message.print_batch == batch


def test_closing_a_batch_twice_writes_one_manifest(db):
    message = _letter()
    deliver_message(str(message.id))
    batch = find_letter(str(message.id))
    assert close_batch(batch)
    written = (outbox() / batch / MANIFEST).read_bytes()
    assert not close_batch(batch)
    assert (outbox() / batch / MANIFEST).read_bytes() == written
    assert len(list((outbox() / batch).glob("manifest*"))) == 1


def test_the_daily_job_closes_a_batch_only_after_its_cutoff(db):
    message = _letter()
    deliver_message(str(message.id))
    batch = find_letter(str(message.id))
    day = datetime.date.fromisoformat(batch)
    before = datetime.datetime.combine(
        day, datetime.time(17, 29), tzinfo=timezone.get_current_timezone()
    )
    after = before + datetime.timedelta(minutes=1)
    assert close_due_print_batches(now=before) == []
    assert Message.objects.get().status == Message.Status.ACCEPTED
    assert close_due_print_batches(now=after) == [batch]
    assert close_due_print_batches(now=after) == []
    assert Message.objects.get().status == Message.Status.RECEIVED


def test_a_letter_recorded_accepted_after_its_batch_closed_is_received_at_the_next_run(db):
    message = _letter()
    deliver_message(str(message.id))
    batch = find_letter(str(message.id))
    close_batch(batch)
    # The worker's record of the hand-over landed after the batch closed.
    Message.objects.filter(id=message.id).update(status=Message.Status.ACCEPTED)
    close_due_print_batches()
    assert Message.objects.get().status == Message.Status.RECEIVED


def test_an_operator_can_close_the_open_batch_now(db):
    message = _letter()
    deliver_message(str(message.id))
    out = io.StringIO()
    call_command("printbatch", "close", stdout=out)
    assert "closed" in out.getvalue()
    assert Message.objects.get().status == Message.Status.RECEIVED
    out = io.StringIO()
    call_command("printbatch", "close", stdout=out)
    assert out.getvalue().strip() == "no letters waiting"


def test_the_workers_close_due_batches_every_minute():
    [job] = [job for job in periodic_jobs() if job.name == "notify.close_due_print_batches"]
    assert job.every_seconds == 60


@pytest.mark.parametrize("name", ["../etc", "2026-12-3", "today"])
def test_a_batch_is_named_by_its_day_only(db, name):
    with pytest.raises(ValueError, match="named by its day"):
        close_batch(name)


def test_a_precompiled_letter_is_printed_as_sent(db):
    from civitas.notify.precompiled import queue_precompiled_letter
    from civitas.notify.tests.test_precompiled import _letter

    pdf = _letter()
    message = queue_precompiled_letter(
        sending_service=make_sending_service(), reference="r", content=pdf, idempotency_key="p"
    )
    run_queued_jobs()
    batch = find_letter(str(message.id))
    assert (outbox() / batch / f"{message.id}.pdf").read_bytes() == pdf
    assert Message.objects.get().status == Message.Status.ACCEPTED


def test_a_deleted_letter_takes_its_kept_pdf_with_it(db, django_capture_on_commit_callbacks):
    from civitas.notify.letters import FOLDER
    from civitas.notify.public import delete_messages_about
    from civitas.platform.files.store import sealed_file_path

    message = _letter()
    Message.objects.filter(id=message.id).update(about="ABC-123")
    deliver_message(str(message.id))
    close_due_print_batches(now=timezone.now() + datetime.timedelta(days=1))
    message.refresh_from_db()
    kept = sealed_file_path(FOLDER, message.stored_file)
    assert kept.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert delete_messages_about(about="ABC-123", organisation_id=message.organisation_id) == 1
    assert not kept.exists()


def test_health_says_late_when_a_batch_stays_open_past_its_cutoff(db):
    from civitas.notify.printing import check_print_outbox

    long_ago = datetime.datetime(2020, 1, 6, 9, tzinfo=datetime.UTC)
    put_in_outbox("00000000-0000-0000-0000-000000000002", b"%PDF-", now=long_ago)
    health = check_print_outbox()
    assert health.status == "late"
    assert health.details == {"late_batches": 1, "waiting_letters": 1}
    close_batch("2020-01-06")
    assert check_print_outbox().status == "ok"


def test_health_is_ok_while_the_open_batch_waits_for_its_cutoff(db):
    from civitas.notify.printing import check_print_outbox

    message = _letter()
    deliver_message(str(message.id))
    assert check_print_outbox().details == {"late_batches": 0, "waiting_letters": 1}
    assert check_print_outbox().status == "ok"
