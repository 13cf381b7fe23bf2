"""Reading a service definition: YAML in, a checked definition or `file:line` problems out.

Everything here is pure: no database. Loading a definition into the catalogue is in
services.py.
"""

import csv
import functools
import hashlib
import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civitas.catalogue.texts import text_versions
from civitas.catalogue.welsh import welsh_gaps
from civitas.catalogue.workflow import (
    WAITING_FOR_CITIZEN,
    workflow_problems,
)
from civitas.platform.markdown import markdown_problems
from civitas.platform.message_templates import (
    TemplateSyntaxError,
    parse_template,
    placeholder_key,
)
from civitas.platform.yamlsource import (
    Document,
    PathPart,
    Problem,
    check_schema,
    dotted,
    read_yaml,
    schema_problems,
)
from civitas.rules.public import (
    DATE_TYPE,
    CompiledExpression,
    DecisionPeriod,
    ExpressionProblem,
    InputError,
    RuleSetInvalid,
    ValueType,
    check_period,
    compile_expression,
    load_rule_set_source,
    read_input,
)

SCHEMA_PATH = Path(__file__).parent / "schema" / "service.schema.json"
MESSAGE_FIELDS = {
    "reference",
    "service_title",
    "fee",
    "reason",
    # The one-off key that checks the reason's fingerprint in the transparency log.
    "reason_key",
    "organisation",
    "status_url",
    # The transparency log entry that records what the message reports, and its page.
    "ledger_index",
    "ledger_url",
    # The log's signed promise for that entry (its text; the page link carries it too).
    "ledger_promise",
    # A payment's (the receipt's): the amount paid, the provider's id of the payment, and
    # the page to pay (again) on.
    "amount",
    "payment_reference",
    "pay_url",
    # Yes/no fields, the only ones `((name??optional text))` may name.
    "has_fee",
    "has_reason",
}
MESSAGE_YES_NO_FIELDS = {"has_fee", "has_reason"}


@dataclass
class ParsedDefinition:
    """A definition that passed every check, ready to store."""

    definition: dict[str, Any]
    source: str
    sha256: str
    problems: list[Problem] = field(default_factory=list)
    positions: Document | None = field(default=None, repr=False)
    """The parsed file, which knows the line of every path, for problems found later."""
    welsh_gaps: list[Problem] = field(default_factory=list)
    """Each text written in English only: a warning, or an error where the organisation
    requires Welsh (`welsh_required`)."""

    def line_of(self, *path: PathPart) -> int:
        """The line of the value at ``path`` (or of its deepest existing parent)."""
        return self.positions.line(*path) if self.positions is not None else 1


class DefinitionInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


@functools.cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    check_schema(schema)
    return schema


def parse_definition(
    source: str, *, filename: str, base_dir: Path | None = None
) -> ParsedDefinition:
    """Checks a definition and returns it with every problem found.

    Data files named by the definition are read from `base_dir` and embedded, so that a
    stored version is self-contained and reproducible.
    """
    positions, problems = read_yaml(filename, text=source)
    if positions is None or problems:
        return ParsedDefinition({}, source, "", problems, positions)
    document = positions.data
    if not isinstance(document, dict):
        problems.append(Problem(filename, 1, "a service definition must be a YAML mapping"))
        return ParsedDefinition({}, source, "", problems, positions)
    problems = schema_problems(positions, _schema())
    if problems:
        return ParsedDefinition(document, source, "", problems, positions)

    computed = document.get("computed")
    if isinstance(computed, dict):
        # Computed values are worked out in the order written: kept apart from the
        # mapping, whose keys a stored version's JSON column may reorder.
        document["_computed_order"] = list(computed)
    problems.extend(_check_meaning(document, positions, base_dir))
    problems.extend(_check_expressions(document, positions))
    problems.extend(_check_messages(document, positions))
    problems.extend(_check_prose(document, positions))
    problems.extend(_check_summary_labels(document, positions))
    problems.extend(workflow_problems(document, positions))
    problems.extend(_check_reasons_are_sent(document, positions))
    problems.extend(_check_routing(document, positions))
    problems.extend(_check_labels(document, positions))
    problems.extend(_check_payment(document, positions))
    digest = hashlib.sha256(source.encode()).hexdigest()
    gaps = welsh_gaps(document, positions, _schema())
    return ParsedDefinition(document, source, digest, problems, positions, welsh_gaps=gaps)


def welsh_required(gaps: list[Problem], organisation_name: str) -> list[Problem]:
    """The Welsh gaps as the errors they are for an organisation that requires Welsh."""
    return [
        Problem(gap.file, gap.line, f"{gap.message}: {organisation_name} requires Welsh")
        for gap in gaps
    ]


