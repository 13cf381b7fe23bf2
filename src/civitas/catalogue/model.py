"""A service definition as typed, immutable values: what the runtime reads.

Built once per stored version from a document that has passed every check in
definition.py (the JSON Schema and the checks of meaning), so building trusts its shape:
the checks are the gate, this is the reading. Each question's behaviour is its type's
(see questions/).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

from markupsafe import Markup

from civitas.catalogue.questions import Cleaned, FieldError, JSONSchema, QuestionType, Widget
from civitas.catalogue.questions import error_message as _error_message
from civitas.catalogue.questions import question_type as _question_type
from civitas.catalogue.questions.address import AddressBook
from civitas.catalogue.texts import LANGUAGES, LocalisedMarkup, Text, as_texts
from civitas.catalogue.workflow import (
    DEFAULT_WORKFLOW,
    Workflow,
    asking_only_for_sent_reasons,
    workflow_from_document,
)
from civitas.platform.files.kinds import parse_size
from civitas.platform.jsontypes import JSONValue
from civitas.platform.markdown import render_prose
from civitas.platform.message_templates import TemplateSyntaxError, parse_template
from civitas.rules.public import (
    MISSING,
    TEXT_TYPE,
    CompiledExpression,
    DecisionPeriod,
    ExpressionProblem,
    RuleSetInvalid,
    ValueType,
    compile_expression,
    format_expression_value,
    list_type,
    load_rule_set_source,
    record_type,
)

if TYPE_CHECKING:
    import datetime


def _workflow(doc: Mapping[str, Any]) -> Workflow:
    """The declared workflow (whose reasons the definition checks are sent), or the
    platform's, asking for a reason with an approval only if the service's approval
    message sends it."""
    declared = doc.get("workflow")
    if declared:
        return workflow_from_document(cast("Mapping[str, Any]", declared))
    using_reason = frozenset(
        name
        for name, message in doc["messages"].items()
        if all("reason" in _placeholder_keys(text) for text in _versions(message["body"]))
    )
    return asking_only_for_sent_reasons(DEFAULT_WORKFLOW, using_reason)


def _versions(value: Any) -> list[str]:
    """Each language's version of a text, however the document holds it."""
    if isinstance(value, Text):
        return list(value.translations.values())
    if isinstance(value, Mapping):
        return [str(text) for text in value.values()]
    return [str(value)]


def _placeholder_keys(text: str) -> frozenset[str]:
    try:
        return parse_template(str(text)).keys
    except TemplateSyntaxError:
        return frozenset()


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
    Markdown, a list is plain paragraphs (platform/markdown.py). Prose written in Welsh as
    well is rendered in each language, and a page shows its own."""
    parts = value if isinstance(value, list) else [value]
    languages = {code for part in parts if isinstance(part, Text) for code in part.translations}
    if languages <= {"en"}:
        return render_prose(cast("str | list[str] | None", value))
    return LocalisedMarkup(
        {code: render_prose(_prose_in(value, code)) for code in LANGUAGES if code in languages}
    )


def _prose_in(value: object, code: str) -> str | list[str]:
    """Prose in language `code` (English where a part has no such version)."""
    if isinstance(value, list):
        return [part.in_language(code) if isinstance(part, Text) else part for part in value]
    return value.in_language(code) if isinstance(value, Text) else cast("str", value)


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


def _no_types() -> Mapping[str, ValueType]:
    return MappingProxyType({})


OPTIONAL_SUFFIX = " (optional)"
WELSH_OPTIONAL_SUFFIX = " (dewisol)"
"""The same, added to a label written in Welsh too, on a Welsh page."""
"""Added to an optional question's label, as GOV.UK does."""

NOT_GIVEN = Text({"en": "Not given", "cy": "Heb ei roi"})
"""What check answers and the case page show for an optional question left blank."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Check:
    """A cross-field check on a question: when its page is answered, `expression` must not
    be false, or `message` is shown as the question's error."""

    expression: str
    message: str


