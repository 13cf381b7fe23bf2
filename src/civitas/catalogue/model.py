"""A service definition as typed, immutable values: what the runtime reads.

Built once per stored version from a document that has passed every check in
definition.py (the JSON Schema and the checks of meaning), so building trusts its shape:
the checks are the gate, this is the reading. Each question's behaviour is its type's
(see questions/).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

from markupsafe import Markup

from civitas.catalogue.questions import Cleaned, FieldError, JSONSchema, QuestionType, Widget
from civitas.catalogue.questions import question_type as _question_type
from civitas.platform.markdown import render_prose

if TYPE_CHECKING:
    import datetime


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


def _no_html() -> Markup:
    return Markup("")


def _prose(value: object) -> tuple[str, ...]:
    """A definition's prose as written: a list's paragraphs, or a Markdown text alone."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(cast("list[str]", value))


def _html(value: object) -> Markup:
    """A definition's prose as HTML, rendered once when the version is read: a string is
    Markdown, a list is plain paragraphs (platform/markdown.py)."""
    return render_prose(cast("str | list[str] | None", value))


SUMMARY_LABEL_LONGEST = 40
"""A label longer than this is too long for a check-answers row key: it gets a shorter
one, written (`summary_label`) or derived (`derived_summary_label`)."""
_QUESTION_OPENINGS = (
    "what is your ",
    "what is the ",
    "what's your ",
    "what are your ",
    "what are the ",
    "enter your ",
    "enter the ",
)


def derived_summary_label(label: str) -> str:
    """A short row key from a question's label, as GOV.UK writes them: "What is your
    vehicle's registration number?" gives "Vehicle's registration number". A label it
    cannot shorten is kept (the definition check asks for a `summary_label` then)."""
    if len(label) <= SUMMARY_LABEL_LONGEST:
        return label
    text = label.strip()
    for opening in _QUESTION_OPENINGS:
        if text.lower().startswith(opening):
            text = text[len(opening) :]
            text = text.rstrip("?").strip()
            return text[:1].upper() + text[1:]
    return label


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Question:
    """One question: what the definition says about it. Its type does the work."""

    id: str
    type: str
    label: str
    hint: str = ""
    summary_label: str = ""
    autocomplete: str = ""
    options: tuple[Option, ...] = ()
    max_length: int | None = None
    earliest_days_from_today: int | None = None
    latest_days_from_today: int | None = None
    pattern: str = ""
    """A regular expression the whole answer must match (`text` only)."""
    international: bool = False
    """Whether numbers outside the UK are taken (`phone` only)."""
    min: Decimal | None = None
    max: Decimal | None = None
    decimal: bool = False
    decimal_places: int | None = None
    prefix: str = ""
    suffix: str = ""
    error_messages: Mapping[str, str] = field(default_factory=_empty)
    kind: QuestionType = field(init=False, repr=False, compare=False)
    """The registered type that cleans, shows and draws this question (KeyError on
    building a question of a type that is not registered)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _question_type(self.type))

    @property
    def summary_key(self) -> str:
        """What check answers and the case page call the answer: its `summary_label`, or
        its label, shortened when it is long (`derived_summary_label`)."""
        return self.summary_label or derived_summary_label(self.label)

    def clean(self, fields: Mapping[str, str], *, today: datetime.date) -> Cleaned:
        return self.kind.clean(self, fields, today=today)

    def fields_for(self, value: object) -> dict[str, str]:
        return self.kind.fields_for(self, value)

    def display(self, value: str | None) -> str:
        return "" if value is None else self.kind.display(self, value)

    def widget(self, fields: Mapping[str, str], error: FieldError | None = None) -> Widget:
        return self.kind.widget(self, fields, error)

    def answer_schema(self) -> JSONSchema:
        return self.kind.answer_schema(self)

    @property
    def error_field(self) -> str:
        return self.kind.error_field(self)


@dataclass(frozen=True)
class Condition:
    """`{answer: X, equals: V}`, `{answer: X, in: [V, W]}` or `{answer: X, is: missing}`."""

    answer: str
    equals: str | None = None
    one_of: tuple[str, ...] | None = None
    is_: Literal["missing", "present"] | None = None

    def holds(self, answers: Mapping[str, object]) -> bool:
        value = answers.get(self.answer)
        if self.is_ is not None:
            return (value in (None, "")) == (self.is_ == "missing")
        if self.equals is not None:
            return value == self.equals
        return value in (self.one_of or ())


@dataclass(frozen=True)
class Branch:
    """One of a page's `next` routes: go to `goto`, if `condition` holds (or always)."""

    goto: str
    condition: Condition | None = None


