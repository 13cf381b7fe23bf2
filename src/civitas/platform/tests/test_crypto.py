import pytest

from civitas.platform.crypto import (
    DecryptionError,
    open_bound,
    open_sealed,
    row_binding,
    seal,
    seal_bound,
)


def test_a_sealed_value_opens_with_the_same_key():
    assert open_sealed(seal(b"personal data")) == b"personal data"


def test_each_seal_uses_a_fresh_nonce():
    assert seal(b"same") != seal(b"same")


def test_old_values_open_after_a_key_rotation(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["old-key"]
    token = seal(b"kept")
    settings.FIELD_ENCRYPTION_KEYS = ["new-key", "old-key"]
    assert open_sealed(token) == b"kept"
    assert seal(b"x").split(":")[1] != token.split(":")[1]


def test_a_value_sealed_with_a_removed_key_cannot_be_opened(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["gone"]
    token = seal(b"secret")
    settings.FIELD_ENCRYPTION_KEYS = ["other"]
    with pytest.raises(DecryptionError):
        open_sealed(token)


def test_a_bound_value_opens_only_with_the_same_binding():
    here = row_binding(table="cases_case", column="answers", row="K7M-2QH-4XP")
    token = seal_bound(b"personal data", binding=here)
    assert token.startswith("enc2:")
    assert open_bound(token, binding=here) == b"personal data"
    for elsewhere in [
        row_binding(table="cases_case", column="answers", row="K7M-2QH-4XQ"),
        row_binding(table="cases_case", column="decision_reason", row="K7M-2QH-4XP"),
        row_binding(table="notify_message", column="answers", row="K7M-2QH-4XP"),
    ]:
        with pytest.raises(DecryptionError, match="sealed for another place"):
            open_bound(token, binding=elsewhere)


def test_a_bound_field_refuses_an_unbound_value():
    with pytest.raises(DecryptionError, match="run `civitas migrate`"):
        open_bound(seal(b"old"), binding=row_binding(table="t", column="c", row="r"))


def test_bindings_cannot_be_confused_by_separators():
    one = row_binding(table="a", column="b:c", row="d")
    other = row_binding(table="a", column="b", row="c:d")
    with pytest.raises(DecryptionError):
        open_bound(seal_bound(b"x", binding=one), binding=other)


def test_bound_values_open_after_a_key_rotation(settings):
    here = row_binding(table="t", column="c", row="r")
    settings.FIELD_ENCRYPTION_KEYS = ["old-key"]
    token = seal_bound(b"kept", binding=here)
    settings.FIELD_ENCRYPTION_KEYS = ["new-key", "old-key"]
    assert open_bound(token, binding=here) == b"kept"


def test_an_encrypted_field_must_be_bound_to_a_unique_field_set_before_insert():
    from civitas.cases.models import Case
    from civitas.platform.crypto import EncryptedTextField

    for bound_to in [None, "service_slug", "id", "nowhere"]:
        field = EncryptedTextField(bound_to=bound_to)
        field.set_attributes_from_name("probe")
        field.model = Case
        assert [error.id for error in field.check()] == ["civitas.E001"], bound_to
    field = EncryptedTextField(bound_to="reference")
    field.set_attributes_from_name("probe")
    field.model = Case
    assert field.check() == []