def _check_meaning(
    document: dict[str, Any], positions: Document, base_dir: Path | None
) -> list[Problem]:
    """Checks the schema cannot express: references between pages, answers and data."""
    # The question types import this module (postcodes are normalised here).
    from civitas.catalogue.questions import question_type, question_type_names

    problems: list[Problem] = []

    def problem(path: tuple[PathPart, ...], message: str, *, key: bool = False) -> None:
        problems.append(positions.problem(message, *path, key=key))

    pages = document["pages"]
    page_ids: dict[str, int] = {}
    answer_ids: dict[str, str] = {}
    optional: set[str] = set()
    sensitive: dict[str, tuple[PathPart, ...]] = {}
    for index, page in enumerate(pages):
        if page["id"] in page_ids:
            problem(("pages", index, "id"), f"page id '{page['id']}' is used twice")
        page_ids[page["id"]] = index
        problems.extend(_check_grouping(page, index, positions))
        for where, question in page_questions(page, index, items=True):
            if question["id"] in answer_ids:
                problem((*where, "id"), f"question id '{question['id']}' is used twice")
            answer_ids[question["id"]] = question["type"]
            if question.get("optional"):
                optional.add(question["id"])
            if question.get("sensitive"):
                sensitive[question["id"]] = (*where, "sensitive")
            if question["type"] not in question_type_names():
                known = ", ".join(question_type_names())
                problem(
                    (*where, "type"),
                    f"unknown question type '{question['type']}' (use one of {known})",
                )
            elif question_type(question["type"]).takes_options and "options" not in question:
                problem(where, f"a {question['type']} question needs options")
            elif not question_type(question["type"]).takes_options and "options" in question:
                problem((*where, "options"), f"a {question['type']} question has no options")
            if question["type"] in question_type_names():
                kind = question_type(question["type"])
                for key in sorted(_own_keys() - kind.own_keys):
                    if key in question:
                        problem((*where, key), f"a {question['type']} question has no {key}")
                for key, message in kind.definition_problems(question):
                    problem((*where, key), message)
            if "min" in question and "max" in question and question["min"] > question["max"]:
                problem(
                    (*where, "min"), f"min ({question['min']}) is more than max ({question['max']})"
                )
            if "decimal_places" in question and not question.get("decimal"):
                problem((*where, "decimal_places"), "decimal_places needs decimal: true")
            for key in ("min", "max"):
                if question["type"] == "money" and not isinstance(question.get(key, 0), int):
                    problem((*where, key), f"a money question's {key} is in whole pence")
            values = [option["value"] for option in question.get("options", [])]
            if len(values) != len(set(values)):
                problem((*where, "options"), "option values must be unique")
        for derived in page.get("derive", {}):
            answer_ids[derived] = "derived"
        if page.get("kind") == "repeat":
            if page["id"] in answer_ids:
                problem(("pages", index, "id"), f"answer id '{page['id']}' is used twice")
            answer_ids[page["id"]] = "repeat"
            if page.get("min", 1) > page["max"]:
                problem(("pages", index, "min"), f"min ({page['min']}) is more than max")
            for where, question in page_questions(page, index, items=True):
                # The pages of an item post no files (docs/decisions/0018-file-uploads.md).
                if question.get("type") == "file":
                    problem((*where, "type"), "a repeating group cannot ask for a file yet")

    data = document.get("data", {})
    document["_data"] = {}
    for name, table in data.items():
        if base_dir is None:
            problem(("data", name, "file"), "data files need the definition's folder")
            continue
        path = (base_dir / table["file"]).resolve()
        if not path.is_relative_to(base_dir.resolve()) or not path.is_file():
            problem(("data", name, "file"), f"data file '{table['file']}' not found")
            continue
        if table.get("kind") == "addresses":
            problems.extend(_embed_address_table(document, positions, name, path))
            continue
        rows, error = _read_table(path, table)
        if error:
            problem(("data", name, "file"), error)
        else:
            document["_data"][name] = rows

    for index, page in enumerate(pages):
        for derived, spec in page.get("derive", {}).items():
            if spec["lookup"] not in data:
                problem(
                    ("pages", index, "derive", derived, "lookup"),
                    f"unknown data table '{spec['lookup']}'",
                )
        seen_answers: set[str] = set()
        for earlier_index, earlier in enumerate(pages[: index + 1]):
            seen_answers.update(q["id"] for _, q in page_questions(earlier, earlier_index))
            seen_answers.update(earlier.get("derive", {}))
            if earlier.get("kind") == "repeat":
                seen_answers.add(earlier["id"])
        for route_index, route in enumerate(page.get("next", [])):
            if route["goto"] not in page_ids:
                problem(
                    ("pages", index, "next", route_index, "goto"), f"unknown page '{route['goto']}'"
                )
            elif page_ids[route["goto"]] <= index:
                problem(
                    ("pages", index, "next", route_index, "goto"),
                    f"page '{route['goto']}' comes before this page: routes only go forward",
                )
            condition = route.get("if")
            if isinstance(condition, dict) and condition["answer"] not in seen_answers:
                problem(
                    ("pages", index, "next", route_index, "if", "answer"),
                    f"answer '{condition['answer']}' is not asked on or before this page",
                )
            elif isinstance(condition, dict):
                where = ("pages", index, "next", route_index, "if")
                is_list = answer_ids.get(condition["answer"]) == "checkboxes"
                if answer_ids.get(condition["answer"]) == "repeat" and "is" not in condition:
                    problem(
                        (*where, "answer"),
                        f"answer '{condition['answer']}' is a list of items: "
                        "test it with is: present or is: missing",
                    )
                elif "includes" in condition and not is_list:
                    problem(
                        (*where, "includes"),
                        f"answer '{condition['answer']}' is not a checkboxes answer: "
                        "use equals or in",
                    )
                elif is_list and ("equals" in condition or "in" in condition):
                    problem(
                        (*where, "answer"),
                        f"answer '{condition['answer']}' is a list of choices: "
                        "test it with includes",
                    )

    problems.extend(_check_address_tables_used(document, positions))
    problems.extend(_check_page_ids_and_reachability(document, positions))

    # The contact email may be optional, or on a branch: an applicant who gives no
    # address (an anonymous report) is sent no email.
    contact = document["contact"]["email"]
    if answer_ids.get(contact) != "email":
        problem(("contact", "email"), f"contact email '{contact}' must name an email question")
    elif contact in sensitive:
        # Every message goes to it, and the case page needs it to say whom it writes to.
        problem(
            sensitive[contact],
            f"'{contact}' is the contact email: it cannot be sensitive",
        )
    phone = document["contact"].get("phone")
    if phone is not None:
        if answer_ids.get(phone) != "phone":
            problem(("contact", "phone"), f"contact phone '{phone}' must name a phone question")
        elif phone in sensitive:
            problem(sensitive[phone], f"'{phone}' is the contact phone: it cannot be sensitive")

    problems.extend(_check_retention(document, positions))

    fees = document.get("fees")
    if fees:
        for position, key in enumerate(fees["by"]):
            if key not in answer_ids:
                problem(("fees", "by", position), f"unknown answer '{key}'")
            elif key in optional:
                problem(("fees", "by", position), f"answer '{key}' is optional: a fee needs it")
        problems.extend(_check_fee_table(document, positions))

    if document.get("rules"):
        if fees:
            problem(
                ("rules",),
                "a service takes its fee from 'fees' or from 'rules', not both",
                key=True,
            )
        problems.extend(_check_rules(document, positions, base_dir))

    return problems


MIN_PAYMENT_RECORDS_DAYS = 6 * 365
"""HMRC and the councils' financial regulations: payment records are kept six years."""
MAX_ABANDONED_JOURNEY_DAYS = 90
MAX_RETENTION_DAYS = 100 * 365


def _check_retention(document: dict[str, Any], positions: Document) -> list[Problem]:
    """What the schema cannot say of `retention`: the periods' bounds and how they fit."""
    from civitas.catalogue.model import Retention, period_days

    spec = document.get("retention")
    if not isinstance(spec, dict):
        return []
    problems: list[Problem] = []

    def problem(kind: str, message: str) -> None:
        problems.append(positions.problem(message, "retention", kind))

    for kind, text in spec.items():
        if period_days(text) > MAX_RETENTION_DAYS:
            problem(kind, f"{kind} is kept for {text}: more than 100 years is not a period")
    retention = Retention.from_document(spec)
    closed = spec.get("closed_cases", "2 years (the default)")
    for kind in ("uploads", "messages"):
        if kind in spec and retention.days(kind) > retention.closed_cases_days:
            problem(
                kind,
                f"{kind} belong to their case: keep them no longer than closed_cases ({closed})",
            )
    if "payment_records" in spec and retention.payment_records_days < MIN_PAYMENT_RECORDS_DAYS:
        problem(
            "payment_records",
            "payment records must be kept at least 6 years, as finance rules require",
        )
    if (
        "abandoned_journeys" in spec
        and retention.abandoned_journeys_days > MAX_ABANDONED_JOURNEY_DAYS
    ):
        problem(
            "abandoned_journeys",
            "answers nobody sent are kept at most 90 days: nobody applied, so there is no "
            "reason to keep them longer",
        )
    return problems


def page_questions(
    page: dict[str, Any], index: int, *, items: bool = False
) -> list[tuple[tuple[PathPart, ...], dict[str, Any]]]:
    """A page's questions with their paths in the document: its one `question`, or each
    of its `questions`. A repeating group's questions give no answer of their own (its
    answer is the list of items): they are included only with `items`."""
    if page.get("kind") == "repeat" and not items:
        return []
    if "questions" in page:
        return [
            (("pages", index, "questions", position), question)
            for position, question in enumerate(page["questions"])
        ]
    if page.get("question"):
        return [(("pages", index, "question"), page["question"])]
    return []


def _check_grouping(page: dict[str, Any], index: int, positions: Document) -> list[Problem]:
    """A page grouping several questions is headed by its own title; what a page derives
    comes from its one question."""
    problems = []
    if "questions" in page and not page.get("title"):
        problems.append(
            positions.problem(
                "a page of several questions needs a title: its heading",
                "pages",
                index,
                "questions",
            )
        )
    for position, question in enumerate(page.get("questions", [])):
        if question.get("type") == "address":
            # Its steps (find, choose, enter by hand) have buttons of their own.
            problems.append(
                positions.problem(
                    "an address question needs a page of its own: use question:",
                    "pages",
                    index,
                    "questions",
                    position,
                    "type",
                )
            )
    if "questions" in page and "derive" in page:
        problems.append(
            positions.problem(
                "only a page of one question can derive values", "pages", index, "derive"
            )
        )
    return problems