@dataclass(frozen=True)
class Derivation:
    """A value derived from a page's answer: the answer looked up in a data table."""

    name: str
    lookup: str


@dataclass(frozen=True)
class QuestionPage:
    id: str
    question: Question
    derive: tuple[Derivation, ...] = ()
    next: tuple[Branch, ...] = ()
    is_exit: ClassVar[bool] = False


@dataclass(frozen=True)
class ExitPage:
    """A page that ends the journey, saying why."""

    id: str
    title: str
    body: tuple[str, ...] = ()
    body_html: Markup = field(default_factory=_no_html, compare=False, repr=False)
    is_exit: ClassVar[bool] = True


Page = QuestionPage | ExitPage


@dataclass(frozen=True)
class DataTable:
    name: str
    file: str
    key: str
    value: str
    normalise: str = "none"
    rows: Mapping[str, str] = field(default_factory=_empty, repr=False)
    """The table's rows, embedded in the published version."""


@dataclass(frozen=True)
class EmbeddedRules:
    """The rule set as published with the version (its text pinned by its hash)."""

    file: str
    name: str
    title: str
    version: str | int
    sha256: str
    source: str = field(repr=False)


@dataclass(frozen=True)
class RulesSpec:
    """The `rules` section: which rule set decides, and how answers feed it."""

    file: str
    sha256: str
    inputs: Mapping[str, str]
    """Rule input name to the answer that gives it."""
    embedded: EmbeddedRules
    fee: str | None = None
    eligible: str | None = None
    ineligible_page: str | None = None
    decision_date: str | None = None


@dataclass(frozen=True)
class FeeTable:
    """The `fees` section: pence by the values of one or two answers."""

    by: tuple[str, ...]
    table: Mapping[str, int | Mapping[str, int]]

    def pence_for(self, answers: Mapping[str, object]) -> int | None:
        cell: object = self.table
        for key in self.by:
            value = answers.get(key)
            cell = cell.get(value) if isinstance(cell, Mapping) and isinstance(value, str) else None
        return cell if isinstance(cell, int) else None


@dataclass(frozen=True)
class StartPage:
    lead: str
    body: tuple[str, ...] = ()
    before_you_start: tuple[str, ...] = ()
    time_to_complete: str = ""
    body_html: Markup = field(default_factory=_no_html, compare=False, repr=False)


@dataclass(frozen=True)
class Declaration:
    text: tuple[str, ...]
    confirm: str
    text_html: Markup = field(default_factory=_no_html, compare=False, repr=False)


@dataclass(frozen=True)
class Confirmation:
    title: str
    body: tuple[str, ...] = ()
    body_html: Markup = field(default_factory=_no_html, compare=False, repr=False)
    next_steps: tuple[str, ...] = ()
    """"What happens next", in the service's own words."""
    next_steps_html: Markup = field(default_factory=_no_html, compare=False, repr=False)


@dataclass(frozen=True)
class Privacy:
    """The `privacy` section: why the service collects what it asks, on what lawful basis,
    who it shares it with and how long it keeps it. The controller is the organisation."""

    purpose: tuple[str, ...]
    lawful_basis: str
    retention: str
    contact: str
    shared_with: tuple[str, ...] = ()
    purpose_html: Markup = field(default_factory=_no_html, compare=False, repr=False)


