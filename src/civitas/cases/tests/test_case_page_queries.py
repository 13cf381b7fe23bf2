"""The case page reads a fixed number of queries with notes, labels and opinions on it:
one query each, however many there are."""

from civitas.cases.labelling import set_label
from civitas.cases.notes import add_note
from civitas.cases.opinions import answer_opinion, request_opinion
from civitas.cases.tests.test_case_labels import report_case
from civitas.cases.tests.test_queues import member
from conftest import acting

CASE_PAGE_QUERIES = 25
"""The session, user, device and staff context (4); the case and its service version (2);
the view recorded, in a savepoint: audit trail and transparency log (4; on SQLite the
log's entry is one statement more); the files (1); the work on the case: the viewer's
teams, the notes with their authors, the labels, the opinions with who asked and answered
(4); its service takes no payment, so nothing more for that; the messages with the
applicant (1); the emails (1); the history and the names in it (2); the transparency log
entries (3); and the session saved, in a savepoint (3)."""


def test_the_case_page_reads_the_same_queries_for_one_or_many_notes_labels_and_opinions(
    teams, client, signed_in, django_assert_num_queries
):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    expert = member("e@example.gov.uk", "caseworker", "environment")
    case = report_case(teams["highways"])
    staff = acting(worker)
    signed_in(worker)
    client.get(f"/staff/cases/{case.reference}/")  # the session's first read
    labels = iter(["dangerous", "repeat_report", "needs_visit"])
    for more in (1, 2):
        for _ in range(more):
            add_note(reference=case.reference, text="A note", staff=staff)
            asked = request_opinion(
                reference=case.reference, team="environment", question="Q?", staff=staff
            )
            answer_opinion(
                reference=case.reference, request_id=asked.pk, answer="A.", staff=acting(expert)
            )
            set_label(reference=case.reference, label=next(labels), on=True, staff=staff)
        with django_assert_num_queries(CASE_PAGE_QUERIES + 1):
            response = client.get(f"/staff/cases/{case.reference}/")
        assert response.status_code == 200
        body = response.content.decode()
        assert body.count("W added a note") == (1 if more == 1 else 3)
