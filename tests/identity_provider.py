"""The local OpenID Connect provider (tools/identity_provider: django-oauth-toolkit), run
as its own process for the tests, and a person signing in at it.

Each process of the test run starts one provider, on a free port, with a fresh database
and signing key, and a client key pair made for it. People: one who has proved their
identity (P2), one who has not (P0)."""

import html
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"
PROVED = "proved@example.com"
NOT_PROVED = "not-proved@example.com"
CLIENT_ID = "civitas"
RETURN_PATH = "/account/sign-in/identity-provider/return/"
STAFF_RETURN_PATH = "/staff/sign-in/organisation-return/"


@dataclass
class IdentityProvider:
    url: str
    client_key_file: Path
    process: subprocess.Popen
    state_dir: Path

    @property
    def signing_key_file(self) -> Path:
        """The provider's own key: for tests that forge what only it could sign."""
        return self.state_dir / "signing-key.pem"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_key_pair(folder: Path) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = folder / "client-key.pem"
    public = folder / "client-key.pub.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def start_identity_provider(folder: Path, redirect_uris: list[str]) -> IdentityProvider:
    private, public = make_key_pair(folder)
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "identity_provider",
            "--port",
            str(port),
            "--state-dir",
            str(folder / "idp"),
            "--client",
            f"{CLIENT_ID}={public}={' '.join(redirect_uris)}",
            "--person",
            f"{PROVED}={PASSWORD}=P2",
            "--person",
            f"{NOT_PROVED}={PASSWORD}=P0",
        ],
        cwd=REPO / "tools",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{url}/.well-known/openid-configuration", timeout=1).raise_for_status()
            return IdentityProvider(
                url=url, client_key_file=private, process=process, state_dir=folder / "idp"
            )
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the identity provider did not start") from None
            time.sleep(0.2)


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in_at_provider(authorize_url: str, email: str, password: str = PASSWORD) -> str:
    """A person following `authorize_url` and signing in at the provider: the URL the
    provider sends them back to (with the code and state)."""
    person = requests.Session()
    response = person.get(authorize_url, allow_redirects=False, timeout=10)
    login_url = urllib.parse.urljoin(authorize_url, response.headers["Location"])
    page = person.get(login_url, timeout=10)
    token = TOKEN.search(page.text).group(1)
    next_url = urllib.parse.parse_qs(urllib.parse.urlsplit(login_url).query)["next"][0]
    response = person.post(
        login_url,
        data={
            "csrfmiddlewaretoken": token,
            "username": email,
            "password": password,
            "next": next_url,
        },
        headers={"Referer": login_url},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    response = person.get(
        urllib.parse.urljoin(login_url, response.headers["Location"]),
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, html.unescape(response.text[:800])
    return response.headers["Location"]
