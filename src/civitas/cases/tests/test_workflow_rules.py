"""Whether a case may move, decided without a database: by state, by role, with what the
transition requires."""

import datetime

import pytest

from civitas.cases.workflow import (
    TransitionNotAllowed,
    check_transition,
    message_for,
    missing_requirement,
    timer_due_at,
)
from civitas.catalogue.public import DEFAULT_WORKFLOW

CASEWORKER = frozenset({"caseworker"})


def test_a_caseworker_may_approve_a_submitted_case() -> None:
    chosen = check_transition(
        DEFAULT_WORKFLOW, status="submitted", transition_id="approve", roles=CASEWORKER
    )
    assert chosen.to == "approved"
    assert message_for(DEFAULT_WORKFLOW.state(chosen.to)) == "approved"


@pytest.mark.parametrize(
    ("status", "transition_id", "roles", "message"),
    [
        ("approved", "refuse", CASEWORKER, "“Refuse” cannot be done to a case that is approved"),
        ("submitted", "approve", frozenset({"finance"}), "Only a caseworker or a team leader"),
        ("submitted", "approve", frozenset(), "Only a caseworker or a team leader"),
        ("submitted", "<script>", CASEWORKER, "no such action"),
        ("submitted", "", CASEWORKER, "no such action"),
    ],
)
def test_a_transition_from_the_wrong_state_by_the_wrong_role_or_unknown_is_refused(
    status: str, transition_id: str, roles: frozenset[str], message: str
) -> None:
    with pytest.raises(TransitionNotAllowed, match=message):
        check_transition(DEFAULT_WORKFLOW, status=status, transition_id=transition_id, roles=roles)


def test_a_case_in_a_state_its_workflow_does_not_know_can_only_be_refused_a_move() -> None:
    assert DEFAULT_WORKFLOW.state("archived").label == "archived"
    assert DEFAULT_WORKFLOW.transitions_from("archived", CASEWORKER) == []


def test_a_refusal_needs_a_reason_that_is_more_than_spaces() -> None:
    refuse = DEFAULT_WORKFLOW.transition("refuse")
    assert refuse is not None
    assert missing_requirement(refuse, reason=" \n ", confirmed=False) == (
        "Enter the reason: it is sent to the applicant"
    )
    assert missing_requirement(refuse, reason="Not in a zone", confirmed=False) is None


def test_a_state_without_a_timer_has_no_due_time() -> None:
    assert timer_due_at(DEFAULT_WORKFLOW, "submitted", datetime.datetime(2026, 1, 1)) is None