@dataclass(frozen=True)
class ComputedValue:
    """A value the definition computes from answers (the `computed` section)."""

    name: str
    expression: str
    label: str = ""


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
    earliest_date: datetime.date | None = None
    latest_date: datetime.date | None = None
    """Fixed limits of a `date` answer; with the limits from today, the tighter applies."""
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
    addresses: str = ""
    """The address table the question finds addresses in (`address` only)."""
    address_book: AddressBook = field(default_factory=AddressBook, compare=False, repr=False)
    """That table's addresses, as the published version embeds them."""
    accept: tuple[str, ...] = ()
    """The kinds of file taken (`file` only): pdf, jpeg, png, heic, docx, odt."""
    max_size_bytes: int | None = None
    """The largest file taken (`file` only), from `max_size` ("10MB")."""
    error_messages: Mapping[str, str] = field(default_factory=_empty)
    checks: tuple[Check, ...] = ()
    optional: bool = False
    """Whether the question may be left blank: the answer is then recorded as None."""
    sensitive: bool = False
    """Whether the answer is sensitive (health, income, identity documents): kept out of
    the search index, lists and downloads, and shown on the case page only on request
    to roles that may see it (see docs/decisions/0040)."""
    none_option: Option | None = None
    """An exclusive "none of these" choice after the options (`checkboxes` only)."""
    min_selected: int | None = None
    max_selected: int | None = None
    """How many options must be chosen at least and at most (`checkboxes` only)."""
    kind: QuestionType = field(init=False, repr=False, compare=False)
    """The registered type that cleans, shows and draws this question (KeyError on
    building a question of a type that is not registered)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _question_type(self.type))

    @property
    def summary_key(self) -> str:
        """What check answers and the case page call the answer: its `summary_label`, or
        its label, shortened when it is long (`derived_summary_label`)."""
        if self.summary_label:
            return self.summary_label
        if isinstance(self.label, Text):
            return self.label.map(derived_summary_label)
        return derived_summary_label(self.label)

    @property
    def shown_label(self) -> str:
        """The label as the page shows it: with " (optional)" when it may be left blank."""
        if not self.optional:
            return self.label
        if isinstance(self.label, Text) and "cy" in self.label.translations:
            return Text(
                {
                    code: text + (WELSH_OPTIONAL_SUFFIX if code == "cy" else OPTIONAL_SUFFIX)
                    for code, text in self.label.translations.items()
                }
            )
        return self.label + OPTIONAL_SUFFIX

    def clean(self, fields: Mapping[str, str], *, today: datetime.date) -> Cleaned:
        """The answer from the posted fields. An optional question left blank is answered
        with None (answered, nothing given); every other answer is its type's."""
        if self.optional and self.kind.is_blank(self, fields):
            return Cleaned(None)
        return self.kind.clean(self, fields, today=today)

    def fields_for(self, value: object) -> Mapping[str, str]:
        return self.kind.fields_for(self, value)

    def display(self, value: JSONValue) -> str:
        """An answer as check answers and the case page show it."""
        if value is None:
            return NOT_GIVEN if self.optional else ""
        return self.kind.display_value(self, value)

    def widget(
        self, fields: Mapping[str, str], error: FieldError | None = None, *, heading: bool = True
    ) -> Widget:
        """The question's component. `heading`: its label is the page's heading (a page of
        one question); a page grouping several has its own heading, and each question's
        label is an ordinary label."""
        widget = self.kind.widget(self, fields, error)
        arguments = dict(widget.arguments)
        for key in ("label", "legend"):
            if self.optional and arguments.get(key) == self.label:
                arguments[key] = self.shown_label
        if not heading:
            arguments["heading"] = False
        return replace(widget, arguments=arguments)

    def lookup_key(self, stored: str) -> str:
        """What a `derive` lookup finds this question's stored answer by."""
        return self.kind.lookup_key(self, stored)

    def error_text(self, kind: str) -> str:
        """The message for an error of this kind (see questions.error_message)."""
        return _error_message(self, kind)

    def answer_schema(self) -> JSONSchema:
        schema = self.kind.answer_schema(self)
        if self.optional:
            return {"anyOf": [schema, {"type": "null"}]}
        return schema

    @property
    def error_field(self) -> str:
        return self.kind.error_field(self)


@dataclass(frozen=True)
class Condition:
    """`{answer: X, equals: V}`, `{answer: X, in: [V, W]}`, `{answer: X, is: missing}` or
    `{answer: X, includes: V}` (a checkboxes answer that has V among its choices)."""

    answer: str
    equals: str | None = None
    one_of: tuple[str, ...] | None = None
    is_: Literal["missing", "present"] | None = None
    includes: str | None = None

    def holds(self, answers: Mapping[str, object]) -> bool:
        value = answers.get(self.answer)
        if self.is_ is not None:
            return (value in (None, "", [])) == (self.is_ == "missing")
        if self.includes is not None:
            return isinstance(value, list) and self.includes in value
        if self.equals is not None:
            return value == self.equals
        return value in (self.one_of or ())


@dataclass(frozen=True)
class Branch:
    """One of a page's `next` routes: go to `goto`, if `condition` holds (or always)."""

    goto: str
    condition: Condition | None = None
    expression: str | None = None
    """A condition written as an expression (`if: "vehicles > 2"`), instead of `condition`."""


@dataclass(frozen=True)
class TeamRoute:
    """One of the `routing` section's routes: a case goes to `team` if its condition holds
    (structured, or an expression over the answers)."""

    team: str
    condition: Condition | None = None
    expression: str | None = None


@dataclass(frozen=True)
class Routing:
    """Which team a case goes to: the first route that holds, else `default_team`."""

    routes: tuple[TeamRoute, ...]
    default_team: str

    @property
    def team_slugs(self) -> tuple[str, ...]:
        """Every team the routing names, each once, in the order written."""
        return tuple(dict.fromkeys([*(route.team for route in self.routes), self.default_team]))


