"""A team leader giving several cases of a queue to one member of the team at once.

Each case is assigned as a single assignment is (assignment.assign_case: its own
transaction, the case locked, a `case.assigned` audit event), as a compare-and-set on who
held it when the queue page was drawn. A case that was taken, given or decided since is
reported with the reason, never skipped in silence."""

from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_noop

from civitas.cases.assignment import AssignmentInvalid, assign_case
from civitas.cases.notes import NotAllowed
from civitas.cases.services import CaseNotFound
from civitas.identity.public import StaffContext

MAX_CASES = 50
"""At most one queue page's cases in one go."""

LEADERS_ONLY = gettext_noop("Only a team leader can assign cases")
NOT_FOUND = gettext_noop("There is no such case")


@dataclass
class BulkResult:
    assigned: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    """(reference, why) for each case left as it was."""


def assign_cases(
    *, seen: dict[str, int | None], assignee_id: int, staff: StaffContext
) -> BulkResult:
    """Gives each case (reference -> who held it when the page was drawn) to the assignee.
    Needs `cases.assign`."""
    if not staff.can("cases.assign"):
        raise NotAllowed(gettext(LEADERS_ONLY))
    result = BulkResult()
    for reference, expected in list(seen.items())[:MAX_CASES]:
        try:
            assign_case(
                reference=reference,
                assignee_id=assignee_id,
                staff=staff,
                expected_assignee_id=expected,
            )
        except CaseNotFound:
            result.refused.append((reference, gettext(NOT_FOUND)))
        except AssignmentInvalid as error:
            result.refused.append((reference, str(error)))
        else:
            result.assigned.append(reference)
    return result
