"""Small typed readers for settings taken from the environment.

They fail loudly: a malformed value stops start-up with a message naming the variable,
rather than running with a silent default.
"""

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import overload

import limits


class ConfigurationError(RuntimeError):
    pass


@overload
def read_str(name: str, default: str) -> str: ...


@overload
def read_str(name: str, default: None = None) -> str | None: ...


def read_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def read_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {value!r}")


def read_int(name: str, *, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}") from None


def read_list(name: str, *, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def read_rate(name: str, default: str) -> str:
    """A rate in the rate limiter's notation: "10/15minutes", "100/hour"."""
    value = os.environ.get(name) or default
    try:
        limits.parse(value)
    except ValueError:
        raise ConfigurationError(
            f"{name} must be a rate such as 10/15minutes, not {value!r}"
        ) from None
    return value


def demo_secret(path: Path, *, length: int = 50, make: Callable[[], str] | None = None) -> str:
    """A secret generated once into `path` (by `make`, or random), for the demo and tests.

    Written aside and linked into place, so processes starting together all read one
    whole secret, whichever of them wrote it.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        value = make() if make else secrets.token_urlsafe(length)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        # Owner-only permissions: these secrets sign sessions and the log.
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(value)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process won the race: use its secret
        finally:
            draft.unlink()
    return path.read_text().strip()