@dataclass(frozen=True)
class CaseLabelSpec:
    """A label caseworkers may put on the service's cases: its id (what is stored and
    filtered on) and the words staff read, in English and Welsh."""

    id: str
    label: str


@dataclass(frozen=True)
class Derivation:
    """A value derived from a page's answer: the answer looked up in a data table."""

    name: str
    lookup: str


@dataclass(frozen=True)
class Repeat:
    """How a repeating group ("add another") repeats: what one item is called, and how
    many items there must be."""

    item: str
    """One item, as a sentence names it: "household member"."""
    items: str
    """Several: "household members"."""
    min: int = 1
    max: int = 10

    def name(self, position: int) -> str:
        """An item by its position from 1, as headings and check answers name it."""

        def named(item: str) -> str:
            return f"{item[:1].upper()}{item[1:]} {position}"

        return self.item.map(named) if isinstance(self.item, Text) else named(self.item)


@dataclass(frozen=True)
class QuestionPage:
    """A page of questions: one (`question:` in a definition), or several closely related
    ones under the page's `title` (`questions:`)."""

    id: str
    questions: tuple[Question, ...]
    derive: tuple[Derivation, ...] = ()
    next: tuple[Branch, ...] = ()
    show_if: str | None = None
    """An expression over earlier answers: when it is not true, the page is skipped."""
    title: str = ""
    """The page's heading when it groups several questions (a one-question page is headed
    by its question's label)."""
    repeat: Repeat | None = None
    """Set for a repeating group: the questions are asked once for each item, and the
    answer, under the page's id, is a list of objects keyed by the questions' ids."""
    is_exit: ClassVar[bool] = False

    @property
    def is_group(self) -> bool:
        """Whether the page groups several questions under its own heading."""
        return len(self.questions) > 1 or bool(self.title)

    @property
    def heading(self) -> str:
        """What the page is called: its title, or its one question's label."""
        return self.title or self.questions[0].shown_label

    @property
    def answer_ids(self) -> tuple[str, ...]:
        """The answers the page gives: its questions' ids, or a repeating group's own id."""
        if self.repeat is not None:
            return (self.id,)
        return tuple(question.id for question in self.questions)

    def item_schema(self) -> JSONSchema:
        """The JSON Schema of one item of a repeating group."""
        return {
            "type": "object",
            "properties": {question.id: question.answer_schema() for question in self.questions},
            "required": [question.id for question in self.questions if not question.optional],
            "additionalProperties": False,
        }


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
    period: DecisionPeriod | None = None
    """A fixed period the rules decide over (a tax year), instead of a date."""
    estimate: Estimate | None = None
    members: tuple[MemberSource, ...] = ()
    """For rules that decide for a household: where its members' inputs come from."""
    includes: Mapping[str, str] = field(default_factory=dict)
    """A true or false input given by a checkboxes answer (in ``inputs``): the option
    whose being chosen makes it true."""


@dataclass(frozen=True)
class MemberSource:
    """One entry of `rules.members`: the applicant (no ``group``) or one member for each
    item of the repeating group ``group``, with a fixed ``role`` or one read from the
    item's ``role_answer`` through ``roles``."""

    group: str | None
    role: str | None
    role_answer: str | None
    roles: Mapping[str, str]
    inputs: Mapping[str, str]
    """Each input's answer (the item's, for a group)."""
    includes: Mapping[str, str] = field(default_factory=dict)
    """As ``RulesSpec.includes``."""


@dataclass(frozen=True)
class Estimate:
    """The `rules.estimate` section: a money value of the rules that check answers shows,
    with the rules' explanation, before the declaration (a benefit the citizen may get)."""

    value: str
    """The rules' money variable."""
    label: str
    """What check answers calls it, in the service's words."""
    note: str = ""
    """What check answers says about it, in the service's words ("HM Revenue and Customs
    works out the tax you owe"); "" for the platform's: that the council will check it."""


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
    title: str = ""
    """The heading above it, in the service's words ("Now send your estimate"); "" for
    the platform's ("Now send your application")."""
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


PERIOD_UNIT_DAYS = {"day": 1, "days": 1, "month": 30, "months": 30, "year": 365, "years": 365}


def period_days(text: str) -> int:
    """The days of a period as a definition writes it ("2 years", "18 months", "30 days")."""
    number, unit = text.split()
    return int(number) * PERIOD_UNIT_DAYS[unit]


RETENTION_KINDS = ("closed_cases", "uploads", "messages", "payment_records", "abandoned_journeys")


