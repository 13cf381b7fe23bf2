"""Signed notes, checkpoints and cosignatures, including published test vectors."""

import base64

import pytest

from civitas.ledger.merkle import leaf_hash
from civitas.ledger.note import (
    BadSignatureError,
    Checkpoint,
    CosignatureVerifier,
    KeyFormatError,
    MalformedCheckpointError,
    MalformedNoteError,
    NoteError,
    NoVerifiableSignatureError,
    Signer,
    UnknownKeyError,
    Verifier,
    append_signatures,
    cosign,
    format_checkpoint,
    generate_signer,
    open_note,
    parse_checkpoint,
    parse_note,
    parse_verifier_key,
    sign_note,
    verify_cosignature,
)

# From the documentation and tests of Go's golang.org/x/mod/sumdb/note.
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
PETER_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdng"
    "otpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWL"
    "ox33WWd1RvMc+QQ=\n"
)
PETER_NOTE = PETER_TEXT + "\n" + PETER_SIG

ORIGIN = "civitas.example/ledger"
ROOT = leaf_hash(b"root")


def checkpoint_body(size: int = 7, root: bytes = ROOT) -> str:
    return format_checkpoint(ORIGIN, size, root)


# --- Published vectors ----------------------------------------------------------------------


def test_the_go_sumdb_note_example_opens_with_its_verifier_key():
    body, names = open_note(PETER_NOTE, [Verifier.from_key_string(PETER_VKEY)])
    assert body == PETER_TEXT
    assert names == ["PeterNeumann"]


def test_signing_the_go_example_with_its_private_key_reproduces_the_published_note():
    signer = Signer.from_key_string(PETER_SKEY)
    assert signer.verifier_key() == PETER_VKEY
    assert signer.key_string() == PETER_SKEY
    assert sign_note(PETER_TEXT, [signer]) == PETER_NOTE  # Ed25519 is deterministic


def test_the_go_doubly_signed_example_opens_with_either_key_or_both():
    note = PETER_TEXT + "\n" + PETER_SIG + ENOCH_SIG
    peter, enoch = Verifier.from_key_string(PETER_VKEY), Verifier.from_key_string(ENOCH_VKEY)
    assert open_note(note, [peter])[1] == ["PeterNeumann"]
    assert open_note(note, [enoch])[1] == ["EnochRoot"]
    assert open_note(note, [enoch, peter])[1] == ["PeterNeumann", "EnochRoot"]


def test_the_c2sp_signed_note_example_verifies():
    vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    note = (
        "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXpp"
        "zi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
    )
    assert open_note(note, [Verifier.from_key_string(vkey)]) == (
        "This is an example message.\n",
        ["example.com/foo"],
    )


def test_published_witness_keys_of_both_types_parse_with_matching_key_ids():
    # A deployed witness's cosignature/v1 key (type 0x04), and a note key whose base64
    # contains '+', both from transparency-dev/formats tests.
    witness = parse_verifier_key(
        "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
    )
    assert isinstance(witness, CosignatureVerifier)
    assert witness.key_id == 0xDA77ADE7
    plain = parse_verifier_key("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
    assert type(plain) is Verifier


# --- Keys -------------------------------------------------------------------------------------


def test_generated_signer_keys_round_trip_and_match_their_verifier():
    key = generate_signer("civitas.example/ledger")
    signer = Signer.from_key_string(key)
    assert signer.key_string() == key
    verifier = Verifier.from_key_string(signer.verifier_key())
    assert (verifier.name, verifier.key_id) == (signer.name, signer.key_id)
    assert key.startswith("PRIVATE+KEY+civitas.example/ledger+")


def test_a_signer_never_shows_its_private_key_in_repr():
    key = generate_signer("civitas.example/ledger")
    secret = key.split("+", 4)[4]  # the base64 itself may contain "+"
    assert secret not in repr(Signer.from_key_string(key))


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong key ID
        "PeterNeumann+0xc74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # not 8 hex digits
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",  # bad base64
        "PeterNeumann+c74f20a3+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # unknown type
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # space in name
        PETER_SKEY,
    ],
)
def test_malformed_verifier_keys_are_rejected(bad):
    with pytest.raises(KeyFormatError):
        Verifier.from_key_string(bad)


def test_every_single_character_change_to_the_go_keys_is_rejected():
    for key, parse in [
        (PETER_VKEY, Verifier.from_key_string),
        (PETER_SKEY, Signer.from_key_string),
    ]:
        for position in range(len(key)):
            mangled = key[:position] + chr(ord(key[position]) + 1) + key[position + 1 :]
            with pytest.raises(NoteError):
                parse(mangled)


def test_a_witness_key_is_not_accepted_where_a_log_key_is_expected():
    witness = Signer.generate("witness.example/w1")
    with pytest.raises(KeyFormatError, match="signature type 0x04"):
        Verifier.from_key_string(witness.cosignature_verifier_key())


# --- Notes ------------------------------------------------------------------------------------


