from hypothesis import given
from hypothesis import strategies as st

from civitas.platform.references import (
    ALPHABET,
    PAYLOAD_LENGTH,
    new_reference,
    normalise_reference,
    reference_for,
)

payloads = st.text(alphabet=ALPHABET, min_size=PAYLOAD_LENGTH, max_size=PAYLOAD_LENGTH)


def test_a_new_reference_is_three_groups_of_unambiguous_characters():
    reference = new_reference()
    assert len(reference) == 11
    assert reference[3] == reference[7] == "-"
    assert set(reference.replace("-", "")) <= set(ALPHABET)
    assert not set(reference) & set("01ILOUVZ")


def test_a_reference_typed_loosely_is_recognised():
    reference = new_reference()
    assert normalise_reference(reference.lower().replace("-", " ")) == reference


def test_the_alphabet_has_an_even_size_as_luhn_mod_n_needs():
    assert len(ALPHABET) % 2 == 0


@given(payloads, st.data())
def test_any_single_mistyped_character_is_detected(payload, data):
    reference = reference_for(payload).replace("-", "")
    position = data.draw(st.integers(0, len(reference) - 1))
    replacement = data.draw(st.sampled_from([c for c in ALPHABET if c != reference[position]]))
    typo = reference[:position] + replacement + reference[position + 1 :]
    assert normalise_reference(typo) is None


@given(payloads, st.data())
def test_swapping_two_neighbouring_characters_is_detected(payload, data):
    reference = reference_for(payload).replace("-", "")
    position = data.draw(st.integers(0, len(reference) - 2))
    pair = {reference[position], reference[position + 1]}
    if len(pair) == 1 or pair == {ALPHABET[0], ALPHABET[-1]}:
        return  # the one swap Luhn mod N cannot see
    swapped = (
        reference[:position]
        + reference[position + 1]
        + reference[position]
        + reference[position + 2 :]
    )
    assert normalise_reference(swapped) is None


def test_text_that_is_not_a_reference_is_refused():
    for text in ["", "ABC", "OOO-OOO-OOO", "ABC-DEF-GHJK"]:
        assert normalise_reference(text) is None
