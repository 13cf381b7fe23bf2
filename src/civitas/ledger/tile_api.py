"""The log as C2SP tlog-tiles, under /api/v1/ledger/: `tile/<L>/<N>[.p/<W>]` and
`tile/entries/<N>[.p/<W>]`, beside the checkpoint the JSON API already serves there.

What Go's sumdb/tlog, Tessera's clients and a plain HTTP cache read: a full tile or
bundle never changes and is served as immutable; a partial one is cached briefly, since
a mirror should move on to the full one once it exists. HEAD is answered as GET without
the body, so a mirror can check what it has.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from civitas.ledger import tile_store
from civitas.ledger.tile_store import LogDamaged, TileNotFound
from civitas.ledger.tiles import TileId, TilePathError, parse_tile_path
from civitas.platform.problems import problem_response

IMMUTABLE = "public, max-age=31536000, immutable"
PARTIAL = "public, max-age=60"


def _tile_view(view: Callable[[TileId], bytes]) -> Callable[..., HttpResponse]:
    @require_safe
    @wraps(view)
    def wrapped(request: HttpRequest, path: str, **kwargs: Any) -> HttpResponse:
        try:
            tile = parse_tile_path(path)
            data = view(tile)
        except (TilePathError, TileNotFound) as error:
            response: HttpResponse = problem_response(
                status=404, title="No such tile", problem_type="not-found", detail=str(error)
            )
            response["Cache-Control"] = "no-cache"
        except LogDamaged as error:
            response = problem_response(
                status=500,
                title="The log's storage is damaged",
                problem_type="ledger-damaged",
                detail=f"{error}. The log has stopped taking entries.",
            )
            response["Cache-Control"] = "no-store"
        else:
            response = HttpResponse(
                b"" if request.method == "HEAD" else data,
                content_type="application/octet-stream",
            )
            response["Content-Length"] = str(len(data))
            response["Cache-Control"] = IMMUTABLE if tile.is_full else PARTIAL
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


@_tile_view
def tile(tile: TileId) -> bytes:
    """A tile of hashes, `tile/<L>/<N>[.p/<W>]`, or an entry bundle, `tile/entries/<N>…`."""
    if tile.level is None:
        return tile_store.get_entry_bundle(tile)
    return tile_store.get_tile_data(tile)
