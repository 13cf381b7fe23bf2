"""Finding cases by the people in them without decrypting every case: keyed blind indexes.

A case's answers are encrypted, so the database cannot compare them with what a
caseworker types. At submission, each searchable answer (an email address, a postcode, the
words of a name) is normalised and turned into a keyed digest (HMAC-SHA256, truncated to
128 bits) stored beside the case; a search turns the words typed into digests the same way
and looks them up by index. Matches are exact after normalising (any case, any spacing in
a postcode), never partial: a blind index keeps no prefix of anything. The key is derived
from the field encryption key, so the table says nothing to whoever reads the database
without it; after the key changes, `civitas cases reindex` writes the digests again.
"""

import datetime
import functools
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction

from civitas.cases.events import CasesSearched
from civitas.cases.models import Case, CaseSearchTerm
from civitas.cases.queries import PAGE_SIZE, CasePage, case_cursor, parse_case_cursor
from civitas.catalogue.public import (
    Question,
    QuestionPage,
    Service,
    get_service_version,
    parse_postcode,
)
from civitas.identity.public import StaffContext
from civitas.platform.events import publish
from civitas.platform.jsontypes import JSONValue

EMAIL, POSTCODE, NAME = "email", "postcode", "name"
NAME_AUTOCOMPLETE = {"name", "given-name", "family-name", "additional-name", "nickname"}
MAX_QUERY_LENGTH = 200
"""Longer than any email address, postcode or name a person would type to search."""
MAX_NAME_WORDS = 6
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@functools.cache
def _derive(secret: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"civitas case search index"
    ).derive(secret.encode())


def _index_key() -> bytes:
    """The key new digests are written with: derived from the current field key."""
    return _derive(settings.FIELD_ENCRYPTION_KEYS[0])


def _index_keys() -> list[bytes]:
    """Every key a digest may have been written with: during a key rotation, cases not
    yet indexed again are still found by the digests of the old key."""
    return [_derive(secret) for secret in settings.FIELD_ENCRYPTION_KEYS]


def _digest(key: bytes, kind: str, text: str) -> str:
    return hmac.new(key, f"{kind}\0{text}".encode(), hashlib.sha256).hexdigest()[:32]


def _is_name(question: Question) -> bool:
    if question.type != "text":
        return False
    return question.autocomplete in NAME_AUTOCOMPLETE or question.id.endswith("name")


def _name_words(text: str) -> list[str]:
    """A name's words, compared without case or accents ("Siân" finds "sian")."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    return _WORD.findall(plain)[:MAX_NAME_WORDS]


def _terms_of(question: Question, value: JSONValue) -> Iterator[tuple[str, str]]:
    if not isinstance(value, str) or not value:
        return
    if question.type == "email":
        yield EMAIL, value.strip().casefold()
    elif question.type == "postcode":
        if (postcode := parse_postcode(value)) is not None:
            yield POSTCODE, postcode
    elif question.type == "address":
        if (postcode := parse_postcode(value.rsplit("\n", 1)[-1])) is not None:
            yield POSTCODE, postcode
    elif _is_name(question):
        for word in _name_words(value):
            yield NAME, word


def _answered(
    service: Service, answers: Mapping[str, JSONValue]
) -> Iterator[tuple[Question, JSONValue]]:
    """Each question with its answer, the items of repeating groups included."""
    for page in service.model.pages:
        if not isinstance(page, QuestionPage):
            continue
        if page.repeat is None:
            for question in page.questions:
                yield question, answers.get(question.id)
            continue
        items = answers.get(page.id)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                for question in page.questions:
                    yield question, item.get(question.id)


def search_terms(service: Service, answers: Mapping[str, JSONValue]) -> set[tuple[str, str]]:
    """The (kind, digest) pairs a case with these answers is found by. A sensitive
    answer gives none: even a keyed digest tells whoever holds the key that two cases
    share it, and a search would find cases by it without anyone pressing "Show"."""
    key = _index_key()
    return {
        (kind, _digest(key, kind, text))
        for question, value in _answered(service, answers)
        if not question.sensitive
        for kind, text in _terms_of(question, value)
    }


def index_case(case: Case, service: Service) -> None:
    """Writes the digests `case` is found by (in the caller's transaction)."""
    CaseSearchTerm.objects.bulk_create(
        CaseSearchTerm(
            case=case,
            organisation_id=case.organisation_id,
            kind=kind,
            digest=digest,
            submitted_at=case.submitted_at,
        )
        for kind, digest in sorted(search_terms(service, case.answers))
    )


@dataclass(frozen=True)
class Query:
    """What a caseworker typed, read as one kind of search: every match has a digest of
    each group (a group: one word's digests under each configured key)."""

    kind: str
    digests: tuple[tuple[str, ...], ...]


def read_query(text: str) -> Query | None:
    """The search `text` asks for: an email address, a postcode or the words of a name;
    None when it is none of these (nothing to look up)."""
    text = text.strip()[:MAX_QUERY_LENGTH]
    keys = _index_keys()

    def group(kind: str, term: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_digest(key, kind, term) for key in keys))

    if "@" in text:
        return Query(EMAIL, (group(EMAIL, text.casefold()),))
    if (postcode := parse_postcode(text)) is not None:
        return Query(POSTCODE, (group(POSTCODE, postcode),))
    words = _name_words(text)
    if not words:
        return None
    return Query(NAME, tuple(sorted({group(NAME, word) for word in words})))


