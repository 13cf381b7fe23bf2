"""Keyed, one-way references for values that must not be logged or stored in clear."""

from django.utils.crypto import salted_hmac


def pseudonym(purpose: str, value: str) -> str:
    """A stable 16-character reference for `value`, different for each `purpose`.

    The same value always gives the same reference, so log lines about one account or one
    address can be put together; but it is keyed with SECRET_KEY, so nobody without the key
    can turn it back, nor confirm a guess (an email address, or one of the four billion IPv4
    addresses) by hashing it themselves.
    """
    return salted_hmac(f"civitas.pseudonym.{purpose}", value, algorithm="sha256").hexdigest()[:16]
