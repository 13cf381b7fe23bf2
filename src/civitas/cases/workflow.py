"""A case's lifecycle as a table: the states and who may move a case between them."""

from enum import StrEnum


class Status(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"


class Outcome(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"


TRANSITIONS: dict[tuple[Status, Outcome], Status] = {
    (Status.SUBMITTED, Outcome.APPROVE): Status.APPROVED,
    (Status.SUBMITTED, Outcome.REFUSE): Status.REFUSED,
}

NEEDS_REASON = {Outcome.REFUSE}


class TransitionNotAllowed(ValueError):
    pass


def transition(status: Status, outcome: Outcome) -> Status:
    """The state a case moves to, or TransitionNotAllowed naming why not."""
    try:
        return TRANSITIONS[(status, outcome)]
    except KeyError:
        raise TransitionNotAllowed(
            f"a case that is {status.value} cannot be given the outcome '{outcome.value}'"
        ) from None