def test_a_signed_checkpoint_round_trips():
    signer = Signer.generate(ORIGIN)
    note = sign_note(checkpoint_body(), [signer])
    body, names = open_note(note, [signer.verifier()])
    assert names == [ORIGIN]
    assert parse_checkpoint(body) == Checkpoint(ORIGIN, 7, ROOT)


def test_a_checkpoint_signed_with_another_key_is_rejected_as_unknown():
    real, impostor = Signer.generate(ORIGIN), Signer.generate(ORIGIN)
    note = sign_note(checkpoint_body(), [impostor])
    with pytest.raises(UnknownKeyError, match="not trusted"):
        open_note(note, [real.verifier()])


def test_a_modified_body_is_rejected_as_a_bad_signature():
    signer = Signer.generate(ORIGIN)
    note = sign_note(checkpoint_body(size=7), [signer])
    forged = note.replace("\n7\n", "\n8\n", 1)
    with pytest.raises(BadSignatureError, match="does not verify"):
        open_note(forged, [signer.verifier()])


def test_a_bad_signature_from_a_trusted_key_rejects_the_note_even_if_another_verifies():
    old, new = Signer.generate(ORIGIN), Signer.generate(ORIGIN)
    good = sign_note(checkpoint_body(), [old])
    other = sign_note(checkpoint_body(size=8), [new])
    spliced = good + other.split("\n\n")[1]
    with pytest.raises(BadSignatureError):
        open_note(spliced, [old.verifier(), new.verifier()])


def test_a_note_signed_by_the_old_and_new_key_during_rotation_opens_with_either():
    old, new = Signer.generate(ORIGIN), Signer.generate(ORIGIN)
    note = sign_note(checkpoint_body(), [new, old])
    assert open_note(note, [old.verifier()])[1] == [ORIGIN]
    assert open_note(note, [new.verifier()])[1] == [ORIGIN]
    assert open_note(note, [old.verifier(), new.verifier()])[1] == [ORIGIN, ORIGIN]


def test_opening_with_no_trusted_keys_says_so():
    note = sign_note(checkpoint_body(), [Signer.generate(ORIGIN)])
    with pytest.raises(NoVerifiableSignatureError, match="no trusted keys"):
        open_note(note, [])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no signatures at all\n", "no blank line"),
        ("body\n\n", "signature block is empty"),
        ("body\n\n— name AAAAAAAA", "final newline"),
        ("body\n\n- name AAAAAAAAAA==\n", "em dash"),
        ("body\n\n— name\n", "not '— <name> <signature>'"),
        ("body\n\n— name !!!!\n", "not valid base64"),
        ("body\n\n— name AAAA\n", "too short"),
        ("bo\tdy\n\n— name AAAAAAAAAA==\n", "control character"),
        ("body\r\n\n— name AAAAAAAAAA==\n", "control character"),
        (b"body\xff\n\n\xe2\x80\x94 name AAAAAAAAAA==\n", "not valid UTF-8"),
    ],
)
def test_malformed_notes_are_rejected_with_a_reason(text, message):
    with pytest.raises(MalformedNoteError, match=message):
        open_note(text, [Verifier.from_key_string(PETER_VKEY)])


def test_a_note_with_too_many_signatures_is_rejected():
    line = PETER_SIG
    with pytest.raises(MalformedNoteError, match="more than 100"):
        parse_note(PETER_TEXT + "\n" + line * 101)


def test_a_note_body_may_contain_blank_lines_and_is_split_at_the_last_one():
    signer = Signer.generate(ORIGIN)
    text = "first paragraph\n\nsecond paragraph\n"
    assert open_note(sign_note(text, signer), [signer.verifier()])[0] == text


def test_sign_note_refuses_a_body_without_final_newline():
    with pytest.raises(MalformedNoteError, match="end with a newline"):
        sign_note("no newline", [Signer.generate(ORIGIN)])


# --- Checkpoints ------------------------------------------------------------------------------


def test_checkpoint_formatting_matches_the_c2sp_layout():
    root = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    body = format_checkpoint("example.com/behind-the-sofa", 20852163, root)
    assert (
        body
        == "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )
    assert parse_checkpoint(body) == Checkpoint("example.com/behind-the-sofa", 20852163, root)


def test_checkpoint_extension_lines_round_trip():
    body = format_checkpoint(ORIGIN, 0, ROOT, ["ext one", "ext two"])
    assert parse_checkpoint(body).extensions == ("ext one", "ext two")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (f"{ORIGIN}\n7\n", "at least three lines"),
        (f"\n7\n{base64.b64encode(ROOT).decode()}\n", "origin line is empty"),
        (f"{ORIGIN}\n07\n{base64.b64encode(ROOT).decode()}\n", "without leading zeros"),
        (f"{ORIGIN}\n-1\n{base64.b64encode(ROOT).decode()}\n", "without leading zeros"),
        (f"{ORIGIN}\n+7\n{base64.b64encode(ROOT).decode()}\n", "without leading zeros"),
        (f"{ORIGIN}\n٧\n{base64.b64encode(ROOT).decode()}\n", "without leading zeros"),
        (f"{ORIGIN}\n{2**64}\n{base64.b64encode(ROOT).decode()}\n", "larger than"),
        (f"{ORIGIN}\n7\n{base64.b64encode(ROOT[:31]).decode()}\n", "32 bytes"),
        (f"{ORIGIN}\n7\n{base64.b64encode(ROOT).decode().rstrip('=')}\n", "base64"),
        (
            f"{ORIGIN}\n7\n{base64.b64encode(ROOT).decode()}\n\n",
            "extension lines must not be empty",
        ),
        (f"{ORIGIN}\n7\n{base64.b64encode(ROOT).decode()}", "end with a newline"),
    ],
)
def test_malformed_checkpoints_are_rejected_strictly(body, message):
    with pytest.raises(MalformedCheckpointError, match=message):
        parse_checkpoint(body)


