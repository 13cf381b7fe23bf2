"""The public, read-only API of the transparency log, under /api/v1/ledger/.

The shapes are those `civitas.ledger.client` (and `civitas ledger verify`) reads; see
docs/openapi.yaml. Anything asked of a tree the log does not have is a 4xx problem
document (RFC 9457); anything the signed tree includes but storage has lost is a 500.
Entries and proofs for a given tree size never change, so they may be cached forever.
"""

import base64
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from civitas.ledger import merkle, queries
from civitas.ledger.http import get_or_head
from civitas.ledger.keys import log_keys
from civitas.ledger.promise_checks import check_promise
from civitas.ledger.queries import LogDamaged, ServedEntry
from civitas.ledger.witnessing import largest_cosigned_checkpoint, with_cosignatures
from civitas.platform.problems import problem_response

_COUNT = re.compile(r"0|[1-9][0-9]{0,18}")
_HEX_HASH = re.compile(r"[0-9a-fA-F]{64}")
MAX_COUNT = 2**63 - 1
IMMUTABLE = "public, max-age=31536000, immutable"


class BadParameter(ValueError):
    pass


def _count(raw: str | None, name: str) -> int:
    if raw is None or raw == "":
        raise BadParameter(f"'{name}' is required")
    if not _COUNT.fullmatch(raw) or int(raw) > MAX_COUNT:
        raise BadParameter(
            f"'{name}' must be a whole number from 0 to {MAX_COUNT}, not {raw!r:.40}"
        )
    return int(raw)


def _public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET and HEAD only; bad input becomes a 400 and lost storage a 500, both as problems.

    Anyone may read the log, from any site: it is public by design.
    """

    @get_or_head
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except BadParameter as error:
            response = problem_response(
                status=400,
                title="Invalid parameter",
                problem_type="invalid-parameter",
                detail=str(error),
            )
        except merkle.ProofRequestError as error:
            response = problem_response(
                status=400,
                title="No such tree or entry",
                problem_type="ledger-out-of-range",
                detail=str(error),
            )
        except LogDamaged as error:
            response = problem_response(
                status=500,
                title="The log's storage is damaged",
                problem_type="ledger-damaged",
                detail=f"{error}. The log has stopped taking entries.",
            )
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


def _immutable(document: dict[str, Any]) -> JsonResponse:
    """A JSON answer about a fixed tree size or entry: it never changes."""
    response = JsonResponse(document)
    response["Cache-Control"] = IMMUTABLE
    return response


def _entry_document(entry: ServedEntry) -> dict[str, Any]:
    return {
        "index": entry.index,
        "leaf_data": base64.b64encode(entry.leaf_data).decode("ascii"),
        "leaf_hash": entry.leaf_hash.hex(),
        # The entry as JSON, for reading; verifiers hash leaf_data, never this.
        "entry": json.loads(entry.leaf_data) if entry.parsed else None,
        # The log's signed promise given at append (null for entries from before them).
        "promise": entry.promise,
    }


@_public
def checkpoint(request: HttpRequest) -> HttpResponse:
    signed = queries.get_signed_checkpoint()
    if signed is None:
        return problem_response(
            status=503,
            title="No checkpoint yet",
            problem_type="ledger-no-checkpoint",
            detail="The log has not published its first checkpoint; the worker does so "
            "within seconds of starting.",
        )
    # With the witnesses' cosignatures collected so far, as extra signature lines.
    note = with_cosignatures(signed.note, signed.size, signed.root)
    response = HttpResponse(note, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@_public
def witnessed_checkpoint(request: HttpRequest) -> HttpResponse:
    """The largest checkpoint cosigned by as many witnesses as LEDGER_WITNESS_POLICY asks."""
    witnessed = largest_cosigned_checkpoint()
    if witnessed is None:
        return problem_response(
            status=404,
            title="No witnessed checkpoint yet",
            problem_type="ledger-not-witnessed",
            detail="No checkpoint has been cosigned by enough of the log's witnesses yet.",
        )
    response = HttpResponse(witnessed.note, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@_public
def key(request: HttpRequest) -> JsonResponse:
    keys = log_keys()
    return JsonResponse(
        {
            "origin": keys.origin,
            "keys": [verifier.key_string() for verifier in keys.verifiers],
            "timestamp_keys": [verifier.key_string() for verifier in keys.timestamp_verifiers],
        }
    )


@_public
def status(request: HttpRequest) -> JsonResponse:
    current = queries.get_log_status()
    return JsonResponse(
        {
            "origin": current.origin,
            "size": current.size,
            "sequenced": current.sequenced,
            "state": "broken" if current.broken_reason else "ok",
            "reason": current.broken_reason,
        },
        status=503 if current.broken_reason else 200,
    )


@_public
def entry(request: HttpRequest, index: str) -> JsonResponse:
    served = queries.get_entry(_count(index, "index"))
    return _immutable(_entry_document(served))


@_public
def entries(request: HttpRequest) -> JsonResponse:
    """A page of entries, clipped to ``tree_size`` when the client names the checkpoint it
    pages through (then the page never changes), else to the log's size read now."""
    start = _count(request.GET.get("start"), "start")
    end = _count(request.GET.get("end"), "end")
    raw_size = request.GET.get("tree_size")
    tree_size = None if raw_size is None else _count(raw_size, "tree_size")
    page = queries.list_entries(start, end, tree_size=tree_size)
    document = {
        "tree_size": page.tree_size,
        "entries": [_entry_document(item) for item in page.entries],
    }
    if tree_size is not None:
        return _immutable(document)
    response = JsonResponse(document)
    response["Cache-Control"] = "no-cache"
    return response


