"""Random and hostile input to every question type: an answer or a field error, never an
exception, and an accepted answer survives the trip back into its fields.

Pure (no database), so Hypothesis can try many inputs quickly.
"""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitas.catalogue.questions import question_type_names
from civitas.catalogue.tests.test_question_types import SAMPLES, TODAY, question

HOSTILE_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\u202e",
            "\ud800",
            "0" * 5000,
            "9" * 400,
            "-1",
            "1e999",
            "NaN",
            "inf",
            "31",
            "2",
            "2027",
            "99999999999",
            "<script>alert(1)</script>",
            "{max_length}",
            "((reference))",
        ]
    ),
)
SUFFIXES = ("", "-day", "-month", "-year", "-hours", "-minutes", "-postcode", "-line1")


@pytest.mark.parametrize("kind", question_type_names())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=st.dictionaries(st.sampled_from(SUFFIXES), HOSTILE_TEXT, max_size=4))
def test_any_posted_fields_give_an_answer_or_a_field_error(kind, fields):
    q = question(kind)
    cleaned = q.clean({f"answer{suffix}": value for suffix, value in fields.items()}, today=TODAY)
    outcomes = [cleaned.value is not None, cleaned.error is not None, cleaned.pending is not None]
    assert outcomes.count(True) == 1
    if cleaned.pending is not None:
        return  # a step within the question (the address question's "Find address")
    if cleaned.error is not None:
        assert cleaned.error.message
        assert cleaned.error.field.startswith("answer")
        return
    q.display(cleaned.value)
    again = q.clean(q.fields_for(cleaned.value), today=TODAY)
    assert again.value == cleaned.value


@pytest.mark.parametrize("kind", question_type_names())
@settings(max_examples=40, deadline=None)
@given(
    value=st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True),
        st.lists(st.text(max_size=5), max_size=3),
        st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
        HOSTILE_TEXT,
    )
)
def test_any_api_value_gives_an_answer_or_a_field_error(kind, value):
    """The API hands whatever JSON a client sent to the type: wrong types included."""
    q = question(kind)
    cleaned = q.clean(q.fields_for(value), today=TODAY)
    assert (cleaned.value is None) != (cleaned.error is None)


@pytest.mark.parametrize("kind", question_type_names())
def test_the_sample_answer_of_every_type_makes_the_round_trip(kind):
    q = question(kind)
    cleaned = q.clean(q.fields_for(SAMPLES[kind]), today=datetime.date(2026, 11, 24))
    assert cleaned.error is None, cleaned.error
    assert cleaned.value == SAMPLES[kind]
