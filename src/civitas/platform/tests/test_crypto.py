import pytest

from civitas.platform.crypto import DecryptionError, open_sealed, seal


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
