"""The hand-written components write the same markup as the GOV.UK Frontend macros.

platform/fields.html exists for speed; this keeps it from drifting from govuk-frontend.
"""

from html.parser import HTMLParser

import pytest
from django.template import engines


class _Events(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        normalised = []
        for name, value in attrs:
            if name == "value" and value == "":
                continue  # value="" and no value attribute mean the same
            if name == "class":
                value = " ".join(sorted((value or "").split()))
            normalised.append((name, value))
        self.events.append(("start", tag, tuple(sorted(normalised))))

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        text = " ".join(data.split())
        if text:
            self.events.append(("text", text))


def _markup(source: str, **context) -> list[tuple]:
    html = engines["jinja2"].env.from_string(source).render(**context)
    parser = _Events()
    parser.feed(html)
    return parser.events


OURS = (
    '{% from "platform/fields.html" import error_summary, text_input, radios, select, '
    "date_input, character_count, checkboxes %}"
)
GOVUK = "".join(
    f'{{% from "govuk_frontend_jinja/components/{name}/macro.html" import {macro} %}}'
    for name, macro in [
        ("input", "govukInput"),
        ("radios", "govukRadios"),
        ("select", "govukSelect"),
        ("character-count", "govukCharacterCount"),
        ("date-input", "govukDateInput"),
        ("error-summary", "govukErrorSummary"),
        ("checkboxes", "govukCheckboxes"),
    ]
)


@pytest.mark.parametrize("error", ["", "Enter a number"])
@pytest.mark.parametrize(("prefix", "suffix"), [("", ""), ("£", ""), ("", "kg"), ("£", "a week")])
def test_number_input_with_prefix_and_suffix_matches_govuk_input(error, prefix, suffix):
    ours = _markup(
        OURS + "{{ text_input('weight', 'Weight?', value='12', error=error, "
        "classes='govuk-input--width-10', spellcheck=false, inputmode='numeric', "
        "prefix=prefix, suffix=suffix) }}",
        error=error,
        prefix=prefix,
        suffix=suffix,
    )
    theirs = _markup(
        GOVUK + "{{ govukInput({'id': 'weight', 'name': 'weight', 'value': '12',"
        "'label': {'text': 'Weight?', 'isPageHeading': true, 'classes': 'govuk-label--l'},"
        "'classes': 'govuk-input--width-10', 'spellcheck': false, 'inputmode': 'numeric',"
        "'prefix': {'text': prefix} if prefix else none,"
        "'suffix': {'text': suffix} if suffix else none,"
        "'errorMessage': {'text': error} if error else none}) }}",
        error=error,
        prefix=prefix,
        suffix=suffix,
    )
    assert ours == theirs


@pytest.mark.parametrize("hint", ["", "For example, EB1 1AA"])
@pytest.mark.parametrize("error", ["", "Enter a postcode"])
@pytest.mark.parametrize("value", ["", "EB1 1AA"])
def test_text_input_matches_govuk_input(hint, error, value):
    ours = _markup(
        OURS + "{{ text_input('postcode', 'Postcode?', value=value, hint=hint, "
        "error=error, classes='govuk-input--width-10', autocomplete='postal-code', "
        "spellcheck=false) }}",
        hint=hint,
        error=error,
        value=value,
    )
    theirs = _markup(
        GOVUK + "{{ govukInput({'id': 'postcode', 'name': 'postcode', 'value': value,"
        "'label': {'text': 'Postcode?', 'isPageHeading': true, "
        "'classes': 'govuk-label--l'}, 'classes': 'govuk-input--width-10',"
        "'autocomplete': 'postal-code', 'spellcheck': false,"
        "'hint': {'text': hint} if hint else none,"
        "'errorMessage': {'text': error} if error else none}) }}",
        hint=hint,
        error=error,
        value=value,
    )
    assert ours == theirs


@pytest.mark.parametrize("hint", ["", "On the V5C"])
@pytest.mark.parametrize("error", ["", "Select a band"])
@pytest.mark.parametrize("inline", [False, True])
def test_radios_match_govuk_radios(hint, error, inline):
    options = [{"value": "A", "label": "Band A"}, {"value": "B", "label": "Band B", "hint": "Low"}]
    ours = _markup(
        OURS + "{{ radios('band', 'Which band?', options, value='B', hint=hint, error=error, "
        "inline=inline) }}",
        options=options,
        hint=hint,
        error=error,
        inline=inline,
    )
    items = [
        {
            "value": o["value"],
            "text": o["label"],
            "checked": o["value"] == "B",
            "hint": {"text": o["hint"]} if o.get("hint") else None,
        }
        for o in options
    ]
    theirs = _markup(
        GOVUK + "{{ govukRadios({'name': 'band', 'idPrefix': 'band', 'items': items,"
        "'fieldset': {'legend': {'text': 'Which band?', 'isPageHeading': true,"
        "'classes': 'govuk-fieldset__legend--l'}},"
        "'hint': {'text': hint} if hint else none,"
        "'classes': 'govuk-radios--inline' if inline else none,"
        "'errorMessage': {'text': error} if error else none}) }}",
        items=items,
        hint=hint,
        error=error,
        inline=inline,
    )
    assert ours == theirs


@pytest.mark.parametrize("hint", ["", "The council you pay tax to"])
@pytest.mark.parametrize("error", ["", "Select your council"])
@pytest.mark.parametrize("value", ["", "b"])
def test_select_matches_govuk_select(hint, error, value):
    options = [{"value": "a", "label": "Council A"}, {"value": "b", "label": "Council B"}]
    ours = _markup(
        OURS + "{{ select('council', 'Your council?', options, value=value, hint=hint, "
        "error=error) }}",
        options=options,
        hint=hint,
        error=error,
        value=value,
    )
    items = [{"value": "", "text": ""}] + [
        {"value": o["value"], "text": o["label"]} for o in options
    ]
    theirs = _markup(
        GOVUK + "{{ govukSelect({'id': 'council', 'name': 'council', 'items': items,"
        "'value': value, 'label': {'text': 'Your council?', 'isPageHeading': true,"
        "'classes': 'govuk-label--l'},"
        "'hint': {'text': hint} if hint else none,"
        "'errorMessage': {'text': error} if error else none}) }}",
        items=items,
        hint=hint,
        error=error,
        value=value,
    )
    assert ours == theirs


# The script's messages, passed to GOV.UK's macro as a page would pass them: one for each
# plural rule, "%{count}" left for the script.
_RULES = ("zero", "one", "two", "few", "many", "other")
COUNT_MESSAGES = {
    "under": {
        rule: f"You have %{{count}} character{'' if rule == 'one' else 's'} remaining"
        for rule in _RULES
    },
    "at_limit": "You have 0 characters remaining",
    "over": {
        rule: f"You have %{{count}} character{'' if rule == 'one' else 's'} too many"
        for rule in _RULES
    },
}


@pytest.mark.parametrize("hint", ["", "Do not include personal details"])
@pytest.mark.parametrize(
    ("error", "count"),
    [("", ""), ("Your answer must be 200 characters or fewer", "You have 3 characters too many")],
)
@pytest.mark.parametrize("value", ["", "It was parked\nacross my drive"])
def test_character_count_matches_govuk_character_count(hint, error, count, value):
    ours = _markup(
        OURS + "{{ character_count('more', 'More?', 200, value=value, hint=hint, error=error, "
        "count_message=count) }}",
        hint=hint,
        error=error,
        count=count,
        value=value,
    )
    theirs = _markup(
        GOVUK + "{{ govukCharacterCount({'id': 'more', 'name': 'more', 'maxlength': 200,"
        "'value': value, 'label': {'text': 'More?', 'isPageHeading': true,"
        "'classes': 'govuk-label--l'},"
        "'textareaDescriptionText': count or none,"
        "'charactersUnderLimitText': under, 'charactersAtLimitText': at_limit,"
        "'charactersOverLimitText': over,"
        "'hint': {'text': hint} if hint else none,"
        "'errorMessage': {'text': error} if error else none}) }}",
        hint=hint,
        error=error,
        count=count,
        value=value,
        **COUNT_MESSAGES,
    )
    assert ours == theirs


@pytest.mark.parametrize(
    ("error", "part"), [("", ""), ("Enter a month", "month"), ("Enter a real date", "day")]
)
def test_date_input_matches_govuk_date_input(error, part):
    parts = {"day": "1", "month": "", "year": "2027"}
    ours = _markup(
        OURS + "{{ date_input('start', 'When?', parts, hint='For example, 27 3 2027',"
        " error=error, error_part=part) }}",
        parts=parts,
        error=error,
        part=part,
    )

    def item(name, label, width):
        marked = error and (part == name or part == "day")
        return {
            "name": name,
            "label": label,
            "value": parts[name],
            "inputmode": "numeric",
            "classes": f"govuk-input--width-{width}" + (" govuk-input--error" if marked else ""),
        }

    items = [item("day", "Day", 2), item("month", "Month", 2), item("year", "Year", 4)]
    theirs = _markup(
        GOVUK + "{{ govukDateInput({'id': 'start', 'namePrefix': 'start',"
        "'items': items, 'hint': {'text': 'For example, 27 3 2027'},"
        "'fieldset': {'legend': {'text': 'When?', 'isPageHeading': true,"
        "'classes': 'govuk-fieldset__legend--l'}},"
        "'errorMessage': {'text': error} if error else none}) }}",
        items=items,
        error=error,
    )
    assert ours == theirs


def test_error_summary_matches_govuk_error_summary():
    errors = {"postcode": "Enter a postcode", "email": "Enter an email address"}
    ours = _markup(OURS + "{{ error_summary(errors) }}", errors=errors)
    error_list = [{"text": message, "href": f"#{field}"} for field, message in errors.items()]
    theirs = _markup(
        GOVUK + "{{ govukErrorSummary({'titleText': 'There is a problem',"
        "'errorList': error_list}) }}",
        error_list=error_list,
    )
    assert ours == theirs


@pytest.mark.parametrize("error", ["", "Select your pets"])
@pytest.mark.parametrize("values", [[], ["b"], ["none"]])
@pytest.mark.parametrize("with_none", [False, True])
def test_checkboxes_match_govuk_checkboxes(error, values, with_none):
    options = [{"value": "a", "label": "Cat"}, {"value": "b", "label": "Dog", "hint": "Or two"}]
    none = {"value": "none", "label": "No pets"} if with_none else None
    ours = _markup(
        OURS + "{{ checkboxes('pets', 'Your pets?', options, values=values, none_option=exclusive, "
        "hint='Select all that apply', error=error) }}",
        options=options,
        values=values,
        exclusive=none,
        error=error,
    )
    items = [
        {
            "value": o["value"],
            "text": o["label"],
            "checked": o["value"] in values,
            "hint": {"text": o["hint"]} if o.get("hint") else None,
        }
        for o in options
    ]
    if none:
        items += [
            {"divider": "or"},
            {
                "value": "none",
                "text": "No pets",
                "behaviour": "exclusive",
                "checked": "none" in values,
            },
        ]
    theirs = _markup(
        GOVUK + "{{ govukCheckboxes({'name': 'pets', 'idPrefix': 'pets', 'items': items,"
        "'fieldset': {'legend': {'text': 'Your pets?', 'isPageHeading': true,"
        "'classes': 'govuk-fieldset__legend--l'}},"
        "'hint': {'text': 'Select all that apply'},"
        "'errorMessage': {'text': error} if error else none}) }}",
        items=items,
        error=error,
    )
    assert ours == theirs