@dataclass(frozen=True)
class Message:
    """An email's texts, with their placeholders as written (cases/messages.py fills them)."""

    subject: str
    body: str


@dataclass(frozen=True)
class ServiceDefinition:
    """A whole service definition."""

    slug: str
    organisation: str
    title: str
    description: str
    start: StartPage
    pages: tuple[Page, ...]
    data: Mapping[str, DataTable]
    rules: RulesSpec | None
    fees: FeeTable | None
    check_answers_title: str
    declaration: Declaration
    confirmation: Confirmation
    contact_email: str
    """The answer that holds the applicant's email address."""
    messages: Mapping[str, Message]
    privacy: Privacy | None = None
    fee_label: str = ""
    """What check answers calls the fee, in the service's words ("Permit fee")."""
    _by_id: Mapping[str, Page] = field(init=False, repr=False, compare=False)
    _positions: Mapping[str, int] = field(init=False, repr=False, compare=False)
    _by_answer: Mapping[str, QuestionPage] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "_by_id", {page.id: page for page in self.pages})
        set_(self, "_positions", {page.id: index for index, page in enumerate(self.pages)})
        set_(
            self,
            "_by_answer",
            {page.question.id: page for page in self.pages if isinstance(page, QuestionPage)},
        )

    @property
    def first_page(self) -> Page:
        return self.pages[0]

    def page(self, page_id: str) -> Page | None:
        return self._by_id.get(page_id)

    def page_index(self, page_id: str) -> int:
        return self._positions[page_id]

    def page_for_answer(self, answer_id: str) -> QuestionPage | None:
        """The page that asks the question `answer_id` (None for a derived value)."""
        return self._by_answer.get(answer_id)

    def question(self, answer_id: str) -> Question | None:
        page = self.page_for_answer(answer_id)
        return page.question if page else None

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question, in page order."""
        return tuple(page.question for page in self.pages if isinstance(page, QuestionPage))

    def lookup(self, table: str, key: str) -> str | None:
        return self.data[table].rows.get(key)

    def answers_schema(self) -> JSONSchema:
        """The JSON Schema of the `answers` an API client sends: every question's answer
        by its id, each as its type describes it. Which are needed depends on the route."""
        return {
            "type": "object",
            "properties": {question.id: question.answer_schema() for question in self.questions},
            "additionalProperties": False,
        }

    @classmethod
    def from_document(cls, document: Mapping[str, object]) -> ServiceDefinition:
        """The model of a checked definition, as parse_definition returns it and the
        catalogue stores it (with its data tables in `_data` and rules in `_rules`)."""
        doc = cast("dict[str, Any]", document)
        start = doc["start"]
        return cls(
            slug=doc["slug"],
            organisation=doc["organisation"],
            title=doc["title"],
            description=doc.get("description", ""),
            start=StartPage(
                lead=start["lead"],
                body=_prose(start.get("body")),
                before_you_start=tuple(start.get("before_you_start", ())),
                time_to_complete=start.get("time_to_complete", ""),
                body_html=_html(start.get("body")),
            ),
            pages=tuple(_page(page) for page in doc["pages"]),
            data=_frozen(
                {
                    name: DataTable(
                        name=name,
                        file=table["file"],
                        key=table["key"],
                        value=table["value"],
                        normalise=table.get("normalise", "none"),
                        rows=_frozen(doc.get("_data", {}).get(name, {})),
                    )
                    for name, table in doc.get("data", {}).items()
                }
            ),
            rules=_rules(doc["rules"], doc["_rules"]) if doc.get("rules") else None,
            fees=_fees(doc["fees"]) if doc.get("fees") else None,
            check_answers_title=doc["check_answers"]["title"],
            declaration=Declaration(
                text=_prose(doc["declaration"]["text"]),
                confirm=doc["declaration"]["confirm"],
                text_html=_html(doc["declaration"]["text"]),
            ),
            confirmation=Confirmation(
                title=doc["confirmation"]["title"],
                body=_prose(doc["confirmation"].get("body")),
                body_html=_html(doc["confirmation"].get("body")),
                next_steps=_prose(doc["confirmation"].get("next_steps")),
                next_steps_html=_html(doc["confirmation"].get("next_steps")),
            ),
            contact_email=doc["contact"]["email"],
            messages=_frozen(
                {
                    name: Message(subject=message["subject"], body=message["body"])
                    for name, message in doc["messages"].items()
                }
            ),
            privacy=_privacy(doc["privacy"]) if doc.get("privacy") else None,
            fee_label=doc["check_answers"].get("fee_label", ""),
        )


def _privacy(privacy: dict[str, Any]) -> Privacy:
    return Privacy(
        purpose=_prose(privacy["purpose"]),
        lawful_basis=privacy["lawful_basis"],
        retention=privacy["retention"],
        contact=privacy["contact"],
        shared_with=tuple(privacy.get("shared_with", ())),
        purpose_html=_html(privacy["purpose"]),
    )


def _page(page: dict[str, Any]) -> Page:
    if page.get("kind") == "exit":
        return ExitPage(
            id=page["id"],
            title=page["title"],
            body=_prose(page["body"]),
            body_html=_html(page["body"]),
        )
    return QuestionPage(
        id=page["id"],
        question=_question(page["question"]),
        derive=tuple(
            Derivation(name=name, lookup=spec["lookup"])
            for name, spec in page.get("derive", {}).items()
        ),
        next=tuple(_branch(route) for route in page.get("next", ())),
    )


def _question(question: dict[str, Any]) -> Question:
    return Question(
        id=question["id"],
        type=question["type"],
        label=question["label"],
        hint=question.get("hint", ""),
        summary_label=question.get("summary_label", ""),
        autocomplete=question.get("autocomplete", ""),
        options=tuple(
            Option(value=option["value"], label=option["label"], hint=option.get("hint", ""))
            for option in question.get("options", ())
        ),
        max_length=question.get("max_length"),
        earliest_days_from_today=question.get("earliest_days_from_today"),
        latest_days_from_today=question.get("latest_days_from_today"),
        pattern=question.get("pattern", ""),
        international=question.get("international", False),
        min=_decimal(question.get("min")),
        max=_decimal(question.get("max")),
        decimal=question.get("decimal", False),
        decimal_places=question.get("decimal_places"),
        prefix=question.get("prefix", ""),
        suffix=question.get("suffix", ""),
        error_messages=_frozen(question.get("error_messages")),
    )


def _decimal(number: object) -> Decimal | None:
    """A definition's bound (an int or float from YAML) as the decimal it was written as."""
    return None if number is None else Decimal(str(number))