@pytest.mark.parametrize(
    ("origin", "size", "root"),
    [
        ("", 1, ROOT),
        ("has space", 1, ROOT),
        (ORIGIN, -1, ROOT),
        (ORIGIN, True, ROOT),
        (ORIGIN, 1, b"x"),
    ],
)
def test_format_checkpoint_refuses_invalid_fields(origin, size, root):
    with pytest.raises(MalformedCheckpointError):
        format_checkpoint(origin, size, root)


# --- Cosignatures -----------------------------------------------------------------------------


def test_a_cosignature_round_trips_and_carries_its_timestamp():
    witness = Signer.generate("witness.example/w1")
    body = checkpoint_body()
    line = cosign(body, witness, 1679315147)
    assert line.startswith("— witness.example/w1 ")
    assert line.endswith("\n")
    raw = base64.b64decode(line.split(" ")[2])
    assert raw[:4] == witness.cosignature_key_id.to_bytes(4, "big")
    assert int.from_bytes(raw[4:12], "big") == 1679315147
    assert len(raw) == 4 + 8 + 64
    verifier = CosignatureVerifier.from_key_string(witness.cosignature_verifier_key())
    assert verify_cosignature(body, line, verifier) == 1679315147


def test_a_cosignature_signs_the_c2sp_cosignature_v1_message():
    witness = Signer.generate("witness.example/w1")
    body = checkpoint_body()
    raw = base64.b64decode(cosign(body, witness, 1679315147).split(" ")[2])
    message = ("cosignature/v1\ntime 1679315147\n" + body).encode()
    witness.verifier()._key.verify(raw[12:], message)  # raises if not


def test_a_cosignature_uses_a_different_key_id_from_the_same_keys_note_signatures():
    witness = Signer.generate("witness.example/w1")
    assert witness.key_id != witness.cosignature_key_id
    # So a witness's cosignature can never be mistaken for a log signature by that key.
    note = append_signatures(
        sign_note(checkpoint_body(), Signer.generate(ORIGIN)),
        [cosign(checkpoint_body(), witness, 1)],
    )
    with pytest.raises(UnknownKeyError):
        open_note(note, [witness.verifier()])


def test_a_cosigned_checkpoint_opens_with_log_and_witness_keys_together():
    log, witness = Signer.generate(ORIGIN), Signer.generate("witness.example/w1")
    body = checkpoint_body()
    note = append_signatures(sign_note(body, log), [cosign(body, witness, 1_700_000_000)])
    verifiers = [log.verifier(), witness.cosignature_verifier()]
    assert open_note(note, verifiers) == (body, [ORIGIN, "witness.example/w1"])


def test_a_cosignature_over_another_checkpoint_is_rejected():
    witness = Signer.generate("witness.example/w1")
    line = cosign(checkpoint_body(size=7), witness, 1)
    with pytest.raises(BadSignatureError):
        verify_cosignature(checkpoint_body(size=8), line, witness.cosignature_verifier())


def test_a_cosignature_with_an_altered_timestamp_is_rejected():
    witness = Signer.generate("witness.example/w1")
    raw = bytearray(base64.b64decode(cosign(checkpoint_body(), witness, 1000).split(" ")[2]))
    raw[11] ^= 1
    line = f"— witness.example/w1 {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(BadSignatureError):
        verify_cosignature(checkpoint_body(), line, witness.cosignature_verifier())


def test_a_cosignature_by_another_witness_is_reported_as_unknown():
    one, two = Signer.generate("witness.example/w1"), Signer.generate("witness.example/w2")
    line = cosign(checkpoint_body(), one, 1)
    with pytest.raises(UnknownKeyError):
        verify_cosignature(checkpoint_body(), line, two.cosignature_verifier())


def test_witnesses_only_cosign_checkpoints_with_a_sane_timestamp():
    witness = Signer.generate("witness.example/w1")
    with pytest.raises(MalformedCheckpointError):
        cosign("just some text\n", witness, 1)
    with pytest.raises(ValueError, match="2\\*\\*63"):
        cosign(checkpoint_body(), witness, 2**63)