def _embed_address_table(
    document: dict[str, Any], positions: Document, name: str, path: Path
) -> list[Problem]:
    """Reads an address table (`kind: addresses`) into the definition's `_addresses`, so a
    published version holds its addresses; a problem in a row is reported at its line of
    the file."""
    from civitas.catalogue.questions.address import read_address_table

    table = document["data"][name]
    shown_as = table["file"]
    rows, found = read_address_table(path, shown_as)
    document.setdefault("_addresses", {})[name] = rows
    keys = [
        positions.problem(
            f"an address table has no {key}: its columns are uprn, line_1, line_2, town, "
            "postcode, and it is found by postcode",
            "data",
            name,
            key,
            key=True,
        )
        for key in ("key", "value", "normalise")
        if key in table
    ]
    # A problem with the file as a whole is the definition's, at the line naming the file;
    # a problem with one address is the file's, at its own line.
    csv_file = str(Path(positions.path).parent / shown_as)
    return keys + [
        Problem(positions.path, positions.line("data", name, "file"), message)
        if line is None
        else Problem(csv_file, line, message)
        for line, message in found
    ]


def _check_address_tables_used(document: dict[str, Any], positions: Document) -> list[Problem]:
    """An address question names an address table; a derived value looks up any other."""
    data = document.get("data", {})
    problems = []
    for index, page in enumerate(document["pages"]):
        for where, asked in page_questions(page, index, items=True):
            table = asked.get("addresses")
            if asked.get("type") != "address" or table is None:
                continue
            if table not in data:
                problems.append(
                    positions.problem(f"unknown data table '{table}'", *where, "addresses")
                )
            elif data[table].get("kind") != "addresses":
                problems.append(
                    positions.problem(
                        f"data table '{table}' is not an address table: give it "
                        "'kind: addresses' and the columns uprn, line_1, line_2, town, postcode",
                        *where,
                        "addresses",
                    )
                )
        question = page.get("question") or {}
        for derived, spec in page.get("derive", {}).items():
            looked_up = data.get(spec["lookup"], {})
            if question.get("type") == "address" and looked_up.get("normalise") != "postcode":
                # An address is several lines: what it can be looked up by is its postcode.
                problems.append(
                    positions.problem(
                        "a value derived from an address question looks up the address's "
                        "postcode: give the data table 'normalise: postcode'",
                        "pages",
                        index,
                        "derive",
                        derived,
                        key=True,
                    )
                )
            elif data.get(spec["lookup"], {}).get("kind") == "addresses":
                problems.append(
                    positions.problem(
                        f"data table '{spec['lookup']}' is an address table: an address "
                        "question finds addresses in it, a derived value cannot look it up",
                        "pages",
                        index,
                        "derive",
                        derived,
                        "lookup",
                    )
                )
    return problems


def _own_keys() -> frozenset[str]:
    """Every definition key that only some question type takes."""
    from civitas.catalogue.questions import all_question_types

    return frozenset().union(*(kind.own_keys for kind in all_question_types()))


def message_template_problems(
    text: str, *, answers: Collection[str] = (), yes_no_answers: Collection[str] = ()
) -> list[tuple[int, int, str]]:
    """What is wrong with one message's subject or body, as (line, column, problem) in the
    text: a template the renderer cannot parse, a placeholder that is neither a platform
    field (MESSAGE_FIELDS) nor one of the service's `answers` (its questions' ids, derived
    and computed values), or `??` after one that is not yes/no. A text with no problems
    always renders."""
    try:
        template = parse_template(text)
    except TemplateSyntaxError as error:
        return [(error.line, error.column, error.reason)]
    known = {placeholder_key(name): name for name in (*answers, *MESSAGE_FIELDS)}
    yes_no = {placeholder_key(name) for name in (*yes_no_answers, *MESSAGE_YES_NO_FIELDS)}

    def listed(names: set[str]) -> str:
        return ", ".join(f"(({name}))" for name in sorted(names))

    problems = []
    for placeholder in template.placeholders:
        at = (placeholder.line, placeholder.column)
        if placeholder.key not in known:
            problems.append(
                (
                    *at,
                    f"unknown placeholder '(({placeholder.name}))': it is neither an answer "
                    f"of this service nor one of {listed(MESSAGE_FIELDS)}",
                )
            )
        elif placeholder.is_conditional and placeholder.key not in yes_no:
            problems.append(
                (
                    *at,
                    f"'(({placeholder.name}??...))' needs a yes/no placeholder: "
                    f"'{known[placeholder.key]}' is not one "
                    f"(use one of {listed(MESSAGE_YES_NO_FIELDS)})",
                )
            )
    return problems


def _check_messages(document: dict[str, Any], positions: Document) -> list[Problem]:
    """Checks every message with the renderer that sends it, so a mistake is refused at
    publishing, never met when a message is sent."""
    problems: list[Problem] = []
    answers, yes_no_answers = message_answer_names(document)
    sensitive = {placeholder_key(name) for name in _sensitive_names(document)}
    for name, message in document["messages"].items():
        problems.extend(_check_schedule(document, positions, name, message))
        for part in ("subject", "body", "text_message"):
            if part not in message:
                continue
            for path, text in _text_paths(("messages", name, part), message[part]):
                found = message_template_problems(
                    text, answers=answers, yes_no_answers=yes_no_answers
                ) + _sensitive_placeholders(text, sensitive)
                for text_line, column, reason in found:
                    line, where = _line_in_text(positions, path, text, text_line)
                    problems.append(
                        Problem(positions.path, line, f"{where}, column {column}: {reason}")
                    )
    return problems


def _check_schedule(
    document: dict[str, Any], positions: Document, name: str, message: dict[str, Any]
) -> list[Problem]:
    """A message sent on an event has no schedule; any other is a reminder and needs one,
    before a date the case holds."""
    from civitas.catalogue.model import EVENT_MESSAGES, expression_types

    schedule = message.get("schedule")
    if name in EVENT_MESSAGES:
        if schedule is None:
            return []
        return [
            positions.problem(
                f"message '{name}' is sent on an event ({name}): it cannot have a schedule",
                "messages",
                name,
                "schedule",
            )
        ]
    if schedule is None:
        return [
            positions.problem(
                f"message '{name}' is not one sent on an event ({', '.join(EVENT_MESSAGES)}): "
                "give it a `schedule` (before: a date, days: [30, 7]) to make it a reminder",
                "messages",
                name,
            )
        ]
    vtype = expression_types(document).get(schedule["before"])
    if vtype != DATE_TYPE:
        why = "is not an answer or computed value" if vtype is None else "is not a date"
        return [
            positions.problem(
                f"message '{name}': schedule before '{schedule['before']}', which {why}",
                "messages",
                name,
                "schedule",
                "before",
            )
        ]
    return []


def _check_payment(document: dict[str, Any], positions: Document) -> list[Problem]:
    """A service that takes its fee online has a fee to take, a case that waits for it
    (the workflow's initial state, of kind waiting-for-payment, left on `payment_received`)
    and a receipt to send; and a case can only start waiting for a payment the service
    takes."""
    from civitas.catalogue.workflow import WAITING_FOR_PAYMENT

    payment = document.get("payment")
    workflow: dict[str, Any] = document.get("workflow") or {}
    initial = None
    if isinstance(workflow, dict):
        initial = workflow.get("states", {}).get(workflow.get("initial"))
    waits = isinstance(initial, dict) and initial.get("kind") == WAITING_FOR_PAYMENT
    if payment is None:
        if waits:
            return [
                positions.problem(
                    "the initial state waits for a payment, but the service takes none: "
                    "add a `payment` section",
                    "workflow",
                    "initial",
                )
            ]
        return []
    problems: list[Problem] = []
    rules = document.get("rules") or {}
    if not document.get("fees") and "fee" not in rules:
        problems.append(
            positions.problem(
                "a service that takes a payment needs a fee: `fees`, or a rule set's `fee`",
                "payment",
                key=True,
            )
        )
    if not waits:
        problems.append(
            positions.problem(
                "a service that takes a payment starts its cases waiting for it: make the "
                "workflow's initial state one of kind waiting-for-payment",
                "payment",
                key=True,
            )
        )
    elif not any(
        item.get("on") == "payment_received" and workflow["initial"] in item.get("from", ())
        for item in workflow.get("automatic", ())
    ):
        problems.append(
            positions.problem(
                f"nothing moves a case on from '{workflow['initial']}' when it is paid: add "
                "an automatic transition `on: payment_received` from it",
                "workflow",
                "initial",
            )
        )
    if "payment-received" not in document["messages"]:
        problems.append(
            positions.problem(
                "a service that takes a payment sends a receipt: add a `payment-received` message",
                "messages",
                key=True,
            )
        )
    return problems