@dataclass(frozen=True)
class Retention:
    """How long a service keeps each kind of record (the definition's `retention`, with
    the platform's defaults for what it leaves out), in days."""

    closed_cases_days: int = 2 * 365
    uploads_days: int = 2 * 365
    messages_days: int = 2 * 365
    payment_records_days: int = 7 * 365
    abandoned_journeys_days: int = 30

    @classmethod
    def from_document(cls, spec: Mapping[str, str] | None) -> Retention:
        spec = spec or {}
        closed = period_days(spec["closed_cases"]) if "closed_cases" in spec else 2 * 365
        return cls(
            closed_cases_days=closed,
            # What belongs to a case goes with it at the latest.
            uploads_days=period_days(spec["uploads"]) if "uploads" in spec else closed,
            messages_days=period_days(spec["messages"]) if "messages" in spec else closed,
            payment_records_days=(
                period_days(spec["payment_records"]) if "payment_records" in spec else 7 * 365
            ),
            abandoned_journeys_days=(
                period_days(spec["abandoned_journeys"]) if "abandoned_journeys" in spec else 30
            ),
        )

    def days(self, kind: str) -> int:
        return int(getattr(self, f"{kind}_days"))


@dataclass(frozen=True)
class Message:
    """A message's texts, with their placeholders as written (cases/messages.py fills them):
    the email's subject and body, and, optionally, the same as a text message. A reminder
    has a schedule: `schedule_days` days before the date `schedule_before` names."""

    subject: str
    body: str
    text_message: str | Mapping[str, str] | None = None
    schedule_before: str = ""
    schedule_days: tuple[int, ...] = ()


# The messages sent when a case is submitted or decided, when its fee is paid (the
# receipt) and when it closes unpaid; any other is a reminder.
EVENT_MESSAGES = ("submitted", "approved", "refused", "payment-received", "not-paid")


