"""The long_text question type: a textarea with GOV.UK's character count."""

import pytest

from civitas.catalogue.questions import Cleaned, FieldError
from civitas.catalogue.tests.test_number_questions import problems
from civitas.catalogue.tests.test_question_types import TODAY, question, render_widget


def clean(q, typed):
    return q.clean({"answer": typed}, today=TODAY)


def test_lines_are_kept_and_line_breaks_stored_as_newlines():
    q = question("long_text")
    assert clean(q, "  First line\r\nSecond line\rThird\n") == Cleaned(
        "First line\nSecond line\nThird"
    )
    assert q.display("First line\nSecond") == "First line\nSecond"


def test_the_limit_counts_characters_with_a_line_break_as_one():
    q = question("long_text", max_length=10)
    assert clean(q, "abcd\r\nefghi") == Cleaned("abcd\nefghi")
    assert clean(q, "abcd\r\nefghij").error == FieldError(
        "Your answer must be 10 characters or fewer", "answer"
    )


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("\n\r\n \u200b", "required"),
        ("a\x00b", "unsafe_characters"),
        ("a\tb", "unsafe_characters"),
        ("a\u202eb", "unsafe_characters"),
        ("x" * 501, "too_long"),
    ],
)
def test_input_nobody_types_is_a_field_error(typed, kind):
    result = clean(question("long_text"), typed)
    assert result.value is None
    assert result.error.field == "answer"
    assert result.error.message.startswith(
        {
            "required": "Answer",
            "unsafe_characters": "Your answer includes",
            "too_long": "Your answer must",
        }[kind]
    )


def test_the_limit_is_in_the_hint_so_it_works_without_javascript():
    html = render_widget(question("long_text", max_length=200), {})
    assert 'data-maxlength="200"' in html
    assert "You can enter up to 200 characters" in html
    assert 'class="govuk-textarea govuk-js-character-count"' in html


def test_after_too_long_the_server_counts_the_characters_too_many():
    q = question("long_text", max_length=5)
    typed = {"answer": "abcdefgh"}
    html = render_widget(q, typed, clean(q, typed["answer"]).error)
    assert "You have 3 characters too many" in html
    assert "You can enter up to" not in html
    one = render_widget(q, {"answer": "abcdef"}, clean(q, "abcdef").error)
    assert "You have 1 character too many" in one
    unsafe = render_widget(q, {"answer": "a\x00"}, clean(q, "a\x00").error)
    assert "You can enter up to 5 characters" in unsafe


def test_what_was_typed_is_escaped_in_the_textarea():
    html = render_widget(question("long_text"), {"answer": "</textarea><script>x</script>"})
    assert "<script>" not in html
    assert "&lt;/textarea&gt;" in html


def test_the_api_schema_has_the_limit():
    assert question("long_text", max_length=300).answer_schema() == {
        "type": "string",
        "maxLength": 300,
    }


def test_a_definition_gives_long_text_a_max_length():
    assert problems("max_length: 1000", kind="long_text") == []
    assert [p.split(": ", 1)[1] for p in problems("min: 3", kind="long_text")] == [
        "a long_text question has no min"
    ]


def test_check_answers_and_the_case_page_keep_the_lines_and_escape_the_rest():
    from civitas.platform.templating import with_line_breaks

    shown = with_line_breaks(question("long_text").display("One <b>\nTwo & three"))
    assert shown == "One &lt;b&gt;<br>Two &amp; three"
