"""Message templates in GOV.UK Notify's syntax: one renderer for every message."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civitas.platform.message_templates import (
    MissingValues,
    Placeholder,
    TemplateSyntaxError,
    is_yes,
    parse_template,
    placeholder_key,
)


def render(text: str, **values: object) -> str:
    return parse_template(text).render(values)


def test_a_placeholder_is_replaced_by_its_value():
    assert render("Your reference is ((reference)).", reference="AB12") == "Your reference is AB12."


def test_the_template_lists_its_placeholders_in_order_with_where_they_are():
    template = parse_template("Hello ((name)),\nyour fee is ((fee)). ((has_fee??Pay now.))")
    assert template.placeholders == (
        Placeholder(name="name", optional_text=None, line=1, column=7),
        Placeholder(name="fee", optional_text=None, line=2, column=13),
        Placeholder(name="has_fee", optional_text="Pay now.", line=2, column=22),
    )
    assert template.keys == {"name", "fee", "hasfee"}


@pytest.mark.parametrize(
    "written",
    ["service_title", "Service Title", "service-title", "SERVICE_TITLE", " service title "],
)
def test_names_ignore_case_spaces_underscores_and_hyphens(written):
    assert render(f"(({written}))", service_title="Parking") == "Parking"
    assert placeholder_key(written) == "servicetitle"


def test_a_value_may_be_given_under_any_spelling_of_its_name():
    assert render("((service_title))", **{"Service-Title": "Parking"}) == "Parking"


def test_two_different_values_under_one_name_are_refused():
    with pytest.raises(ValueError, match="two values"):
        parse_template("((a_b))").render({"a_b": "1", "a-b": "2"})


@pytest.mark.parametrize("value", ["yes", "Yes", "YES", "y", "true", "True", "1", "show", True, 1])
def test_optional_text_shows_when_the_value_means_yes(value):
    assert render("Fee: ((has_fee??Pay now.))", has_fee=value) == "Fee: Pay now."
    assert is_yes(value)


@pytest.mark.parametrize("value", ["no", "No", "false", "0", "", "  ", "maybe", False, None, 0])
def test_optional_text_is_hidden_when_the_value_means_no(value):
    assert render("Fee: ((has_fee??Pay now.))", has_fee=value) == "Fee: "
    assert not is_yes(value)


def test_optional_text_may_hold_question_marks_and_line_breaks():
    assert render("((x??Why??\nBecause.))", x="yes") == "Why??\nBecause."


def test_booleans_and_numbers_show_as_text():
    assert render("((a)) ((b)) ((c)) ((d))", a=True, b=False, c=12, d=None) == "yes no 12 "


@pytest.mark.parametrize(
    "text",
    [
        "{reference}",
        "{",
        "}",
        "{0}",
        "{reference.x}",
        "{{reference}}",
        "a ( b ) c",
        "single (bracket",
        "closing )) alone",
        "?? on its own",
        "%(reference)s",
        "$reference ${reference}",
        "{{ reference }} {% if x %}",
    ],
)
def test_no_other_syntax_is_special(text):
    template = parse_template(text)
    assert template.placeholders == ()
    assert template.render({}) == text


def test_a_run_of_brackets_opens_with_its_last_two():
    assert render("(((reference)))", reference="AB12") == "(AB12)"
    assert render("((((reference))))", reference="AB12") == "((AB12))"


@pytest.mark.parametrize(
    "value",
    [
        "((reference))",
        "((has_fee??shown))",
        "{reference}",
        "{0}",
        "?? and ((",
        "))",
        "<script>alert(1)</script>",
        "&amp;",
    ],
)
def test_a_value_is_inserted_literally_and_never_expanded_again(value):
    template = parse_template("A ((reason)) B ((reference))")
    values = {"reason": value, "reference": "AB12"}
    assert template.render(values) == f"A {value} B AB12"


def test_html_escapes_the_text_and_the_values():
    template = parse_template("<b>Hi</b> ((name)) & ((has_x??<i>more</i>))")
    html = template.render_html({"name": "<script>x</script>", "has_x": "yes"})
    assert html == (
        "<p>&lt;b&gt;Hi&lt;/b&gt; &lt;script&gt;x&lt;/script&gt; &amp; &lt;i&gt;more&lt;/i&gt;</p>"
    )


def test_html_keeps_a_value_that_looks_like_a_placeholder_as_text():
    html = parse_template("((reason))").render_html({"reason": "((reference)) {fee}"})
    assert html == "<p>((reference)) {fee}</p>"


def test_html_makes_paragraphs_and_line_breaks_from_the_rendered_text():
    template = parse_template("\n\nFirst line\nsecond ((reason))\n\n\nNext paragraph\n")
    html = template.render_html({"reason": "one\ntwo\n\nthree"})
    assert html == (
        "<p>First line<br>second one<br>two</p>\n\n<p>three</p>\n\n<p>Next paragraph</p>"
    )


def test_a_missing_value_is_named():
    with pytest.raises(MissingValues) as raised:
        parse_template("((reference)) ((fee)) ((Reference))").render({"fee": "£1"})
    assert raised.value.names == ["reference"]
    assert str(raised.value) == "no value for ((reference))"


@pytest.mark.parametrize(
    ("text", "line", "column", "reason"),
    [
        ("Hello ((name", 1, 7, "'((' is not closed"),
        ("Hello\n  ((name)\nmore", 2, 3, "'((' is not closed"),
        ("a\nb\nc ((", 3, 3, "'((' is not closed"),
        ("(())", 1, 1, "needs a name"),
        ("x ((   ))", 1, 3, "needs a name"),
        ("x ((??shown))", 1, 3, "needs a name"),
        ("((_-_))", 1, 1, "needs a name"),
        ("((reference.x))", 1, 12, "'.' cannot be in a placeholder's name"),
        ("((0:>5))", 1, 4, "':' cannot be in a placeholder's name"),
        ("((na{me))", 1, 5, "'{' cannot be in a placeholder's name"),
        ("((na\tme))", 1, 5, "'\\t' cannot be in a placeholder's name"),
        ("((na\nme))", 1, 5, "'\\n' cannot be in a placeholder's name"),
        ("((café))", 1, 6, "'é' cannot be in a placeholder's name"),
        ("((reference.\nThe fee is ((fee)).", 1, 1, "'((' is not closed"),
        ("((a ((b)) ((c))", 1, 1, "'((' is not closed"),
        ("((reference. more (aside))", 1, 12, "'.' cannot be in a placeholder's name"),
        ("one\n((a((b))))", 2, 4, "cannot go inside another"),
        ("((x??text ((reference)) more))", 1, 11, "cannot go inside another"),
        ("((x??see (below)))", 1, 10, "brackets cannot go inside"),
        ("((a (b) c))", 1, 5, "brackets cannot go inside"),
    ],
)
def test_a_malformed_template_is_an_error_with_its_line_and_column(text, line, column, reason):
    with pytest.raises(TemplateSyntaxError) as raised:
        parse_template(text)
    assert (raised.value.line, raised.value.column) == (line, column)
    assert reason in raised.value.reason
    assert str(raised.value).startswith(f"line {line}, column {column}: ")


NAMES = st.sampled_from(["reference", "fee", "has_fee", "Has Fee", "reason"])
PIECES = st.one_of(
    st.text(alphabet="ab (){}?\n<&>\\%", max_size=8),
    NAMES.map(lambda name: f"(({name}))"),
    NAMES.map(lambda name: f"(({name}??shown))"),
)


@given(st.lists(PIECES, max_size=8).map("".join), st.text(max_size=20))
def test_any_text_either_fails_to_parse_or_always_renders(text, value):
    try:
        template = parse_template(text)
    except TemplateSyntaxError as error:
        where = (error.line, error.column)
    else:
        where = None
    if where is not None:
        assert 1 <= where[0] <= text.count("\n") + 1
        assert where[1] >= 1
        return
    values = {"reference": value, "fee": value, "has_fee": value, "reason": value}
    template.render(values)
    template.render_html(values)


@given(st.text(max_size=40))
def test_a_value_shows_exactly_as_given_whatever_it_holds(value):
    template = parse_template("[((reason))]")
    assert template.render({"reason": value}) == f"[{value}]"
