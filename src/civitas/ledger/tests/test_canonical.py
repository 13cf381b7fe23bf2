"""Canonical JSON and keyed subject references."""

import hashlib
import hmac

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from civitas.ledger.canonical import CanonicalizationError, canonical_json, subject_reference

SECRET = b"a secret only the platform holds"


def test_canonical_json_sorts_keys_and_drops_whitespace():
    assert (
        canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()
    )


def test_canonical_json_is_independent_of_insertion_order():
    assert canonical_json({"x": 1, "y": {"q": 2, "p": 3}}) == canonical_json(
        {"y": {"p": 3, "q": 2}, "x": 1}
    )


def test_canonical_json_follows_rfc8785_number_formatting():
    # RFC 8785 serialises numbers as ECMAScript does: no trailing ".0", exponent for 1e21.
    assert canonical_json([1.0, 1e21, 0.5, -0.0]) == b"[1,1e+21,0.5,0]"


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


def _jcs_or_error(value):
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as error:
        return type(error)


@settings(max_examples=500)
@given(_JSON)
def test_canonical_json_is_byte_for_byte_rfc8785_whatever_path_it_takes(value):
    try:
        ours = canonical_json(value)
    except (CanonicalizationError, UnicodeEncodeError) as error:
        ours = type(error)
    assert ours == _jcs_or_error(value)


def test_canonical_json_escapes_control_characters_as_rfc8785_does():
    text = "".join(chr(code) for code in range(0x20)) + '"\\\u007f\u2028é😀'
    assert canonical_json({"t": text}) == rfc8785.dumps({"t": text})


def test_canonical_json_rejects_integers_a_javascript_verifier_would_round():
    with pytest.raises(CanonicalizationError):
        canonical_json({"amount": 2**60})
    assert issubclass(CanonicalizationError, ValueError)


def test_subject_reference_is_a_prefixed_hmac_of_the_normalised_identifier():
    expected = hmac.new(SECRET, b"alice@example.org", hashlib.sha256).hexdigest()
    assert subject_reference(SECRET, "alice@example.org") == "hmac-sha256:" + expected


def test_subject_reference_ignores_surrounding_space_and_case():
    assert subject_reference(SECRET, "  Alice@Example.ORG\n") == subject_reference(
        SECRET, "alice@example.org"
    )
    # casefold, not lower: "Straße" and "STRASSE" are the same word.
    assert subject_reference(SECRET, "Straße") == subject_reference(SECRET, "STRASSE")


def test_subject_reference_differs_between_people_and_between_secrets():
    assert subject_reference(SECRET, "alice") != subject_reference(SECRET, "bob")
    assert subject_reference(SECRET, "alice") != subject_reference(b"another secret", "alice")


def test_subject_reference_does_not_contain_the_identifier():
    assert "alice" not in subject_reference(SECRET, "alice@example.org")


@pytest.mark.parametrize(("secret", "identifier"), [(b"", "alice"), (SECRET, "   ")])
def test_subject_reference_refuses_an_empty_secret_or_blank_identifier(secret, identifier):
    with pytest.raises(ValueError, match=r"non-empty secret|non-blank identifier"):
        subject_reference(secret, identifier)
