"""A queue as CSV for team leaders: streamed in batches, no answers, audited, and no cell a
spreadsheet would run as a formula."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse

from civitas.cases import export
from civitas.cases.labelling import set_label
from civitas.cases.queues import Queue
from civitas.cases.tests.test_case_labels import report_case
from civitas.cases.tests.test_queues import member
from civitas.platform.csv_export import safe_cell
from civitas.platform.models import AuditEvent
from conftest import acting


def rows_of(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def leader(teams):
    return member("leader@example.gov.uk", "team_leader", "highways")


def test_a_team_leader_downloads_the_filtered_queue_without_answers_and_it_is_audited(
    client, signed_in, teams, leader
):
    plain = report_case(teams["highways"])
    marked = report_case(teams["highways"], minutes=1, assigned_to=leader)
    set_label(reference=marked.reference, label="dangerous", on=True, staff=acting(leader))
    signed_in(leader)
    response = client.get("/staff/cases/queues/team/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="cases-team.csv"'
    header, *rows = rows_of(response)
    assert header == export.COLUMNS
    assert [row[0] for row in rows] == [plain.reference, marked.reference]
    assert rows[1][1:4] == ["report-a-problem", "highways", "submitted"]
    assert rows[1][5] == "Leader"
    assert rows[1][7] == "dangerous"
    body = "\n".join(",".join(row) for row in rows)
    assert "A hole" not in body  # an answer
    event = AuditEvent.objects.get(action="cases.exported")
    assert event.details == {"queue": "team", "filters": {}, "rows": 2}
    assert event.actor_id == str(leader.pk)

    header, *rows = rows_of(client.get("/staff/cases/queues/team/export.csv?label=dangerous"))
    assert [row[0] for row in rows] == [marked.reference]
    latest = AuditEvent.objects.filter(action="cases.exported").order_by("-occurred_at").first()
    assert latest.details == {"queue": "team", "filters": {"label": "dangerous"}, "rows": 1}


def test_the_export_reads_in_keyset_batches_and_loses_or_repeats_no_case(
    teams, leader, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(export, "BATCH_SIZE", 4)
    made = [report_case(teams["highways"], minutes=n) for n in range(10)]
    lines = export.export_queue(Queue.TEAM, staff=acting(leader), filters={})
    header = next(lines)  # nothing is read before the first line is asked for
    assert header.startswith("reference,")
    # teams, then per batch of 4: the cases and their labels (3 batches), and the audit
    with django_assert_max_num_queries(1 + 3 * 2 + 2):
        rest = list(lines)
    assert [line.split(",")[0] for line in rest] == [case.reference for case in made]


def test_a_download_stopped_halfway_is_still_audited_with_the_rows_sent(teams, leader):
    for n in range(3):
        report_case(teams["highways"], minutes=n)
    lines = export.export_queue(Queue.TEAM, staff=acting(leader), filters={})
    next(lines), next(lines)
    lines.close()
    assert AuditEvent.objects.get(action="cases.exported").details["rows"] == 1


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Casey Worker", "Casey Worker"),
        (None, ""),
    ],
)
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text(value, cell):
    assert safe_cell(value) == cell


def test_a_staff_name_that_is_a_formula_is_exported_as_text(client, signed_in, teams, leader):
    leader.display_name = "=cmd|' /C calc'!A0"
    leader.save(update_fields=["display_name"])
    report_case(teams["highways"], assigned_to=leader)
    signed_in(leader)
    _, row = rows_of(client.get("/staff/cases/queues/team/export.csv"))
    assert row[5] == "'=cmd|' /C calc'!A0"


def test_only_a_team_leader_may_export_and_only_their_organisations_cases(
    client, signed_in, teams, leader, other_council_caseworker
):
    report_case(teams["highways"])
    worker = member("worker@example.gov.uk", "caseworker", "highways")
    signed_in(worker)
    assert client.get("/staff/cases/queues/team/export.csv").status_code == 403
    from conftest import make_staff

    theirs = make_staff("lead@sample-district.gov.uk", "team_leader", "sample-district")
    client.logout()
    signed_in(theirs)
    _, *rows = rows_of(client.get("/staff/cases/queues/team/export.csv"))
    assert rows == []
    assert client.get("/staff/cases/queues/nope/export.csv").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["status=\x00", "label=nope", "team=%00", "service=" + "x" * 500, "status=approved"],
)
def test_odd_filters_are_ignored_or_cut_never_a_server_error(
    client, signed_in, teams, leader, query
):
    signed_in(leader)
    response = client.get(f"/staff/cases/queues/team/export.csv?{query}")
    assert response.status_code == 200
    rows_of(response)


def test_the_download_lists_what_the_page_lists_for_the_age_it_was_filtered_by(
    client, signed_in, teams, leader
):
    old = report_case(teams["highways"], minutes=-8 * 24 * 60)  # 9 days ago
    report_case(teams["highways"])
    signed_in(leader)
    page = client.get("/staff/cases/queues/team/?age=7").content.decode()
    assert "export.csv?age=7&amp;" in page
    _, *rows = rows_of(client.get("/staff/cases/queues/team/export.csv?age=7"))
    assert [row[0] for row in rows] == [old.reference]
    for ignored in ("3", "x", "7\x00"):
        _, *rows = rows_of(client.get(f"/staff/cases/queues/team/export.csv?age={ignored}"))
        assert len(rows) == 2
