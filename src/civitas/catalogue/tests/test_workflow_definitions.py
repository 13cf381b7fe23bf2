"""A definition's `workflow`: read into typed values, the default when there is none, and
each mistake refused at its line. Pure, no database."""

import textwrap

from civitas.catalogue.definition import parse_definition
from civitas.catalogue.model import ServiceDefinition
from civitas.catalogue.tests.test_model import SMALL
from civitas.catalogue.workflow import DEFAULT_WORKFLOW

GOOD = """\
workflow:
  initial: submitted
  states:
    submitted:
      label: {en: Submitted, cy: Wedi'i gyflwyno}
      kind: open
      service_level_days: 10
    waiting:
      label: {en: Waiting for you, cy: Yn aros amdanoch}
      kind: waiting-for-citizen
    approved: {label: {en: Approved, cy: Wedi'i gymeradwyo}, kind: closed-approved}
    lapsed: {label: {en: Lapsed, cy: Wedi dod i ben}, kind: closed-other}
  transitions:
    - id: approve
      from: [submitted]
      to: approved
      label: {en: Approve, cy: Cymeradwyo}
      roles: [caseworker, team_leader]
      reason: optional
      confirm: {en: I have checked the evidence, cy: Rwyf wedi gwirio'r dystiolaeth}
    - id: ask
      from: [submitted]
      to: waiting
      label: {en: Ask for more, cy: Gofyn am ragor}
      roles: [caseworker]
      reason: required
  automatic:
    - id: lapse
      after: {days: 14, in: waiting}
      to: lapsed
    - id: replied
      on: citizen_replied
      from: [waiting]
      to: submitted
"""


def source_with(workflow: str) -> str:
    return textwrap.dedent(SMALL) + workflow


def problems(workflow: str) -> list[str]:
    parsed = parse_definition(source_with(workflow), filename="svc.yaml")
    return [str(problem) for problem in parsed.problems]


def line_with(workflow: str, text: str, occurrence: int = 1) -> int:
    """The line of the source on which `text` appears (its `occurrence`th time)."""
    lines = source_with(workflow).splitlines()
    found = [number for number, line in enumerate(lines, start=1) if text in line]
    return found[occurrence - 1]


def test_a_declared_workflow_is_read_into_states_transitions_and_timers() -> None:
    parsed = parse_definition(source_with(GOOD), filename="svc.yaml")
    assert parsed.problems == []
    workflow = ServiceDefinition.from_document(parsed.definition).workflow
    assert workflow.initial == "submitted"
    assert workflow.state("submitted").service_level_days == 10
    assert workflow.state("waiting").is_waiting
    assert workflow.state("lapsed").is_closed
    assert workflow.state("approved").label.in_language("cy") == "Wedi'i gymeradwyo"
    [approve] = workflow.transitions_from("submitted", frozenset({"team_leader"}))
    assert (approve.id, approve.reason, str(approve.confirm)) == (
        "approve",
        "optional",
        "I have checked the evidence",
    )
    assert [t.id for t in workflow.transitions_from("submitted", frozenset({"caseworker"}))] == [
        "approve",
        "ask",
    ]
    assert workflow.transitions_from("submitted", frozenset({"service_owner"})) == []
    [timer] = workflow.timers_in("waiting")
    assert (timer.id, timer.after_days, timer.to) == ("lapse", 14, "lapsed")
    assert workflow.on_event("waiting", "citizen_replied").to == "submitted"
    assert workflow.on_event("submitted", "citizen_replied") is None


def test_a_service_without_a_workflow_gets_the_default_of_submitted_then_approved_or_refused():
    parsed = parse_definition(textwrap.dedent(SMALL), filename="svc.yaml")
    workflow = ServiceDefinition.from_document(parsed.definition).workflow
    assert workflow is DEFAULT_WORKFLOW
    assert workflow.initial == "submitted"
    assert {t.id: (t.from_states, t.to, t.reason) for t in workflow.transitions} == {
        "approve": (("submitted",), "approved", "optional"),
        "refuse": (("submitted",), "refused", "required"),
    }
    assert workflow.state("refused").kind == "closed-refused"


def test_an_unknown_state_is_refused_where_it_is_named() -> None:
    bad = GOOD.replace("      to: approved\n", "      to: aproved\n")
    assert problems(bad) == [
        f"svc.yaml:{line_with(bad, 'to: aproved')}: "
        "unknown state 'aproved': a transition to nowhere",
        # Nothing else leads to approved: it is unreachable too.
        f"svc.yaml:{line_with(bad, 'approved: {label')}: state 'approved' is unreachable: "
        "no transition leads to it from 'submitted'",
    ]


def test_a_transition_from_a_state_not_declared_is_refused_at_its_line() -> None:
    bad = GOOD.replace("      from: [waiting]\n", "      from: [wating]\n")
    assert problems(bad) == [
        f"svc.yaml:{line_with(bad, 'from: [wating]')}: "
        "unknown state 'wating': a transition from nowhere"
    ]


def test_an_initial_state_not_declared_is_refused() -> None:
    bad = GOOD.replace("  initial: submitted\n", "  initial: sent\n")
    assert problems(bad) == [
        f"svc.yaml:{line_with(bad, 'initial: sent')}: unknown state 'sent' "
        "(declared: submitted, waiting, approved, lapsed)"
    ]