def _branch(route: dict[str, Any]) -> Branch:
    condition = route.get("if")
    if condition is None:
        return Branch(goto=route["goto"])
    one_of = condition.get("in")
    return Branch(
        goto=route["goto"],
        condition=Condition(
            answer=condition["answer"],
            equals=condition.get("equals"),
            one_of=tuple(one_of) if one_of is not None else None,
            is_=condition.get("is"),
        ),
    )


def _rules(spec: dict[str, Any], embedded: dict[str, Any]) -> RulesSpec:
    return RulesSpec(
        file=spec["file"],
        sha256=spec["sha256"],
        inputs=_frozen(spec["inputs"]),
        embedded=EmbeddedRules(
            file=embedded["file"],
            name=embedded["name"],
            title=embedded["title"],
            version=embedded["version"],
            sha256=embedded["sha256"],
            source=embedded["source"],
        ),
        fee=spec.get("fee"),
        eligible=spec.get("eligible"),
        ineligible_page=spec.get("ineligible_page"),
        decision_date=spec.get("decision_date"),
    )


def _fees(fees: dict[str, Any]) -> FeeTable:
    return FeeTable(
        by=tuple(fees["by"]),
        table=_frozen(
            {
                value: _frozen(cell) if isinstance(cell, dict) else cell
                for value, cell in fees["table"].items()
            }
        ),
    )