@_public
def inclusion_proof(request: HttpRequest) -> JsonResponse:
    tree_size = _count(request.GET.get("tree_size"), "tree_size")
    by_hash = request.GET.get("leaf_hash")
    if by_hash is not None:
        if not _HEX_HASH.fullmatch(by_hash):
            raise BadParameter("'leaf_hash' must be a SHA-256 hash: 64 hexadecimal digits")
        found = queries.find_leaf_index(bytes.fromhex(by_hash))
        if found is None:
            return problem_response(
                status=404,
                title="No such entry",
                problem_type="not-found",
                detail="No entry in the log has that leaf hash.",
            )
        index = found
    else:
        index = _count(request.GET.get("index"), "index")
    proof = queries.get_inclusion_proof(index, tree_size)
    return _immutable(
        {
            "index": proof.index,
            "tree_size": proof.tree_size,
            "leaf_hash": proof.leaf_hash.hex(),
            "path": [item.hex() for item in proof.path],
        }
    )


@_public
def consistency_proof(request: HttpRequest) -> JsonResponse:
    first = _count(request.GET.get("first"), "first")
    second = _count(request.GET.get("second"), "second")
    path = queries.get_consistency_proof(first, second)
    return _immutable({"first": first, "second": second, "path": [item.hex() for item in path]})


@_public
def promise_check(request: HttpRequest) -> JsonResponse:
    """Whether a promise (as emailed) is this log's, and kept. The verdict is the answer,
    so a forged or broken promise is a 200 that says so; only an unreadable one is a 400."""
    text = request.GET.get("promise")
    if not text:
        raise BadParameter("'promise' is required: the entry's signed promise, as emailed")
    result = check_promise(text)
    if result.state == "unreadable" or result.promise is None:
        raise BadParameter(f"'promise' cannot be read: {result.detail}")
    promise = result.promise
    return JsonResponse(
        {
            "state": result.state,
            "kept": result.is_kept,
            "broken": result.state in ("late", "changed", "forged"),
            "detail": result.detail,
            "index": promise.index,
            "promised_at": promise.promised_at.isoformat().replace("+00:00", "Z"),
            "max_merge_delay": promise.max_merge_delay_s,
            "leaf_hash": promise.leaf_hash.hex(),
        }
    )
