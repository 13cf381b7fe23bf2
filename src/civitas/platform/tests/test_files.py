"""Files: kinds by content, safe names, sealed storage, and the clamd scanner against a
local clamd sandbox over TCP and a Unix socket."""

import io
import socket
import socketserver
import threading
import zipfile

import pytest
from django.core.exceptions import ImproperlyConfigured

from civitas.platform.crypto import DecryptionError, file_binding, open_sealed_file, seal_file
from civitas.platform.files.kinds import (
    describe_kinds,
    describe_size,
    detect_kind,
    extension_of,
    parse_size,
    safe_file_name,
)
from civitas.platform.files.scanners import (
    ClamdScanner,
    NoScanner,
    ScannerUnavailable,
    check_scanner,
    file_scanner,
)
from civitas.platform.files.store import (
    delete_sealed_file,
    new_file_token,
    read_sealed_file,
    sealed_file_path,
    write_sealed_file,
)
from civitas.platform.tests.clamd_sandbox import EICAR, ClamdSandbox, _Handler

ALL = ("pdf", "jpeg", "png", "heic", "docx", "odt")


def _zip(*members: tuple[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members:
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"%PDF-1.4\n%%EOF", "pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32, "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 16, "png"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 16, "heic"),
        (_zip(("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w/>")), "docx"),
        (_zip(("mimetype", "application/vnd.oasis.opendocument.text"), ("c.xml", "<x/>")), "odt"),
    ],
)
def test_a_files_kind_is_told_by_its_content(content, kind):
    assert detect_kind(content, ALL).name == kind
    others = tuple(name for name in ALL if name != kind)
    assert detect_kind(content, others) is None


@pytest.mark.parametrize(
    "content",
    [b"", b"plain text", b"MZ\x90\x00" + b"\x00" * 64, b"\x7fELF" + b"\x00" * 64, _zip(("a", "b"))],
)
def test_content_of_no_accepted_kind_is_none(content):
    assert detect_kind(content, ALL) is None


def test_names_extensions_sizes_and_kinds_are_written_as_govuk_does():
    assert extension_of("Photo.JPEG") == "jpeg"
    assert extension_of("archive.tar.gz") == "gz"
    assert extension_of("no extension") == ""
    assert extension_of("folder.pdf/file") == ""
    assert describe_size(10 * 1024 * 1024) == "10MB"
    assert describe_size(1258291) == "1.2MB"
    assert describe_size(2048) == "2KB"
    assert describe_size(12) == "12 bytes"
    assert parse_size("10MB") == 10 * 1024 * 1024
    assert parse_size("500KB") == 500 * 1024
    assert [parse_size(text) for text in ["10 MB", "1GB", "0KB", "-1MB", "MB", ""]] == [None] * 6
    assert describe_kinds(["pdf"]) == "a PDF"
    assert describe_kinds(["odt"]) == "an ODT"
    assert describe_kinds(["pdf", "jpeg", "png"]) == "a PDF, JPG or PNG"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("passport.pdf", "passport.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\jane\\bill.pdf", "bill.pdf"),
        ("nul\x00byte.pdf", "nulbyte.pdf"),
        ("evil\u202egnp.exe", "evilgnp.exe"),
        ("  ...  ", "file"),
        (".pdf", "pdf"),
        ("", "file"),
        ("a" * 10_000 + ".pdf", "a" * 96 + ".pdf"),
        ("x." + "y" * 50, "x." + "y" * 10),
        ('what?*:<>|".pdf', "what.pdf"),
        ("caf\u0065\u0301.pdf", "caf\u00e9.pdf"),
    ],
)
def test_a_file_name_is_made_safe_to_show_and_to_download_as(name, safe):
    assert safe_file_name(name) == safe
    assert len(safe_file_name(name)) <= 100


def test_a_sealed_file_opens_only_for_its_owner_and_unaltered():
    binding = file_binding(kind="test", identity="one")
    sealed = seal_file(b"content", binding=binding)
    assert b"content" not in sealed
    assert open_sealed_file(sealed, binding=binding) == b"content"
    assert seal_file(b"content", binding=binding) != sealed  # a fresh nonce each time
    with pytest.raises(DecryptionError):
        open_sealed_file(sealed, binding=file_binding(kind="test", identity="two"))
    altered = bytearray(sealed)
    altered[30] ^= 1
    with pytest.raises(DecryptionError):
        open_sealed_file(bytes(altered), binding=binding)
    for broken in [b"", sealed[:20], b"XXXX" + sealed[4:]]:
        with pytest.raises(DecryptionError):
            open_sealed_file(broken, binding=binding)