def _sensitive_names(document: dict[str, Any]) -> set[str]:
    """The sensitive questions' ids, and the names of what is worked out from them: the
    computed values that read one, directly, through an earlier computed value or
    through a repeating group holding one (as the model's sensitive_computed)."""
    from civitas.catalogue.model import computed_items, expression_types, rule_types

    pages = document["pages"]
    sensitive = {
        question["id"]
        for index, page in enumerate(pages)
        for _, question in page_questions(page, index, items=True)
        if question.get("sensitive")
    }
    if not sensitive:
        return sensitive
    sensitive |= {
        page["id"]
        for page in pages
        if page.get("kind") == "repeat" and any(q.get("sensitive") for q in _questions_of(page))
    }
    types, rules = expression_types(document), rule_types(document)
    for name, spec in computed_items(document):
        text = spec if isinstance(spec, str) else spec.get("expression", "")
        try:
            names = compile_expression(text, types, rules=rules).names
        except ExpressionProblem:
            continue  # reported with its line by _check_expressions
        if names & sensitive:
            sensitive.add(name)
    return sensitive


def _sensitive_placeholders(text: str, sensitive: set[str]) -> list[tuple[int, int, str]]:
    """A placeholder showing a sensitive answer: an email is copied to places (mail
    servers, inboxes, the outbox) the case page's "Show" does not guard."""
    if not sensitive:
        return []
    try:
        template = parse_template(text)
    except TemplateSyntaxError:
        return []  # message_template_problems reports it
    return [
        (
            placeholder.line,
            placeholder.column,
            f"'(({placeholder.name}))' is a sensitive answer, or worked out from one: "
            "a message cannot show it",
        )
        for placeholder in template.placeholders
        if placeholder.key in sensitive
    ]


# The message a move to a state of each kind sends the applicant, which must carry the
# reason a transition asks for. A move to a state waiting for the citizen sends the reason
# itself, as the request (cases/conversation.py); a move to any other kind sends nothing.
_DECISION_MESSAGES = {"closed-approved": "approved", "closed-refused": "refused"}


def _check_reasons_are_sent(document: dict[str, Any], positions: Document) -> list[Problem]:
    """A transition that asks for a reason tells the member of staff it is sent to the
    applicant: the message its move sends must use ((reason)) in every language, and a
    move that sends no message must not ask for one."""
    workflow = document.get("workflow")
    if not isinstance(workflow, dict):
        # The platform's workflow asks for an optional reason with an approval only where
        # the approval message sends it (ServiceDefinition.from_document).
        return []
    kinds = {state_id: spec["kind"] for state_id, spec in workflow["states"].items()}
    problems: list[Problem] = []
    for index, transition in enumerate(workflow["transitions"]):
        if transition.get("reason", "none") == "none":
            continue
        kind = kinds.get(transition["to"])
        if kind == WAITING_FOR_CITIZEN or kind is None:
            continue
        name = _DECISION_MESSAGES.get(kind, "")
        message = document["messages"].get(name) if name else None
        unsent = message is None or any(
            "reason" not in _template_keys(text)
            for _, text in _text_paths(("messages", name, "body"), message["body"])
        )
        if not unsent:
            continue
        why = (
            f"the '{name}' message does not use ((reason)) in every language"
            if message is not None
            else "its move sends the applicant no message"
        )
        problems.append(
            positions.problem(
                f"transition '{transition['id']}' asks for a reason, which the page says is "
                f"sent to the applicant, but {why}: use ((reason)) there, or set its "
                "`reason: none`",
                "workflow",
                "transitions",
                index,
                "reason",
            )
        )
    return problems


def _template_keys(text: str) -> frozenset[str]:
    try:
        return parse_template(text).keys
    except TemplateSyntaxError:
        return frozenset({"reason"})  # reported by _check_messages


def _text_paths(
    path: tuple[PathPart, ...], value: object
) -> list[tuple[tuple[PathPart, ...], str]]:
    """Each language's version of the text at `path`, with the path to it: the text itself
    when it is a string, `path.en` and `path.cy` when it is written in both languages."""
    if isinstance(value, str):
        return [(path, value)]
    return [((*path, code), text) for code, text in text_versions(value)]


def _line_in_text(
    positions: Document, path: tuple[PathPart, ...], text: str, text_line: int
) -> tuple[int, str]:
    """The file line of line `text_line` of the text at `path`, and how to name the place.

    A literal block (`body: |`) keeps its lines one for one, from the line after the `|`:
    a problem is reported at its own line. Plain, quoted and folded text runs its lines
    together: a problem is reported where the text starts."""
    node = positions.node(*path)
    where = dotted(path)
    if node is not None and getattr(node, "style", None) == "|":
        return int(node.start_mark.line) + 1 + text_line, where
    if "\n" in text.strip():
        where = f"{where}, line {text_line} of the text"
    return positions.line(*path), where