@dataclass(frozen=True)
class PaymentSpec:
    """The `payment` section: the fee is taken online, for these finance codes."""

    description: str
    cost_centre: str
    ledger_code: str
    refund_when_refused: bool = False
    """Whether a refused application's fee is refunded automatically."""
    refund_keeps_pence: int = 0
    """What such a refund keeps back (an administration fee)."""

    def refund_on_refusal(self, paid_pence: int) -> int:
        """The pence refunded automatically when an application that paid is refused."""
        if not self.refund_when_refused:
            return 0
        return max(0, paid_pence - self.refund_keeps_pence)


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
    contact_phone: str
    """The answer that holds the applicant's mobile number, or ""."""
    reply_to: str
    """The team's mailbox that replies to the service's emails go to, or ""."""
    messages: Mapping[str, Message]
    privacy: Privacy | None = None
    fee_label: str = ""
    """What check answers calls the fee, in the service's words ("Permit fee")."""
    computed: tuple[ComputedValue, ...] = ()
    expression_types: Mapping[str, ValueType] = field(default_factory=_no_types)
    """The type in expressions of every answer, derived value and computed value."""
    rule_types: Mapping[str, ValueType] = field(default_factory=_no_types)
    """The type of every value of the service's rules, which `rule("...")` may read."""
    item_types: Mapping[str, ValueType] = field(default_factory=_no_types)
    """The type of each answer of a repeating group's items, by question id: what the
    checks of those questions read besides the earlier pages' answers."""
    workflow: Workflow = DEFAULT_WORKFLOW
    """The case lifecycle: the definition's own, or the platform's default."""
    routing: Routing | None = None
    """Which team each case goes to (None: the service routes no case to a team)."""
    labels: tuple[CaseLabelSpec, ...] = ()
    """The labels its cases may be given, in the order written."""
    retention: Retention = field(default_factory=Retention)
    """How long each kind of record is kept (the platform's defaults unless it says)."""
    sign_in_level: str | None = None
    """The identity confidence (P0 to P3) a citizen must have signed in with to apply;
    None: no sign-in needed."""
    payment: PaymentSpec | None = None
    """How the fee is paid online; None: the service takes no payment itself."""
    _expressions: Mapping[str, CompiledExpression] = field(init=False, repr=False, compare=False)
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
            {
                answer: page
                for page in self.pages
                if isinstance(page, QuestionPage)
                for answer in page.answer_ids
            },
        )
        set_(self, "_expressions", self._compile_expressions())

    def _compile_expressions(self) -> Mapping[str, CompiledExpression]:
        """Every expression of the definition, parsed and checked once per version. The
        definition's checks passed, so each compiles; a condition compiles as true-or-false."""
        texts: dict[str, bool] = {value.expression: False for value in self.computed}
        for page in self.pages:
            if isinstance(page, QuestionPage):
                texts.update({check.expression: True for q in page.questions for check in q.checks})
                texts.update({b.expression: True for b in page.next if b.expression})
                if page.show_if:
                    texts[page.show_if] = True
        if self.routing is not None:
            texts.update({r.expression: True for r in self.routing.routes if r.expression})
        return MappingProxyType(
            {
                text: compile_expression(
                    text,
                    {**self.item_types, **self.expression_types},
                    rules=self.rule_types,
                    boolean=boolean,
                )
                for text, boolean in texts.items()
            }
        )

    @property
    def charges_fee(self) -> bool:
        """Whether applying may cost a fee (from a fee table or the rules' `fee`): only
        then does a case hold payment records, which its privacy notice must mention."""
        return (
            self.fees is not None
            or self.payment is not None
            or (self.rules is not None and self.rules.fee is not None)
        )

    def label(self, label_id: str) -> CaseLabelSpec | None:
        """The service's label with this id; None for one it does not declare."""
        return next((spec for spec in self.labels if spec.id == label_id), None)

    def expression(self, text: str) -> CompiledExpression:
        """The compiled form of one of the definition's expressions."""
        return self._expressions[text]

    def expression_values(
        self,
        answers: Mapping[str, object],
        *,
        today: datetime.date | None = None,
        rule: Callable[[str], object] | None = None,
    ) -> dict[str, object]:
        """The answers as expressions see them: each converted by its question's type; a
        derived value as its text; then, given `today`, every computed value in order
        (`rule` gives the values of the service's rules, None while they cannot decide)."""
        values = self._answer_values(answers)
        if today is not None:
            for computed in self.computed:
                expression = self._expressions[computed.expression]
                values[computed.name] = expression.evaluate(values, today=today, rule=rule)
        return values

    def computed_display(
        self, values: Mapping[str, object], *, sensitive: bool | None = None
    ) -> list[tuple[str, str]]:
        """Each computed value of `values` (from `expression_values`) as staff read it, by
        its label: a missing value is blank. With `sensitive` False, only the values that
        read no sensitive answer; True, only those that do (sensitive_computed)."""
        hidden = self.sensitive_computed
        return [
            (
                computed.label or computed.name.replace("_", " ").capitalize(),
                format_expression_value(
                    self._expressions[computed.expression].vtype,
                    values.get(computed.name, MISSING),
                ),
            )
            for computed in self.computed
            if sensitive is None or (computed.name in hidden) == sensitive
        ]

    @property
    def rules_read_sensitive(self) -> bool:
        """Whether the rules take a sensitive answer (or a value worked out from one) as
        an input: then their estimate reveals it too."""
        if self.rules is None:
            return False
        sensitive = self.sensitive_ids | self.sensitive_computed
        read = set(self.rules.inputs.values())
        for source in self.rules.members:
            # A group's member inputs are its items' answers, sensitive by their question.
            read.update(source.inputs.values())
        return bool(read & sensitive)

    @property
    def sensitive_computed(self) -> frozenset[str]:
        """The computed values that read a sensitive answer, directly or through another
        computed value or a repeating group holding one: they reveal it, so they are
        hidden with it."""
        sensitive = set(self.sensitive_ids)
        sensitive.update(
            page.id
            for page in self.pages
            if isinstance(page, QuestionPage)
            and page.repeat is not None
            and any(question.sensitive for question in page.questions)
        )
        found: set[str] = set()
        # In the definition's order: a computed value reads only earlier ones.
        for computed in self.computed:
            if self._expressions[computed.expression].names & (sensitive | found):
                found.add(computed.name)
        return frozenset(found)

    def _answer_values(self, answers: Mapping[str, object]) -> dict[str, object]:
        values: dict[str, object] = {}
        for name, stored in answers.items():
            question = self.question(name)
            page = self.page_for_answer(name)
            if question is not None:
                values[name] = question.kind.expression_value(question, stored)
            elif page is not None and page.repeat is not None:
                # A repeating group: a list of records, each answer converted by its type.
                items = stored if isinstance(stored, list) else []
                values[name] = [
                    {
                        q.id: q.kind.expression_value(q, item.get(q.id))
                        if item.get(q.id) is not None
                        else MISSING
                        for q in page.questions
                    }
                    for item in items
                    if isinstance(item, dict)
                ]
            elif isinstance(stored, str) and stored:
                values[name] = stored
            else:
                values[name] = MISSING
        return values

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
        """The question that gives `answer_id` (None for a derived value, or a repeating
        group's list of items)."""
        page = self.page_for_answer(answer_id)
        if page is None or page.repeat is not None:
            return None
        return next(question for question in page.questions if question.id == answer_id)

    def is_asked(self, answer_id: str) -> bool:
        """Whether a page asks for `answer_id` (a question, or a repeating group)."""
        return answer_id in self._by_answer

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question whose answer stands on its own, in page order (not the
        questions of a repeating group's items)."""
        return tuple(
            question
            for page in self.pages
            if isinstance(page, QuestionPage) and page.repeat is None
            for question in page.questions
        )

    @property
    def questions_with_items(self) -> tuple[Question, ...]:
        """Every question in page order, those of a repeating group's items included."""
        return tuple(
            question
            for page in self.pages
            if isinstance(page, QuestionPage)
            for question in page.questions
        )

    @property
    def sensitive_ids(self) -> frozenset[str]:
        """The ids of the questions marked `sensitive`, a repeating group's included."""
        return frozenset(
            question.id for question in self.questions_with_items if question.sensitive
        )

    def summary(
        self, answers: Mapping[str, JSONValue], *, hide_sensitive: bool = False
    ) -> list[SummaryRow]:
        """The answers given, as check answers and the case page list them: one row a
        question, and one an item of a repeating group, in page order.

        With `hide_sensitive`, a sensitive answer's row has no value and is marked
        `hidden` (an item of a repeating group shows its other answers)."""
        rows: list[SummaryRow] = []
        for page in self.pages:
            if not isinstance(page, QuestionPage):
                continue
            if page.repeat is None:
                for question in page.questions:
                    if question.id not in answers:
                        continue
                    if hide_sensitive and question.sensitive:
                        rows.append(SummaryRow(question.summary_key, "", page.id, hidden=True))
                    else:
                        value = question.display(answers[question.id])
                        rows.append(SummaryRow(question.summary_key, value, page.id))
                continue
            items = answers.get(page.id)
            hidden = hide_sensitive and any(question.sensitive for question in page.questions)
            for position, item in enumerate(items if isinstance(items, list) else [], 1):
                rows.append(
                    SummaryRow(
                        page.repeat.name(position),
                        _item_text(page, item, hide_sensitive=hide_sensitive),
                        page.id,
                        position,
                        hidden=hidden,
                    )
                )
        return rows

    def lookup(self, table: str, key: str) -> str | None:
        return self.data[table].rows.get(key)

    def answers_schema(self) -> JSONSchema:
        """The JSON Schema of the `answers` an API client sends: every question's answer
        by its id, each as its type describes it, and each repeating group's list of
        items by the group's id. Which are needed depends on the route."""
        properties: dict[str, JSONValue] = {
            question.id: question.answer_schema() for question in self.questions
        }
        for page in self.pages:
            if isinstance(page, QuestionPage) and page.repeat is not None:
                properties[page.id] = {
                    "type": "array",
                    "items": page.item_schema(),
                    "minItems": page.repeat.min,
                    "maxItems": page.repeat.max,
                }
        return {"type": "object", "properties": properties, "additionalProperties": False}

    @classmethod
    def from_document(cls, document: Mapping[str, object]) -> ServiceDefinition:
        """The model of a checked definition, as parse_definition returns it and the
        catalogue stores it (with its data tables in `_data` and rules in `_rules`)."""
        doc = cast("dict[str, Any]", as_texts(document))
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
            pages=_with_address_books(
                tuple(_page(page) for page in doc["pages"]), doc.get("_addresses", {})
            ),
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
                    # Address tables are not lookups: their questions hold them.
                    if table.get("kind", "lookup") == "lookup"
                }
            ),
            rules=_rules(doc["rules"], doc["_rules"]) if doc.get("rules") else None,
            fees=_fees(doc["fees"]) if doc.get("fees") else None,
            check_answers_title=doc["check_answers"]["title"],
            declaration=Declaration(
                text=_prose(doc["declaration"]["text"]),
                confirm=doc["declaration"]["confirm"],
                title=doc["declaration"].get("title", ""),
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
            contact_phone=doc["contact"].get("phone", ""),
            reply_to=doc["contact"].get("reply_to", ""),
            messages=_frozen(
                {
                    name: Message(
                        subject=message["subject"],
                        body=message["body"],
                        text_message=message.get("text_message"),
                        schedule_before=message.get("schedule", {}).get("before", ""),
                        schedule_days=tuple(
                            sorted(message.get("schedule", {}).get("days", ()), reverse=True)
                        ),
                    )
                    for name, message in doc["messages"].items()
                }
            ),
            privacy=_privacy(doc["privacy"]) if doc.get("privacy") else None,
            fee_label=doc["check_answers"].get("fee_label", ""),
            computed=tuple(_computed(name, spec) for name, spec in computed_items(doc)),
            expression_types=_frozen(expression_types(doc)),
            rule_types=_frozen(rule_types(doc)),
            item_types=_frozen(item_types(doc)),
            workflow=_workflow(doc),
            routing=_routing(doc["routing"]) if doc.get("routing") else None,
            labels=tuple(
                CaseLabelSpec(id=spec["id"], label=spec["label"]) for spec in doc.get("labels", ())
            ),
            retention=Retention.from_document(doc.get("retention")),
            sign_in_level=doc["sign_in"]["identity_level"] if doc.get("sign_in") else None,
            payment=_payment(doc["payment"]) if doc.get("payment") else None,
        )