def matching_case_ids(
    organisation_id: int,
    query: Query,
    *,
    before: tuple[datetime.datetime, int] | None = None,
    limit: int = 50,
) -> list[int]:
    """Ids of the organisation's cases that have every digest of `query`, newest first,
    a page at a time (`before`: the (submitted_at, case id) of the last one shown)."""
    first, *others = query.digests
    terms = CaseSearchTerm.objects.filter(
        organisation_id=organisation_id, kind=query.kind, digest__in=first
    )
    if before is not None:
        submitted_at, case_id = before
        terms = terms.filter(submitted_at__lte=submitted_at).exclude(
            submitted_at=submitted_at, case_id__gte=case_id
        )
    for digest in others:
        # Every word of a name: each further word narrows the cases the first one found.
        terms = terms.filter(
            case_id__in=CaseSearchTerm.objects.filter(
                organisation_id=organisation_id, kind=query.kind, digest__in=digest
            ).values("case_id")
        )
    return list(
        terms.order_by("-submitted_at", "-case_id").values_list("case_id", flat=True)[:limit]
    )


def reindex_cases(services: Iterable[tuple[Case, Service]], *, batch: int = 500) -> int:
    """Writes again the digests of these cases (after a key change); returns how many."""
    done = 0
    chunk: list[tuple[Case, Service]] = []
    for pair in services:
        chunk.append(pair)
        if len(chunk) == batch:
            done += _reindex(chunk)
            chunk = []
    return done + (_reindex(chunk) if chunk else 0)


def reindex_batch(cursor: str, limit: int) -> tuple[str, int]:
    """Key rotation: writes again the digests of the cases after `cursor` (a case id)
    with the current key; returns the next cursor ("" when done) and how many cases."""
    cases = Case.objects.order_by("id")
    if cursor:
        cases = cases.filter(id__gt=int(cursor))
    batch = list(cases[:limit])
    services: dict[tuple[int, str, int], Service] = {}
    pairs = []
    for case in batch:
        key = (case.organisation_id, case.service_slug, case.service_version)
        if key not in services:
            services[key] = get_service_version(*key)
        pairs.append((case, services[key]))
    done = _reindex(pairs) if pairs else 0
    return (str(batch[-1].id) if len(batch) == limit else ""), done


def cases_left_to_reindex(cursor: str) -> int:
    return Case.objects.filter(id__gt=int(cursor or 0)).count()


def _reindex(chunk: list[tuple[Case, Service]]) -> int:
    with transaction.atomic():
        CaseSearchTerm.objects.filter(case__in=[case for case, _ in chunk]).delete()
        for case, service in chunk:
            index_case(case, service)
    return len(chunk)


def search_cases(*, text: str, staff: StaffContext, cursor: str | None = None) -> CasePage | None:
    """The acting organisation's cases whose answers hold the email address, postcode or
    name `text` (every word of it), newest first, a page at a time; None when `text` is
    none of these. The search is audited (its kind and how many it found)."""
    query = read_query(text)
    if query is None:
        return None
    organisation_id = staff.organisation.id
    before = parse_case_cursor(cursor) if cursor else None
    ids = matching_case_ids(organisation_id, query, before=before, limit=PAGE_SIZE + 1)
    found = Case.objects.defer("answers", "fee_decision", "estimate", "decision_reason").in_bulk(
        ids[:PAGE_SIZE]
    )
    cases = [found[case_id] for case_id in ids[:PAGE_SIZE] if case_id in found]
    if before is None:
        with transaction.atomic():
            publish(
                CasesSearched(
                    kind=query.kind,
                    found=len(ids),
                    organisation=staff.organisation.slug,
                    staff_user_id=str(staff.user.pk),
                )
            )
    more = len(ids) > PAGE_SIZE
    return CasePage(cases=cases, next_cursor=case_cursor(cases[-1]) if more and cases else None)
