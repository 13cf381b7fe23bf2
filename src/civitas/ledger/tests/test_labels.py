"""A reader of the public log sees words in their language for an entry's codes; a code a
newer version records is shown as it is."""

from django.utils import translation

from civitas.ledger.labels import field_label, kind_label, role_label, value_label


def test_the_codes_of_a_decision_entry_read_in_welsh():
    with translation.override("cy"):
        assert kind_label("case.decided") == "Penderfyniad wedi'i wneud"
        assert role_label("caseworker") == "Gweithiwr achos"
        assert field_label("outcome") == "Canlyniad"
        assert value_label("outcome", "refuse") == "Gwrthod"


def test_a_code_with_no_words_is_shown_as_it_is():
    with translation.override("cy"):
        assert kind_label("case.reopened") == "case.reopened"
        assert role_label("auditor") == "auditor"
        assert field_label("new_field") == "New field"
        assert value_label("outcome", "defer") == "defer"
        # A value is looked up with its field: "approve" is only a word as an outcome.
        assert value_label("service", "approve") == "approve"
