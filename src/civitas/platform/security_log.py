"""The security log: one structured record per security event, without personal data.

Failed sign-ins, lockouts, forged or unknown tokens, refused access and ended sessions go
to the `civitas.security` logger as one JSON object each, so a log pipeline can count and
alert on them by field rather than by parsing sentences. A record names people and
addresses only by ids of our own or keyed pseudonyms (`civitas.platform.pseudonyms`),
never by an email address, a name or an IP address: the log is kept longer, and read by
more people, than the data it is about.
"""

import ipaddress
import json
import logging
import re

logger = logging.getLogger("civitas.security")

# What a reference may hold: ids, slugs and pseudonyms. Anything else (an email address,
# a name with spaces, a path with a query) is refused loudly, in tests as in production.
_REFERENCE = re.compile(r"[A-Za-z0-9._:/-]{0,100}")
_EVENT = re.compile(r"[a-z][a-z0-9_.-]{0,63}")


class NotAReference(ValueError):
    """A security record was given a value that is not an id or a pseudonym."""


# Events that are the system working as meant, not an attempt on it.
INFO_EVENTS = frozenset({"session.ended"})


def security_event(
    event: str, *, reason: str, **references: str | int | None
) -> dict[str, str | int]:
    """Writes one security record and returns it.

    `event` names what happened (`sign_in.failed`, `access.refused`); `reason` why, in a
    few words of our own; `references` the ids and pseudonyms it concerns (`staff=12`,
    `account=<pseudonym>`). None values are left out.
    """
    if not _EVENT.fullmatch(event) or not _EVENT.fullmatch(reason):
        raise NotAReference(f"event and reason are names of ours: {event!r}, {reason!r}")
    record: dict[str, str | int] = {"event": event, "reason": reason}
    for name, value in references.items():
        if value is None:
            continue
        if not isinstance(value, int) and (
            not _REFERENCE.fullmatch(value) or _is_ip_address(value)
        ):
            raise NotAReference(f"{name} is not an id or a pseudonym")
        record[name] = value
    level = logging.INFO if event in INFO_EVENTS else logging.WARNING
    logger.log(level, json.dumps(record, sort_keys=True), extra={"security": record})
    return record


def _is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
