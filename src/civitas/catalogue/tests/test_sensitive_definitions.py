"""`sensitive: true` on a question: what the definition may and may not do with it, each
problem reported at its line."""

from civitas.catalogue.definition import parse_definition
from civitas.catalogue.model import ServiceDefinition
from conftest import OTHER_COUNCIL_PERMIT, SERVICES


def _source() -> str:
    return OTHER_COUNCIL_PERMIT.read_text()


def _problems(source: str) -> list[str]:
    parsed = parse_definition(source, filename="svc.yaml", base_dir=OTHER_COUNCIL_PERMIT.parent)
    return [str(problem) for problem in parsed.problems]


def _line_of(source: str, text: str, after: int = 0) -> int:
    return next(n for n, line in enumerate(source.splitlines(), 1) if n > after and text in line)


def _mark(source: str, question_id: str, value: str = "true") -> str:
    marked = source.replace(
        f"      id: {question_id}\n", f"      id: {question_id}\n      sensitive: {value}\n", 1
    )
    assert marked != source
    return marked


def test_a_question_marked_sensitive_is_valid_and_read_into_the_model():
    parsed = parse_definition(
        _mark(_source(), "co2_band"),
        filename="svc.yaml",
        base_dir=OTHER_COUNCIL_PERMIT.parent,
    )
    assert parsed.problems == []
    model = ServiceDefinition.from_document(parsed.definition)
    assert model.sensitive_ids == {"co2_band"}
    assert model.question("co2_band").sensitive
    assert not model.question("email").sensitive


def test_sensitive_that_is_not_true_or_false_is_reported_at_its_line():
    source = _mark(_source(), "co2_band", "yes please")
    line = _line_of(source, "sensitive: yes please")
    assert any(p.startswith(f"svc.yaml:{line}:") for p in _problems(source))


def test_a_message_cannot_show_a_sensitive_answer():
    source = _mark(_source(), "registration")
    line = _line_of(source, "permit application ((reference))")
    problems = _problems(source)
    body_line = _line_of(source, "for ((registration))")
    assert any(
        p.startswith(f"svc.yaml:{body_line}:")
        and "'((registration))' is a sensitive answer, or worked out from one" in p
        for p in problems
    ), problems
    assert not any(p.startswith(f"svc.yaml:{line}:") for p in problems)


def test_the_contact_email_cannot_be_sensitive():
    source = _mark(_source(), "email")
    line = _line_of(source, "sensitive: true")
    assert f"svc.yaml:{line}: 'email' is the contact email: it cannot be sensitive" in _problems(
        source
    )


def test_the_example_services_mark_health_money_and_identity_answers_sensitive():
    from civitas.catalogue.definition import parse_file

    def sensitive(name: str) -> frozenset[str]:
        parsed = parse_file(SERVICES / name / "service.yaml")
        assert parsed.problems == []
        return ServiceDefinition.from_document(parsed.definition).sensitive_ids

    assert {
        "earnings",
        "other_income",
        "savings",
        "support",
        "childcare",
        "member_earnings",
        "member_other_income",
        "member_savings",
        "member_support",
    } <= sensitive("council-tax-reduction")
    assert {"walking_description", "proof_of_identity", "national_insurance_number"} <= (
        sensitive("blue-badge")
    )
    assert "national_insurance_number" in sensitive("register-to-vote")
    assert {"income", "dividends"} <= sensitive("estimate-income-tax")


def test_a_message_cannot_show_a_value_worked_out_from_a_sensitive_answer():
    source = (
        _mark(_source(), "start_date")
        .replace("((start_date))", "((start_year))")
        .replace(
            "\nmessages:\n",
            "\ncomputed:\n  start_year: days_between(today, start_date)\n\nmessages:\n",
            1,
        )
    )
    problems = _problems(source)
    line = _line_of(source, "((start_year))")
    assert any(
        p.startswith(f"svc.yaml:{line}:")
        and "'((start_year))' is a sensitive answer, or worked" in p
        for p in problems
    ), problems