def test_the_store_keeps_files_sealed_under_their_token_only(settings):
    token = new_file_token()
    binding = file_binding(kind="test", identity=token)
    write_sealed_file("tests", token, b"hello", binding=binding)
    assert sealed_file_path("tests", token).parent == settings.UPLOAD_ROOT / "tests"
    assert sealed_file_path("tests", token).stat().st_mode & 0o777 == 0o600
    assert read_sealed_file("tests", token, binding=binding) == b"hello"
    delete_sealed_file("tests", token)
    delete_sealed_file("tests", token)  # already gone: nothing happens
    with pytest.raises(FileNotFoundError):
        read_sealed_file("tests", token, binding=binding)
    for folder, name in [("tests", "../../etc/passwd"), ("../x", token), ("tests", "short")]:
        with pytest.raises(ValueError, match="named by a folder word and a token"):
            write_sealed_file(folder, name, b"x", binding=binding)


@pytest.fixture
def scanner(clamd):
    return file_scanner()


def test_the_clamd_scanner_passes_a_clean_file_and_flags_eicar(scanner, clamd):
    assert isinstance(scanner, ClamdScanner)
    assert scanner.scan(b"a clean file").is_infected is False
    flagged = scanner.scan(b"x" * 100_000 + EICAR)  # across several INSTREAM chunks
    assert flagged.is_infected is True
    assert flagged.signature == "Eicar-Test-Signature"
    assert clamd.scanned == 2
    assert scanner.check() == "ok"


def test_the_clamd_scanner_is_unavailable_when_clamd_is_down_or_answers_wrongly(
    scanner, clamd, settings
):
    clamd.stop()
    with pytest.raises(ScannerUnavailable):
        scanner.scan(b"a file")
    assert check_scanner().status == "down"

    class Wrong(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.recv(1024)
            self.request.sendall(b"INSTREAM size limit exceeded. ERROR\0")

    server = socketserver.TCPServer(("127.0.0.1", 0), Wrong)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.CLAMD_ADDRESS = f"tcp://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(ScannerUnavailable):
            scanner.scan(b"a file")
    finally:
        server.shutdown()
        server.server_close()


def test_the_clamd_scanner_speaks_over_a_unix_socket_too(settings, tmp_path):
    path = str(tmp_path / "clamd.ctl")
    server = socketserver.ThreadingUnixStreamServer(path, _Handler)
    server.sandbox = ClamdSandbox.__new__(ClamdSandbox)  # only its counter is used
    server.sandbox.scanned = 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.CLAMD_ADDRESS = f"unix://{path}"
        settings.FILE_SCANNER = "civitas.platform.files.scanners.ClamdScanner"
        assert file_scanner().scan(EICAR).is_infected is True
        assert file_scanner().check() == "ok"
    finally:
        server.shutdown()
        server.server_close()
    settings.CLAMD_ADDRESS = f"unix://{tmp_path / 'nothing-here'}"
    with pytest.raises(ScannerUnavailable):
        file_scanner().scan(b"x")


def test_a_scanner_setting_that_names_no_scanner_is_refused(settings):
    settings.FILE_SCANNER = "civitas.platform.files.scanners.NoSuchScanner"
    with pytest.raises(ImproperlyConfigured):
        file_scanner()
    settings.FILE_SCANNER = "civitas.platform.files.kinds.FileKind"
    with pytest.raises(ImproperlyConfigured):
        file_scanner()
    settings.FILE_SCANNER = "civitas.platform.files.scanners.NoScanner"
    assert isinstance(file_scanner(), NoScanner)
    assert check_scanner().details == {"scanning": "off"}


def test_nothing_listens_where_clamd_is_not(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CLAMD_ADDRESS = f"tcp://127.0.0.1:{port}"
    with pytest.raises(ScannerUnavailable):
        ClamdScanner().scan(b"x")
    assert ClamdScanner().check().startswith("clamd unreachable")


def test_the_system_checks_name_a_bad_scanner_setting_and_clamd_without_an_address(settings):
    from civitas.platform.checks import check_file_scanner

    settings.FILE_SCANNER = "civitas.platform.files.scanners.NoScanner"
    assert check_file_scanner() == []
    settings.FILE_SCANNER = "no.such.Scanner"
    assert [problem.id for problem in check_file_scanner()] == ["platform.E002"]
    settings.FILE_SCANNER = "civitas.platform.files.scanners.ClamdScanner"
    settings.CLAMD_ADDRESS = ""
    assert [problem.id for problem in check_file_scanner()] == ["platform.W001"]
    settings.CLAMD_ADDRESS = "tcp://127.0.0.1:3310"
    assert check_file_scanner() == []
