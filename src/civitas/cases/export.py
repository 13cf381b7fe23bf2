"""A queue as a CSV file, for team leaders: what is in it, not what the citizens said.

Written as it is read: the cases come in batches by key, in the queue's order, each batch
with one more query for its labels, and each row goes to the response as soon as it is
made, so a long queue never sits in memory. The columns hold no answers and no personal
data of the applicants. The download is audited when it ends (who, which queue and
filter, how many rows), however it ends.
"""

from collections.abc import Iterator, Mapping

from civitas.cases.events import CasesExported
from civitas.cases.models import Case, CaseLabel
from civitas.cases.queues import Queue, filtered_queue, queue_cursor
from civitas.identity.public import StaffContext, list_teams_of
from civitas.platform.csv_export import csv_lines
from civitas.platform.events import publish

BATCH_SIZE = 500
COLUMNS = ["reference", "service", "team", "status", "submitted", "assigned to", "due", "labels"]


def _due(case: Case) -> str:
    """When the case's service-level clock falls due; "" while it has none (waiting for
    the citizen, closed, or a status without a target)."""
    return case.due_at.isoformat() if case.due_at is not None else ""


def _batches(
    queue: Queue, *, staff: StaffContext, filters: Mapping[str, str]
) -> Iterator[list[Case]]:
    """The queue's cases, filtered as its page is (queues.filtered_queue), a batch at a
    time by key."""
    teams = list_teams_of(user_id=staff.user.pk, organisation_id=staff.organisation.id)
    cursor: str | None = None
    while True:
        batch = list(
            filtered_queue(
                queue,
                staff=staff,
                teams=teams,
                team=filters.get("team"),
                service=filters.get("service"),
                status=filters.get("status"),
                older_than_days=int(filters["age"]) if "age" in filters else None,
                label=filters.get("label"),
                cursor=cursor,
                limit=BATCH_SIZE,
            )[:BATCH_SIZE]
        )
        if batch:
            yield batch
        if len(batch) < BATCH_SIZE:
            return
        cursor = queue_cursor(queue, batch[-1])


def _rows(batch: list[Case]) -> Iterator[list[object]]:
    labels: dict[int, list[str]] = {}
    for case_id, label in (
        CaseLabel.objects.filter(case_id__in=[case.id for case in batch])
        .order_by("case_id", "label")
        .values_list("case_id", "label")
    ):
        labels.setdefault(case_id, []).append(label)
    for case in batch:
        yield [
            case.reference,
            case.service_slug,
            case.team.slug if case.team else "",
            case.status,
            case.submitted_at.isoformat(),
            case.assigned_to.display_name if case.assigned_to else "",
            _due(case),
            " ".join(labels.get(case.id, [])),
        ]


def export_queue(queue: Queue, *, staff: StaffContext, filters: Mapping[str, str]) -> Iterator[str]:
    """The queue's cases as CSV lines (header first), filtered as its page is, all of them
    rather than a page. Audited once the last line is sent or the download stops."""
    count = 0

    def rows() -> Iterator[list[object]]:
        nonlocal count
        for batch in _batches(queue, staff=staff, filters=filters):
            for row in _rows(batch):
                count += 1
                yield row

    try:
        yield from csv_lines(COLUMNS, rows())
    finally:
        publish(
            CasesExported(
                organisation=staff.organisation.slug,
                staff_user_id=str(staff.user.pk),
                queue=queue.value,
                filters=dict(filters),
                rows=count,
            )
        )