def message_answer_names(document: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The names a message may use besides the platform's fields: every question's id,
    every derived and computed value; and, of those, the yes/no questions (which
    `((name??text))` may test)."""
    names: set[str] = set()
    yes_no: set[str] = set()
    for page in document["pages"]:
        if page.get("kind") == "repeat":
            # An item's answers are many values, not one a placeholder can show.
            continue
        for question in _questions_of(page):
            names.add(question["id"])
            if question.get("type") == "yes_no":
                yes_no.add(question["id"])
        names.update(page.get("derive", {}))
    computed = document.get("computed")
    if isinstance(computed, dict):
        names.update(computed)
    elif isinstance(computed, list):
        names.update(item["id"] for item in computed if isinstance(item, dict) and "id" in item)
    return names, yes_no


PROSE_PATHS: tuple[tuple[PathPart, ...], ...] = (
    ("start", "body"),
    ("declaration", "text"),
    ("confirmation", "body"),
    ("confirmation", "next_steps"),
    ("privacy", "purpose"),
)
"""Where a definition may write Markdown (besides an exit page's body)."""


def _check_prose(document: dict[str, Any], positions: Document) -> list[Problem]:
    """Markdown that would not show as written (raw HTML, a `javascript:` link, an image,
    lists nested too deep) is refused at publishing rather than quietly escaped."""
    paths = list(PROSE_PATHS) + [
        ("pages", index, "body")
        for index, page in enumerate(document["pages"])
        if page.get("kind") == "exit"
    ]
    problems = []
    for path in paths:
        value: Any = document
        for part in path:
            if isinstance(value, list) and isinstance(part, int):
                value = value[part]
            else:
                value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, list):
            continue
        for text_path, text in _text_paths(path, value):
            for text_line, reason in markdown_problems(text):
                line, where = _line_in_text(positions, text_path, text, text_line)
                problems.append(Problem(positions.path, line, f"{where}: {reason}"))
    return problems


def _check_summary_labels(document: dict[str, Any], positions: Document) -> list[Problem]:
    """Check answers needs a short key for every row: a long label without a
    `summary_label` must be one that can be shortened (model.derived_summary_label)."""
    from civitas.catalogue.model import SUMMARY_LABEL_LONGEST, derived_summary_label

    problems = []
    for index, page in enumerate(document["pages"]):
        for number, question in enumerate(_questions_of(page)):
            if question.get("summary_label"):
                continue
            where: tuple[PathPart, ...] = (
                ("pages", index, "question", "label")
                if page.get("question") is question
                else ("pages", index, "questions", number, "label")
            )
            for text_path, label in _text_paths(where, question.get("label")):
                if len(derived_summary_label(label)) <= SUMMARY_LABEL_LONGEST:
                    continue
                problems.append(
                    positions.problem(
                        f"the label is longer than {SUMMARY_LABEL_LONGEST} characters: give "
                        "the question a summary_label, the short name check answers shows",
                        *text_path,
                    )
                )
    return problems


def _check_expressions(document: dict[str, Any], positions: Document) -> list[Problem]:
    """Parses and type-checks every expression (route conditions, checks, computed values)
    as the model will compile it, and checks that each uses only answers asked on or before
    the page it is on: what a page's condition or check reads must have been asked."""
    from civitas.catalogue.model import expression_types, item_types, rule_types

    problems: list[Problem] = []
    types = expression_types(document)
    rules = rule_types(document)
    computed = document.get("computed", {})
    asked_on: dict[str, int] = {}
    for index, page in enumerate(document["pages"]):
        if page.get("kind") == "repeat":
            asked_on.setdefault(page["id"], index)
        for question in _questions_of(page):
            if page.get("kind") != "repeat":
                asked_on.setdefault(question["id"], index)
        for derived in page.get("derive", {}):
            asked_on.setdefault(derived, index)

    def compiled(
        text: str,
        path: tuple[PathPart, ...],
        symbols: dict[str, ValueType],
        unavailable: dict[str, str],
        *,
        boolean: bool,
    ) -> CompiledExpression | None:
        try:
            return compile_expression(
                text, symbols, rules=rules, unavailable=unavailable, boolean=boolean
            )
        except ExpressionProblem as error:
            where = f" (at character {error.offset + 1})" if error.offset is not None else ""
            problems.append(positions.problem(f"{error.message}{where}", *path))
            return None

    # A computed value may use the answers and the computed values above it; what it reads,
    # through those, is what a condition using it needs to have been asked.
    needs: dict[str, set[str]] = {}
    for position, (name, spec) in enumerate(computed.items()):
        path: tuple[PathPart, ...] = ("computed", name)
        if name in asked_on or name in ("today",):
            problems.append(
                positions.problem(f"'{name}' is already the name of an answer", *path, key=True)
            )
            continue
        text = spec if isinstance(spec, str) else spec["expression"]
        if not isinstance(spec, str):
            path = (*path, "expression")
        earlier = list(computed)[:position]
        symbols = {n: t for n, t in types.items() if n in asked_on or n in earlier}
        later = {
            n: f"computed value '{n}' is defined after '{name}': use only those above it"
            for n in list(computed)[position + 1 :]
        }
        later[name] = f"computed value '{name}' cannot use itself"
        result = compiled(text, path, symbols, later, boolean=False)
        if result is not None:
            needs[name] = set().union(*(needs.get(n, {n}) for n in result.names))

    def uses_computed(
        result: CompiledExpression,
        path: tuple[PathPart, ...],
        seen: set[str],
        when: str = "on or before this page",
    ) -> None:
        for name in sorted(result.names & set(needs)):
            missing = sorted(needs[name] - seen)
            if missing:
                problems.append(
                    positions.problem(
                        f"computed value '{name}' uses answer '{missing[0]}', which is not "
                        f"asked {when}",
                        *path,
                    )
                )

    def check_item_checks(
        page: dict[str, Any], index: int, where: tuple[PathPart, ...], question: dict[str, Any]
    ) -> None:
        """A repeating group's question's checks read the answers of the pages before the
        group (and computed values over them) with the item's own answers: not the group's
        list of items, nor anything asked on a later page."""
        if not question.get("checks"):
            return
        before = {name for name, asked in asked_on.items() if asked < index}
        symbols = {n: t for n, t in types.items() if n in before or n in needs}
        symbols.update(item_types({"pages": [page]}))
        unavailable = {
            name: f"answer '{name}' is not asked before this repeating group"
            for name, asked in asked_on.items()
            if asked > index
        }
        unavailable[page["id"]] = (
            f"'{page['id']}' is the list of this group's items: an item's check reads its "
            "own answers and those of earlier pages"
        )
        for check_index, check in enumerate(question["checks"]):
            path = ("pages", index, *where, "checks", check_index, "expression")
            result = compiled(check["expression"], path, symbols, unavailable, boolean=True)
            if result is not None:
                uses_computed(result, path, before, "before this repeating group")

    for index, page in enumerate(document["pages"]):
        seen = {name for name, where in asked_on.items() if where <= index}
        symbols = {n: t for n, t in types.items() if n in seen or n in needs}
        later = {
            name: f"answer '{name}' is not asked on or before this page"
            for name, where in asked_on.items()
            if where > index
        }
        uses: list[tuple[str, tuple[PathPart, ...]]] = []
        for where, question in _question_paths(page):
            if page.get("kind") == "repeat":
                check_item_checks(page, index, where, question)
                continue
            for check_index, check in enumerate(question.get("checks", [])):
                uses.append(
                    (
                        check["expression"],
                        ("pages", index, *where, "checks", check_index, "expression"),
                    )
                )
        for route_index, route in enumerate(page.get("next", [])):
            if isinstance(route.get("if"), str):
                uses.append((route["if"], ("pages", index, "next", route_index, "if")))
        if "show_if" in page:
            # Whether to ask a page is decided before it is answered: only earlier answers.
            own = {name for name, where in asked_on.items() if where == index}
            before = {n: t for n, t in symbols.items() if n not in own}
            before_later = {
                **later,
                **{name: f"answer '{name}' is asked on this page, after show_if" for name in own},
            }
            result = compiled(
                page["show_if"], ("pages", index, "show_if"), before, before_later, boolean=True
            )
            if result is not None:
                uses_computed(result, ("pages", index, "show_if"), seen - own, "before this page")
        for text, path in uses:
            result = compiled(text, path, symbols, later, boolean=True)
            if result is not None:
                uses_computed(result, path, seen)
    return problems


LABEL_MAX_LENGTH = 40
"""The most characters a label may have in any language: it is shown as a tag."""


def _check_labels(document: dict[str, Any], positions: Document) -> list[Problem]:
    """Each label's id once, and its words short enough to read as a tag."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, label in enumerate(document.get("labels", ())):
        if label["id"] in seen:
            problems.append(
                positions.problem(f"label id '{label['id']}' is used twice", "labels", index, "id")
            )
        seen.add(label["id"])
        for code, text in text_versions(label["label"]):
            if len(text) > LABEL_MAX_LENGTH:
                where: tuple[PathPart, ...] = ("labels", index, "label")
                if isinstance(label["label"], dict):
                    where = (*where, code)
                problems.append(
                    positions.problem(
                        f"a label is at most {LABEL_MAX_LENGTH} characters: "
                        f"'{text[:20]}...' has {len(text)}",
                        *where,
                    )
                )
    return problems


def _check_routing(document: dict[str, Any], positions: Document) -> list[Problem]:
    """A case is routed once all its answers are in, so a route may read any answer (but
    not computed values, which can need the rules and the day: a team must follow from
    the answers alone). Whether the teams exist is the organisation's affair, checked at
    publish (services.py)."""
    from civitas.catalogue.model import expression_types

    routing = document.get("routing")
    if not routing:
        return []
    problems: list[Problem] = []
    answer_types: dict[str, str] = {}
    for page in document["pages"]:
        for question in _questions_of(page):
            if page.get("kind") != "repeat":
                answer_types[question["id"]] = question["type"]
        for derived in page.get("derive", {}):
            answer_types[derived] = "derived"
        if page.get("kind") == "repeat":
            answer_types[page["id"]] = "repeat"
    computed = set(document.get("computed", {}))
    symbols = {n: t for n, t in expression_types(document).items() if n not in computed}
    unavailable = {
        name: f"'{name}' is a computed value: a route reads the answers only" for name in computed
    }
    for index, route in enumerate(routing.get("routes", [])):
        where: tuple[PathPart, ...] = ("routing", "routes", index, "if")
        condition = route["if"]
        if isinstance(condition, str):
            try:
                compile_expression(condition, symbols, unavailable=unavailable, boolean=True)
            except ExpressionProblem as error:
                at = f" (at character {error.offset + 1})" if error.offset is not None else ""
                problems.append(positions.problem(f"{error.message}{at}", *where))
            continue
        kind = answer_types.get(condition["answer"])
        if kind is None:
            problems.append(
                positions.problem(f"unknown answer '{condition['answer']}'", *where, "answer")
            )
        elif kind == "repeat" and "is" not in condition:
            problems.append(
                positions.problem(
                    f"answer '{condition['answer']}' is a list of items: "
                    "test it with is: present or is: missing",
                    *where,
                    "answer",
                )
            )
        elif "includes" in condition and kind != "checkboxes":
            problems.append(
                positions.problem(
                    f"answer '{condition['answer']}' is not a checkboxes answer: use equals or in",
                    *where,
                    "includes",
                )
            )
        elif kind == "checkboxes" and ("equals" in condition or "in" in condition):
            problems.append(
                positions.problem(
                    f"answer '{condition['answer']}' is a list of choices: test it with includes",
                    *where,
                    "answer",
                )
            )
    return problems


def _questions_of(page: dict[str, Any]) -> list[dict[str, Any]]:
    """A page's questions, whether it asks one (`question`) or several (`questions`)."""
    return [question for _, question in _question_paths(page)]


def _question_paths(page: dict[str, Any]) -> list[tuple[tuple[PathPart, ...], dict[str, Any]]]:
    if page.get("questions"):
        return [(("questions", i), question) for i, question in enumerate(page["questions"])]
    return [(("question",), page["question"])] if page.get("question") else []


BUILT_IN_PAGES = (
    "check-answers",
    "declaration",
    "confirmation",
    "privacy",
    # Save and return, and the timeout warning (docs/decisions/0020).
    "save",
    "return",
    "timed-out",
    "keep-alive",
    # A case's fee is paid at pay/<reference>/<token>/ (docs/payments.md): a repeating
    # page called "pay" would have its item's remove/ address taken by it.
    "pay",
)
"""Pages every service has at these addresses: a page of the definition cannot take them."""


def _check_page_ids_and_reachability(
    document: dict[str, Any], positions: Document
) -> list[Problem]:
    """A page named like a built-in page would never be shown (its address is taken), and a
    page no route reaches is a mistake in the routes, not a page anyone will see."""
    pages = document["pages"]
    problems = [
        positions.problem(
            f"page id '{page['id']}' is the address of a page every service has "
            f"({', '.join(BUILT_IN_PAGES)}): choose another",
            "pages",
            index,
            "id",
        )
        for index, page in enumerate(pages)
        if page["id"] in BUILT_IN_PAGES
    ]
    reached = _reachable_pages(pages)
    rules_exit = (document.get("rules") or {}).get("ineligible_page")
    for index, page in enumerate(pages):
        if page["id"] not in reached and page["id"] != rules_exit:
            how = (
                "an exit page is reached only by a route that names it"
                if (page.get("kind") == "exit")
                else "no route leads to it"
            )
            problems.append(
                positions.problem(
                    f"page '{page['id']}' can never be reached: {how}", "pages", index, "id"
                )
            )
    return problems


def _reachable_pages(pages: list[dict[str, Any]]) -> set[str]:
    """The pages some answers can lead to, following the runtime's routing (flow.py): the
    routes a page names, and the next question page when no route is unconditional."""
    index_of = {page["id"]: index for index, page in enumerate(pages)}
    reached: set[str] = set()
    waiting = [0] if pages else []
    while waiting:
        index = waiting.pop()
        page = pages[index]
        if page["id"] in reached:
            continue
        reached.add(page["id"])
        if page.get("kind") == "exit":
            continue
        routes = page.get("next", [])
        waiting.extend(index_of[r["goto"]] for r in routes if r["goto"] in index_of)
        if all("if" in route for route in routes):
            following = next(
                (i for i in range(index + 1, len(pages)) if pages[i].get("kind") != "exit"), None
            )
            if following is not None:
                waiting.append(following)
    return reached


def _check_fee_table(document: dict[str, Any], positions: Document) -> list[Problem]:
    fees = document["fees"]
    options = {
        question["id"]: [o["value"] for o in question.get("options", [])]
        for index, page in enumerate(document["pages"])
        for _, question in page_questions(page, index)
    }
    problems = []
    first = fees["by"][0]
    for value in options.get(first, []):
        row = fees["table"].get(value)
        if row is None:
            problems.append(positions.problem(f"no fee for {first} '{value}'", "fees", "table"))
            continue
        if len(fees["by"]) == 2:
            second = fees["by"][1]
            for inner in options.get(second, []):
                if not isinstance(row, dict) or inner not in row:
                    message = f"no fee for {first} '{value}' and {second} '{inner}'"
                    problems.append(positions.problem(message, "fees", "table", value))
    return problems


def _check_rules(
    document: dict[str, Any], positions: Document, base_dir: Path | None
) -> list[Problem]:
    """Loads the rule set the definition names, checks the definition uses it correctly, and
    embeds its text, so a published version always decides with the rules it was checked
    against, whatever happens to the file later."""
    problems: list[Problem] = []

    def problem(path: tuple[PathPart, ...], message: str) -> None:
        problems.append(positions.problem(message, *path))

    spec = document["rules"]
    if base_dir is None:
        problem(("rules", "file"), "a rules file needs the definition's folder")
        return problems
    # Rule sets are shared between services (services/rules/), so the file may be anywhere
    # in the folder that holds the services, but not outside it: a definition must not be
    # able to read any file on the server into a published version.
    path = (base_dir / spec["file"]).resolve()
    if not path.is_relative_to(base_dir.resolve().parent) or not path.is_file():
        problem(("rules", "file"), f"rules file '{spec['file']}' not found")
        return problems
    try:
        source = path.read_text(encoding="utf-8")
        rule_set = load_rule_set_source(source, filename=str(path))
    except (OSError, UnicodeDecodeError) as error:
        problem(("rules", "file"), f"cannot read rules file '{spec['file']}': {error}")
        return problems
    except RuleSetInvalid as error:
        for rule_problem in error.problems:
            problem(("rules", "file"), f"rules file '{spec['file']}' is not valid: {rule_problem}")
        return problems
    if spec["sha256"] != rule_set.content_hash:
        # The hash in the definition is what makes a change of rules a new, reviewed
        # version of the service: the YAML alone identifies the rules that decide its cases.
        problem(
            ("rules", "sha256"),
            f"rules file '{spec['file']}' is not the one pinned here: its content hash is "
            f"{rule_set.content_hash}; review the change, then set rules.sha256 to that hash",
        )

    document["_rules"] = {
        "file": spec["file"],
        "name": rule_set.name,
        "title": rule_set.title,
        "version": rule_set.version,
        "sha256": rule_set.content_hash,
        "source": source,
    }
    pages = document["pages"]
    questions = {
        question["id"]: question
        for index, page in enumerate(pages)
        for _, question in page_questions(page, index)
    }
    derived = {
        name: derive["lookup"] for page in pages for name, derive in page.get("derive", {}).items()
    }
    computed = _computed_for_rules(document)

    def check_input(
        where: tuple[PathPart, ...],
        name: str,
        given: str | Mapping[str, str],
        asked: Mapping[str, Any],
        *,
        member: bool,
    ) -> None:
        input_spec = rule_set.inputs.get(name)
        if input_spec is None or input_spec.per_member != member:
            whose = "each member" if member else rule_set.name
            known = ", ".join(n for n, s in rule_set.inputs.items() if s.per_member == member)
            problem(where, f"'{name}' is not an input of {whose} (its inputs are: {known})")
            return
        kind = input_spec.vtype.kind
        answer, includes = (
            (given["answer"], given["includes"]) if isinstance(given, Mapping) else (given, None)
        )
        question = asked.get(answer)
        # Every value an answer can take is checked against the input here, so a citizen
        # can never give an answer the rules cannot decide on.
        if question and question.get("optional"):
            problem(where, f"answer '{answer}' is optional: a rule input needs an answer")
            return
        if includes is not None or (question and question["type"] == "checkboxes"):
            for message in _checkboxes_input_problems(answer, question, includes, name, input_spec):
                problem(where, message)
            return
        if question and question["type"] in ("radios", "select"):
            values = [option["value"] for option in question["options"]]
        elif question and question["type"] == "yes_no":
            values = ["yes", "no"]
        elif question and question["type"] == "date":
            values = []
            if kind != "date":
                problem(where, f"answer '{answer}' is a date, but rule input '{name}' is {kind}")
        elif question and question["type"] in ("number", "money"):
            for message in _amount_input_problems(answer, question, name, input_spec):
                problem(where, message)
            return
        elif question:
            problem(
                where,
                f"answer '{answer}' is a {question['type']} question: rule inputs come from "
                "radios, select, yes_no, checkboxes, number, money or date questions, derived "
                "values or computed values, whose every value can be checked",
            )
            return
        elif answer in derived and asked is questions:
            values = sorted(set(document["_data"].get(derived[answer], {}).values()))
        elif answer in computed and asked is questions:
            refused = _computed_input_problem(answer, computed[answer], name, input_spec)
            if refused:
                problem(where, refused)
            return
        else:
            message = (
                f"unknown answer or computed value '{answer}'"
                if asked is questions
                else f"'{answer}' is not a question of the group"
            )
            problem(where, message)
            return
        for value in values:
            try:
                read_input(rule_set, name, value)
            except InputError as error:
                problem(where, f"answer '{answer}' can be '{value}', but {error}")

    for name, answer in spec["inputs"].items():
        check_input(("rules", "inputs", name), name, answer, questions, member=False)
    for name, input_spec in rule_set.inputs.items():
        if name not in spec["inputs"] and not input_spec.has_default and not input_spec.per_member:
            problem(
                ("rules", "inputs"),
                f"rule input '{name}' has no default, so it must come from an answer",
            )
    problems.extend(_member_problems(document, positions, rule_set, pages, questions, check_input))

    for key, kind in (("fee", "money"), ("eligible", "boolean")):
        variable = rule_set.variables.get(spec.get(key, ""))
        if key in spec and (variable is None or variable.vtype.kind != kind):
            problem(("rules", key), f"'{spec[key]}' is not a {kind} variable of {rule_set.name}")
    estimate = spec.get("estimate")
    if estimate:
        variable = rule_set.variables.get(estimate["value"])
        if variable is None or variable.vtype.kind != "money":
            problem(
                ("rules", "estimate", "value"),
                f"'{estimate['value']}' is not a money variable of {rule_set.name}",
            )
    exits = {page["id"] for page in pages if page.get("kind") == "exit"}
    if "ineligible_page" in spec and spec["ineligible_page"] not in exits:
        problem(("rules", "ineligible_page"), f"'{spec['ineligible_page']}' is not an exit page")
    if "period" in spec:
        if "decision_date" in spec:
            problem(
                ("rules", "period"),
                "give the rules a decision_date or a period, not both",
            )
        try:
            check_period(rule_set, DecisionPeriod.read(spec["period"]))
        except InputError as error:
            problem(
                ("rules", "period"), f"the rules cannot decide over this period: {error.problem}"
            )
    date_answer = spec.get("decision_date")
    if date_answer and questions.get(date_answer, {}).get("type") != "date":
        problem(("rules", "decision_date"), f"'{date_answer}' is not a date question")
    elif date_answer and questions[date_answer].get("optional"):
        problem(("rules", "decision_date"), f"'{date_answer}' is optional: the rules need a date")

    return problems


def _checkboxes_input_problems(
    answer: str,
    question: Mapping[str, Any] | None,
    includes: str | None,
    name: str,
    input_spec: Any,
) -> list[str]:
    """Whether a checkboxes answer can give a rule input. Ticked boxes are a list, so
    they give a true or false input by whether one option is chosen (`{answer, includes}`),
    or an enumeration by the first chosen option the enumeration has, in the question's
    order (the options are listed from the one that counts most); with none of those
    chosen, the input's default."""
    if question is None or question["type"] != "checkboxes":
        return [f"'{answer}' is not a checkboxes question: only its options can be included"]
    choices = [option["value"] for option in question["options"]]
    none = [question["none_option"]["value"]] if question.get("none_option") else []
    options = choices + none
    kind = input_spec.vtype.kind
    if includes is not None:
        if kind != "boolean":
            return [f"rule input '{name}' is {kind}: `includes` gives true or false"]
        if includes not in options:
            return [f"'{includes}' is not an option of checkboxes question '{answer}'"]
        return []
    allowed = set(input_spec.vtype.values or ()) if kind == "enumeration" else set()
    if not allowed:
        return [
            f"answer '{answer}' is a checkboxes question: it gives an enumeration (the first "
            f"option chosen), or true or false with `{{answer: {answer}, includes: VALUE}}`, "
            f"but rule input '{name}' is {kind}"
        ]
    if not allowed & set(choices):
        return [f"no option of answer '{answer}' is a value of rule input '{name}'"]
    if not input_spec.has_default and not set(options) <= allowed:
        others = ", ".join(option for option in options if option not in allowed)
        return [
            f"answer '{answer}' can be given with none of the values of rule input "
            f"'{name}' chosen (only {others}), and the input has no default"
        ]
    return []


def _member_problems(
    document: dict[str, Any],
    positions: Document,
    rule_set: Any,
    pages: list[dict[str, Any]],
    questions: Mapping[str, Any],
    check_input: Callable[..., None],
) -> list[Problem]:
    """Whether `rules.members` gives the rules' household: every member input, from the
    applicant's answers or from a repeating group's items, with roles the rules know."""
    problems: list[Problem] = []
    spec = document["rules"]
    entries = spec.get("members")
    group = rule_set.group
    if group is None:
        if entries:
            problems.append(
                positions.problem(
                    f"{rule_set.name} decides for one case, not a household", "rules", "members"
                )
            )
        return problems
    if not entries:
        problems.append(
            positions.problem(
                f"{rule_set.name} decides for a {group.name} of {group.member}s: say where each "
                "member comes from in rules.members",
                "rules",
            )
        )
        return problems
    repeats = {page["id"]: page for page in pages if page.get("kind") == "repeat"}
    problems.extend(_role_count_problems(positions, spec, entries, repeats, group))
    for index, entry in enumerate(entries):
        where: tuple[PathPart, ...] = ("rules", "members", index)
        asked: Mapping[str, Any] = questions
        if "from" in entry:
            page = repeats.get(entry["from"])
            if page is None:
                problems.append(
                    positions.problem(f"'{entry['from']}' is not a repeating group", *where, "from")
                )
                continue
            asked = {question["id"]: question for question in page["questions"]}
        if "role" in entry["inputs"]:
            problems.append(
                positions.problem(
                    "give the role with `role` or `role_answer`", *where, "inputs", "role"
                )
            )
        if "role" in entry and entry["role"] not in group.roles:
            problems.append(
                positions.problem(
                    _not_a_role(entry["role"], group),
                    *where,
                    "role",
                )
            )
        if "role_answer" in entry:
            question = asked.get(entry["role_answer"])
            options = [o["value"] for o in question.get("options", ())] if question else []
            if (
                not question
                or question["type"] not in ("radios", "select")
                or question.get("optional")
            ):
                problems.append(
                    positions.problem(
                        f"'{entry['role_answer']}' is not a required radios or select "
                        "question of the group",
                        *where,
                        "role_answer",
                    )
                )
            for option in options:
                role = entry["roles"].get(option)
                if role is None:
                    problems.append(
                        positions.problem(
                            f"roles has no role for the answer '{option}'", *where, "roles"
                        )
                    )
                elif role not in group.roles:
                    problems.append(
                        positions.problem(
                            _not_a_role(role, group),
                            *where,
                            "roles",
                            option,
                        )
                    )
        for name, answer in entry["inputs"].items():
            check_input((*where, "inputs", name), name, answer, asked, member=True)
        for name, input_spec in rule_set.inputs.items():
            if (
                input_spec.per_member
                and name != "role"
                and name not in entry["inputs"]
                and not input_spec.has_default
            ):
                problems.append(
                    positions.problem(
                        f"member input '{name}' has no default, so it must come from an answer",
                        *where,
                        "inputs",
                    )
                )
    return problems


def _role_count_problems(
    positions: Document,
    spec: Mapping[str, Any],
    entries: list[dict[str, Any]],
    repeats: Mapping[str, dict[str, Any]],
    group: Any,
) -> list[Problem]:
    """A fee or an eligibility must always be decided, so the household a journey can
    build must always fit the rules' roles (at most one partner, say). An estimate is
    left for staff to work out when it does not (see flow.estimate_for)."""
    if "fee" not in spec and "eligible" not in spec:
        return []
    most: dict[str, int] = {}
    for entry in entries:
        count = repeats.get(entry.get("from", ""), {}).get("max", 1) if "from" in entry else 1
        roles = {entry["role"]} if "role" in entry else set(entry.get("roles", {}).values())
        for role in roles:
            most[role] = most.get(role, 0) + count
    problems = []
    for role in group.roles.values():
        if role.maximum is not None and most.get(role.name, 0) > role.maximum:
            problems.append(
                positions.problem(
                    f"the answers can give up to {most[role.name]} members the role "
                    f"'{role.name}', but {group.name} allows at most {role.maximum}: the "
                    "rules could not decide the fee or eligibility",
                    "rules",
                    "members",
                )
            )
    return problems


def _not_a_role(role: str, group: Any) -> str:
    return f"'{role}' is not a role of the {group.name} ({', '.join(group.roles)})"


@dataclass(frozen=True)
class _ComputedForRules:
    vtype: ValueType | None
    """None when its expression does not compile (reported at its own line)."""
    reads_rules: bool
    """Whether it reads the rules' values with `rule()`, itself or through another."""


def _computed_for_rules(document: dict[str, Any]) -> dict[str, _ComputedForRules]:
    """Each computed value's type, and whether it depends on the rules' own decision."""
    from civitas.catalogue.model import computed_items, expression_types, rule_types

    types = expression_types(document)
    rules = rule_types(document)
    found: dict[str, _ComputedForRules] = {}
    for name, spec in computed_items(document):
        text = spec if isinstance(spec, str) else spec["expression"]
        try:
            compiled = compile_expression(text, types, rules=rules)
        except ExpressionProblem:
            found[name] = _ComputedForRules(None, reads_rules=False)
            continue
        reads = bool(compiled.rules) or any(
            found[used].reads_rules for used in compiled.names if used in found
        )
        found[name] = _ComputedForRules(compiled.vtype, reads_rules=reads)
    return found


def _computed_input_problem(
    name: str, computed: _ComputedForRules, input_name: str, input_spec: Any
) -> str | None:
    """Why a computed value cannot give a rule input, if it cannot: its type must be the
    input's (a count for an integer, money for money), so the rules never see a value of
    another kind. Its range is known only per application: see decisions.rules_outcome."""
    if computed.reads_rules:
        # The rules would need their own decision to decide.
        return (
            f"computed value '{name}' reads the rules' values with rule(), so it cannot "
            f"give rule input '{input_name}'"
        )
    vtype = computed.vtype
    if vtype is None:
        return None
    kind = input_spec.vtype.kind
    if kind == "money" and vtype.kind == "money" and not vtype.exact:
        return (
            f"computed value '{name}' may be part-pence, but rule input '{input_name}' is "
            "whole pence: round it, as round(...)"
        )
    allowed = {
        "money": {"money"},
        "integer": {"integer"},
        "number": {"integer", "number"},
        "boolean": {"boolean"},
        "date": {"date"},
        "enumeration": {"enumeration"},
    }.get(kind, set())
    if vtype.kind not in allowed:
        return (
            f"computed value '{name}' is {vtype.describe()}, but rule input "
            f"'{input_name}' is {input_spec.vtype.describe()}"
        )
    if kind == "enumeration":
        outside = sorted((vtype.values or frozenset()) - set(input_spec.allowed or ()))
        if outside:
            return (
                f"computed value '{name}' can be '{outside[0]}', which rule input "
                f"'{input_name}' does not allow"
            )
    return None


def _amount_input_problems(
    answer: str, question: dict[str, Any], input_name: str, input_spec: Any
) -> list[str]:
    """Why a number or money answer cannot give a rule input: the input must be of the
    answer's kind, and every value the question takes within the input's limits (the
    question's `min` and `max`), so the rules can decide on any answer it accepts."""
    kind = input_spec.vtype.kind
    is_money = question["type"] == "money"
    fits = (
        kind == "money"
        if is_money
        else kind == "number" or (kind == "integer" and not question.get("decimal"))
    )
    if not fits:
        what = "money" if is_money else ("a decimal" if question.get("decimal") else "a number")
        return [f"answer '{answer}' is {what}, but rule input '{input_name}' is {kind}"]
    problems = []
    # A money answer is never negative; a number may be, unless its min says not.
    lowest = question.get("min", 0 if is_money else None)
    highest = question.get("max")
    if input_spec.minimum is not None and (lowest is None or lowest < input_spec.minimum):
        problems.append(
            f"answer '{answer}' can be less than {input_spec.minimum}, the least rule input "
            f"'{input_name}' takes: give the question min: {input_spec.minimum} or more"
        )
    if input_spec.maximum is not None and (highest is None or highest > input_spec.maximum):
        problems.append(
            f"answer '{answer}' can be more than {input_spec.maximum}, the most rule input "
            f"'{input_name}' takes: give the question max: {input_spec.maximum} or less"
        )
    return problems


def normalise_postcode(text: str) -> str:
    compact = re.sub(r"\s+", "", text).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


_POSTCODE_SHAPE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
POSTCODE_MAX_LENGTH = 16
"""Longer text is no postcode however it is spaced; refused before any pattern runs."""


def parse_postcode(text: str) -> str | None:
    """The postcode in `text`, normalised ("SW1A 1AA"), or None when it is not one."""
    if len(text) > POSTCODE_MAX_LENGTH:
        return None
    compact = re.sub(r"\s+", "", text).upper()
    return normalise_postcode(compact) if _POSTCODE_SHAPE.match(compact) else None


def _read_table(path: Path, spec: dict[str, Any]) -> tuple[dict[str, str], str | None]:
    rows: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {spec["key"], spec["value"]} - set(reader.fieldnames or [])
        if missing:
            return {}, f"data file '{spec['file']}' has no column {', '.join(sorted(missing))}"
        for row in reader:
            key = row[spec["key"]]
            if spec.get("normalise", "none") == "postcode":
                key = normalise_postcode(key)
            rows[key] = row[spec["value"]]
    return rows, None


def parse_file(path: Path) -> ParsedDefinition:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problem = Problem(str(path), None, f"cannot read the file: {error}")
        return ParsedDefinition({}, "", "", [problem])
    return parse_definition(source, filename=str(path), base_dir=path.parent)
