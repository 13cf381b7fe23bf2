"""Staff read words, in their language, for a case's codes; a code with no words yet is
shown as it is rather than hidden."""

from django.utils import translation

from civitas.cases.labels import channel_label, status_label
from civitas.cases.workflow import Status


def test_every_status_has_its_words_in_english_and_welsh():
    with translation.override("en"):
        assert [status_label(status) for status in Status] == ["Submitted", "Approved", "Refused"]
    with translation.override("cy"):
        assert [status_label(status) for status in Status] == [
            "Cyflwynwyd",
            "Wedi'i gymeradwyo",
            "Wedi'i wrthod",
        ]


def test_a_channel_is_in_welsh_on_a_welsh_page():
    with translation.override("cy"):
        assert channel_label("api") == "drwy'r API"


def test_a_code_with_no_words_is_shown_as_it_is():
    with translation.override("cy"):
        assert status_label("withdrawn") == "withdrawn"
        assert channel_label("<post>") == "<post>"
