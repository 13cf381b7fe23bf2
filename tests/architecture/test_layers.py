"""The domains are declared once, in civitas/domains.py; the import contracts in
pyproject.toml, which cannot import it, must say the same."""

import tomllib
from pathlib import Path

from django.conf import settings

from civitas.domains import DOMAINS, LAYERS

ROOT = Path(__file__).resolve().parents[2]


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {contract["type"]: contract for contract in config["tool"]["importlinter"]["contracts"]}


def _layer(names: tuple[str, ...]) -> str:
    return " | ".join(f"civitas.{name}" for name in names)


def test_the_layers_contract_is_the_declared_layers_between_the_wiring_and_the_kernel():
    layers = _contracts()["layers"]["layers"]
    assert layers == [
        "civitas.wiring | civitas.urls",
        *(_layer(layer) for layer in LAYERS),
        "civitas.platform",
    ]


def test_every_domain_is_independent_of_the_others_but_for_its_public_api():
    assert sorted(_contracts()["independence"]["modules"]) == sorted(
        f"civitas.{domain}" for domain in DOMAINS
    )


def test_the_kernel_is_forbidden_every_domain():
    assert sorted(_contracts()["forbidden"]["forbidden_modules"]) == sorted(
        f"civitas.{domain}" for domain in DOMAINS
    )


def test_every_domain_is_installed_with_a_public_api():
    for domain in DOMAINS:
        assert f"civitas.{domain}" in settings.INSTALLED_APPS
        assert (ROOT / "src" / "civitas" / domain / "public.py").exists(), domain