def test_a_state_no_transition_reaches_is_refused_at_its_name() -> None:
    bad = GOOD.replace(
        "    lapsed:",
        "    archived: {label: {en: Archived, cy: Archif}, kind: closed-other}\n    lapsed:",
    )
    assert problems(bad) == [
        f"svc.yaml:{line_with(bad, 'archived:')}: state 'archived' is unreachable: "
        "no transition leads to it from 'submitted'"
    ]


def test_a_workflow_in_which_no_case_can_close_is_refused() -> None:
    bad = """\
workflow:
  initial: submitted
  states:
    submitted: {label: {en: Submitted, cy: Wedi'i gyflwyno}, kind: open}
    checking: {label: {en: Checking, cy: Gwirio}, kind: open}
  transitions:
    - id: check
      from: [submitted]
      to: checking
      label: {en: Check, cy: Gwirio}
      roles: [caseworker]
"""
    assert problems(bad) == [
        f"svc.yaml:{line_with(bad, 'states:')}: "
        "no closed state can be reached: a case could never be closed"
    ]


def test_an_unknown_role_is_refused_naming_the_roles_there_are() -> None:
    bad = GOOD.replace("roles: [caseworker, team_leader]", "roles: [caseworker, manager]")
    assert problems(bad) == [
        f"svc.yaml:{line_with(bad, 'manager')}: unknown role 'manager' (use one of "
        "caseworker, team_leader, service_owner, finance, administrator)"
    ]


def test_a_timer_on_a_state_that_is_not_waiting_is_refused() -> None:
    bad = GOOD.replace("after: {days: 14, in: waiting}", "after: {days: 14, in: submitted}")
    assert problems(bad) == [
        f"svc.yaml:{line_with(bad, 'in: submitted')}: a timer runs only in a waiting "
        "state: 'submitted' is open"
    ]


def test_a_transition_id_used_twice_is_refused_at_the_second() -> None:
    bad = GOOD.replace("    - id: replied\n", "    - id: ask\n")
    assert problems(bad) == [
        f"svc.yaml:{line_with(bad, '- id: ask', 2)}: transition id 'ask' is used twice"
    ]


def test_an_automatic_transition_needs_a_timer_or_an_event_not_both() -> None:
    bad = GOOD.replace(
        "      after: {days: 14, in: waiting}\n",
        "      after: {days: 14, in: waiting}\n      on: citizen_replied\n",
    )
    [problem] = problems(bad)
    assert problem.startswith(f"svc.yaml:{line_with(bad, '- id: lapse')}:")


def test_an_unknown_kind_or_event_is_refused_by_the_schema() -> None:
    bad_kind = GOOD.replace("kind: waiting-for-citizen", "kind: pending")
    [problem] = problems(bad_kind)
    assert problem.startswith(f"svc.yaml:{line_with(bad_kind, 'kind: pending')}:")
    bad_event = GOOD.replace("on: citizen_replied", "on: payment_taken")
    assert problems(bad_event)


def test_a_label_in_english_only_is_a_welsh_gap_at_its_line() -> None:
    english_only = GOOD.replace(
        "label: {en: Waiting for you, cy: Yn aros amdanoch}", "label: Waiting for you"
    )
    parsed = parse_definition(source_with(english_only), filename="svc.yaml")
    assert parsed.problems == []
    gaps = [str(gap) for gap in parsed.welsh_gaps]
    assert (
        f"svc.yaml:{line_with(english_only, 'label: Waiting for you')}: "
        "workflow.states.waiting.label: no Welsh (cy) text"
    ) in gaps


def test_a_reason_asked_for_but_never_sent_is_refused_at_its_line() -> None:
    unsent = GOOD.replace(
        "    - id: ask\n",
        "    - id: reopen\n      from: [lapsed]\n      to: submitted\n"
        "      label: {en: Reopen, cy: Ailagor}\n      roles: [caseworker]\n"
        "      reason: optional\n    - id: ask\n",
    )
    source = source_with(unsent).replace('body: "You can have it. ((reason))"', "body: Yes.")
    parsed = parse_definition(source, filename="svc.yaml")
    lines = source.splitlines()
    reasons = [n for n, line in enumerate(lines, start=1) if "reason: optional" in line]
    assert [str(problem) for problem in parsed.problems] == [
        f"svc.yaml:{reasons[0]}: transition 'approve' asks for a reason, which the page says "
        "is sent to the applicant, but the 'approved' message does not use ((reason)) in "
        "every language: use ((reason)) there, or set its `reason: none`",
        f"svc.yaml:{reasons[1]}: transition 'reopen' asks for a reason, which the page says "
        "is sent to the applicant, but its move sends the applicant no message: use "
        "((reason)) there, or set its `reason: none`",
    ]


def test_the_platforms_workflow_asks_for_an_approval_reason_only_if_its_message_sends_it():
    def approve_reason(body: str) -> str:
        source = textwrap.dedent(SMALL).replace('"You can have it. ((reason))"', body)
        parsed = parse_definition(source, filename="svc.yaml")
        assert parsed.problems == []
        workflow = ServiceDefinition.from_document(parsed.definition).workflow
        return workflow.transition("approve").reason

    assert approve_reason('"You can have it. ((reason))"') == "optional"
    assert approve_reason("You can have it.") == "none"
