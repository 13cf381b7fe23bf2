"""The log read by an independent client: Go's golang.org/x/mod/sumdb/tlog and sumdb/note.

tlogclient/main.go fetches the checkpoint and the tiles over HTTP from a live server,
checks the signature, recomputes the root, proves every entry of every bundle and the
consistency of older trees, all with tlog's own code; its proofs must equal ours.
It is built offline from the Debian packages golang-go and golang-golang-x-mod-dev,
which `make system-packages` and .ci/run install.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import transaction

from civitas.ledger.keys import log_keys
from civitas.ledger.note import Signer
from civitas.ledger.services import NewEntry, integrate_pending, record_entries

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SOURCE = Path(__file__).parent / "tlogclient"
GOPATH = Path("/usr/share/gocode")
OLD_SIZES = [1, 255, 256, 257, 300, 512, 599]


@pytest.fixture(scope="module")
def tlogclient(tmp_path_factory) -> Path:
    go = shutil.which("go")
    if go is None or not (GOPATH / "src/golang.org/x/mod/sumdb/tlog").is_dir():
        reason = "Go or golang.org/x/mod is not installed (make system-packages installs them)"
        if os.environ.get("CIVITAS_CI"):
            pytest.fail(reason)  # .ci/run installs them: never skip there
        pytest.skip(reason)
    build = tmp_path_factory.mktemp("tlogclient")
    shutil.copy(SOURCE / "main.go", build / "main.go")
    environment = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(build / "cache"),
        "GOFLAGS": "",
        "GOPROXY": "off",
    }
    subprocess.run(
        [go, "build", "-o", "tlogclient", "."],
        cwd=build,
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return build / "tlogclient"


def test_gos_tlog_reads_the_tiles_and_proves_what_our_api_proves(tlogclient, live_server, client):
    with transaction.atomic():
        record_entries(
            [
                NewEntry(kind="test.recorded", organisation="O", role="r", payload={"n": n})
                for n in range(600)
            ]
        )
    integrate_pending()
    prefix = f"{live_server.url}/api/v1/ledger"
    key = log_keys().verifiers[0].key_string()
    run = subprocess.run(
        [tlogclient, prefix, key, *map(str, OLD_SIZES)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["size"] == 600
    assert len(report["inclusion"]) == 600
    for index in (0, 1, 255, 256, 300, 511, 512, 599):
        ours = client.get(
            "/api/v1/ledger/proofs/inclusion", {"index": index, "tree_size": 600}
        ).json()
        assert report["inclusion"][str(index)] == ours["path"], index
    for old in OLD_SIZES:
        ours = client.get("/api/v1/ledger/proofs/consistency", {"first": old, "second": 600})
        assert report["consistency"][str(old)] == ours.json()["path"], old


def test_gos_tlog_refuses_a_checkpoint_signed_by_another_key(tlogclient, live_server):
    with transaction.atomic():
        record_entries([NewEntry(kind="test.recorded", organisation="O", role="r", payload={})])
    integrate_pending()
    stranger = Signer.generate("civitas.example/ledger").verifier_key()
    run = subprocess.run(
        [tlogclient, f"{live_server.url}/api/v1/ledger", stranger],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "checkpoint signature" in run.stderr