def _payment(spec: dict[str, Any]) -> PaymentSpec:
    refund = spec.get("refund_when_refused")
    return PaymentSpec(
        description=spec["description"],
        cost_centre=spec["cost_centre"],
        ledger_code=spec["ledger_code"],
        refund_when_refused=refund is not None,
        refund_keeps_pence=refund["keep_pence"] if isinstance(refund, dict) else 0,
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


def _computed(name: str, spec: str | dict[str, Any]) -> ComputedValue:
    if isinstance(spec, str):
        return ComputedValue(name=name, expression=spec)
    return ComputedValue(name=name, expression=spec["expression"], label=spec.get("label", ""))


def expression_types(document: Mapping[str, Any]) -> dict[str, ValueType]:
    """The type in expressions of every answer (as its question type says), derived value
    (text) and computed value, by name, for a document that passed the schema. A computed
    value's type is its expression's, checked against those above it."""
    types: dict[str, ValueType] = {}
    for page in document["pages"]:
        asked = page.get("questions") or ([page["question"]] if page.get("question") else [])
        own = {}
        for question in asked:
            try:
                kind = _question_type(question["type"])
            except KeyError:
                continue
            own[question["id"]] = kind.expression_type(question)
        if page.get("kind") == "repeat":
            types[page["id"]] = list_type(record_type(own))
        else:
            types.update(own)
        for derived in page.get("derive", {}):
            types[derived] = TEXT_TYPE
    rules = rule_types(document)
    for name, spec in computed_items(document):
        text = spec if isinstance(spec, str) else spec["expression"]
        try:
            types[name] = compile_expression(text, types, rules=rules).vtype
        except ExpressionProblem:
            continue  # the definition's checks report it, with its line
    return types


def item_types(document: Mapping[str, Any]) -> dict[str, ValueType]:
    """The type in expressions of each question of a repeating group's items, by id."""
    types: dict[str, ValueType] = {}
    for page in document["pages"]:
        if page.get("kind") != "repeat":
            continue
        for question in page.get("questions") or ([page["question"]] if "question" in page else []):
            try:
                kind = _question_type(question["type"])
            except KeyError:
                continue
            types[question["id"]] = kind.expression_type(question)
    return types


def computed_items(document: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The `computed` section's (name, spec) pairs in the order written, which is the
    order they are worked out in. A stored version keeps that order in `_computed_order`:
    PostgreSQL's JSON column keeps a mapping's keys in an order of its own."""
    computed: Mapping[str, Any] = document.get("computed") or {}
    order = document.get("_computed_order")
    if isinstance(order, list) and sorted(order) == sorted(computed):
        return [(name, computed[name]) for name in order]
    return list(computed.items())


def rule_types(document: Mapping[str, Any]) -> dict[str, ValueType]:
    """The types of the values the service's rules decide (none without rules)."""
    embedded = document.get("_rules")
    if not embedded:
        return {}
    try:
        rule_set = load_rule_set_source(embedded["source"], filename=embedded["file"])
    except RuleSetInvalid:
        return {}  # the definition's checks report it, with its line
    return {name: variable.vtype for name, variable in rule_set.variables.items()}


@dataclass(frozen=True)
class SummaryRow:
    """One row of check answers or the case page."""

    key: str
    value: str
    page_id: str
    item: int | None = None
    """The position from 1 of a repeating group's item."""
    hidden: bool = False
    """A sensitive answer (or an item holding one) left out of `value`."""


def _item_text(page: QuestionPage, item: JSONValue, *, hide_sensitive: bool = False) -> str:
    """An item of a repeating group as one summary value: each answer on its own line."""
    if not isinstance(item, dict):
        return ""
    # An optional answer left blank is left out, rather than "Not given" on its own line.
    lines = [
        question.display(value)
        for question in page.questions
        if (value := item.get(question.id)) is not None
        and not (hide_sensitive and question.sensitive)
    ]
    return "\n".join(line for line in lines if line)


def _page(page: dict[str, Any]) -> Page:
    if page.get("kind") == "exit":
        return ExitPage(
            id=page["id"],
            title=page["title"],
            body=_prose(page["body"]),
            body_html=_html(page["body"]),
        )
    if page.get("kind") == "repeat":
        item = page["item"]
        return QuestionPage(
            id=page["id"],
            questions=tuple(_question(question) for question in page["questions"]),
            title=page["title"],
            repeat=Repeat(
                item=item,
                items=page.get("items", item + "s"),
                min=page.get("min", 1),
                max=page["max"],
            ),
            next=tuple(_branch(route) for route in page.get("next", ())),
            show_if=page.get("show_if"),
        )
    asked = page["questions"] if "questions" in page else [page["question"]]
    return QuestionPage(
        id=page["id"],
        questions=tuple(_question(question) for question in asked),
        # A one-question page is headed by its question, whatever else it says.
        title=page.get("title", "") if "questions" in page else "",
        derive=tuple(
            Derivation(name=name, lookup=spec["lookup"])
            for name, spec in page.get("derive", {}).items()
        ),
        next=tuple(_branch(route) for route in page.get("next", ())),
        show_if=page.get("show_if"),
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
        earliest_date=_iso_date(question.get("earliest_date")),
        latest_date=_iso_date(question.get("latest_date")),
        pattern=question.get("pattern", ""),
        international=question.get("international", False),
        min=_decimal(question.get("min")),
        max=_decimal(question.get("max")),
        decimal=question.get("decimal", False),
        decimal_places=question.get("decimal_places"),
        prefix=question.get("prefix", ""),
        suffix=question.get("suffix", ""),
        addresses=question.get("addresses", ""),
        accept=tuple(question.get("accept", ())),
        max_size_bytes=parse_size(question["max_size"]) if "max_size" in question else None,
        error_messages=_frozen(question.get("error_messages")),
        checks=tuple(
            Check(expression=check["expression"], message=check["message"])
            for check in question.get("checks", ())
        ),
        optional=question.get("optional", False),
        sensitive=question.get("sensitive", False),
        none_option=_option(question["none_option"]) if "none_option" in question else None,
        min_selected=question.get("min_selected"),
        max_selected=question.get("max_selected"),
    )


def _option(option: dict[str, Any]) -> Option:
    return Option(value=option["value"], label=option["label"], hint=option.get("hint", ""))


def _with_address_books(
    pages: tuple[Page, ...], tables: Mapping[str, Mapping[str, Any]]
) -> tuple[Page, ...]:
    """The pages, each address question holding the addresses of its table."""
    books = {name: AddressBook.from_rows(rows) for name, rows in tables.items()}
    return tuple(
        replace(
            page,
            questions=tuple(
                replace(question, address_book=books[question.addresses])
                if question.addresses in books
                else question
                for question in page.questions
            ),
        )
        if isinstance(page, QuestionPage)
        and any(question.addresses in books for question in page.questions)
        else page
        for page in pages
    )


def _decimal(number: object) -> Decimal | None:
    """A definition's bound (an int or float from YAML) as the decimal it was written as."""
    return None if number is None else Decimal(str(number))


def _iso_date(text: object) -> datetime.date | None:
    """A definition's date limit (YYYY-MM-DD, checked by definition.py) as a date."""
    return datetime.date.fromisoformat(text) if isinstance(text, str) else None


def _branch(route: dict[str, Any]) -> Branch:
    condition = route.get("if")
    if condition is None:
        return Branch(goto=route["goto"])
    if isinstance(condition, str):
        return Branch(goto=route["goto"], expression=condition)
    return Branch(goto=route["goto"], condition=_condition(condition))


def _condition(condition: dict[str, Any]) -> Condition:
    one_of = condition.get("in")
    return Condition(
        answer=condition["answer"],
        equals=condition.get("equals"),
        one_of=tuple(one_of) if one_of is not None else None,
        is_=condition.get("is"),
        includes=condition.get("includes"),
    )


def _routing(spec: dict[str, Any]) -> Routing:
    routes = []
    for route in spec.get("routes", ()):
        condition = route["if"]
        if isinstance(condition, str):
            routes.append(TeamRoute(team=route["team"], expression=condition))
        else:
            routes.append(TeamRoute(team=route["team"], condition=_condition(condition)))
    return Routing(routes=tuple(routes), default_team=spec["default_team"])


def _rules(spec: dict[str, Any], embedded: dict[str, Any]) -> RulesSpec:
    return RulesSpec(
        file=spec["file"],
        sha256=spec["sha256"],
        inputs=_input_answers(spec["inputs"]),
        includes=_input_includes(spec["inputs"]),
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
        period=DecisionPeriod.read(spec["period"]) if spec.get("period") else None,
        # `rules` is kept as written (its keys are the rules' names): its texts are the
        # estimate's label and note.
        estimate=Estimate(
            value=spec["estimate"]["value"],
            label=as_texts(spec["estimate"]["label"]),
            note=as_texts(spec["estimate"].get("note", "")),
        )
        if spec.get("estimate")
        else None,
        members=tuple(
            MemberSource(
                group=entry.get("from"),
                role=entry.get("role"),
                role_answer=entry.get("role_answer"),
                roles=_frozen(entry.get("roles", {})),
                inputs=_input_answers(entry["inputs"]),
                includes=_input_includes(entry["inputs"]),
            )
            for entry in spec.get("members", ())
        ),
    )


def _input_answers(inputs: Mapping[str, Any]) -> Mapping[str, str]:
    """Each rule input's answer: written as the answer's name, or as
    `{answer: NAME, includes: OPTION}` for a checkboxes answer."""
    return _frozen(
        {
            name: given["answer"] if isinstance(given, dict) else given
            for name, given in inputs.items()
        }
    )


def _input_includes(inputs: Mapping[str, Any]) -> Mapping[str, str]:
    return _frozen(
        {name: given["includes"] for name, given in inputs.items() if isinstance(given, dict)}
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
