"""The log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles): paths, tiles and their maths.

A tile is 256 consecutive hashes at a tree level that is a multiple of 8: tile ``(L, N)``
holds the perfect subtree hashes at level ``8 * L``, indexes ``256 * N`` onwards. A
*partial* tile, on the right edge, holds fewer (``W``, from 1 to 255). Every other hash
of the tree lies inside one tile and is recomputed from it, so a proof at a million
entries reads three tiles, and the tiles near the top are shared by every proof.

Everything here is pure: the store that reads tiles from the database is tile_store.py.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
HASH_SIZE = 32
MAX_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF
"""An entry bundle prefixes each entry with its length as a big-endian uint16."""

MAX_EDGES = 4096
_sha256 = hashlib.sha256


class TilePathError(ValueError):
    """A tile path that is not in the canonical C2SP form (a 404, never a redirect)."""


@dataclass(frozen=True)
class TileId:
    """A tile (``level`` >= 0) or an entry bundle (``level`` is None) of ``width`` items."""

    level: int | None
    index: int
    width: int

    @property
    def is_full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def path(self) -> str:
        """The C2SP path, e.g. ``tile/0/x001/234.p/5`` or ``tile/entries/007``."""
        level = "entries" if self.level is None else str(self.level)
        partial = "" if self.is_full else f".p/{self.width}"
        return f"tile/{level}/{format_tile_index(self.index)}{partial}"


def format_tile_index(index: int) -> str:
    """``1234067`` as ``x001/x234/067``: 3-digit groups, all but the last marked with x."""
    if index < 0:
        raise ValueError(f"a tile index is never negative (got {index})")
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join([*(f"x{group}" for group in groups[:-1]), groups[-1]])


_TILE_PATH = re.compile(
    r"(?P<level>0|[1-9][0-9]?|entries)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


def parse_tile_path(path: str) -> TileId:
    """The tile a path after ``tile/`` names, e.g. ``0/x001/234.p/5``; TilePathError if none.

    Only the canonical spelling is accepted (no leading zero groups, no width 256), so a
    cache never holds one tile under two names.
    """
    match = _TILE_PATH.fullmatch(path)
    if match is None:
        raise TilePathError(f"{path[:80]!r} is not a tile path (tile/<L>/<N>[.p/<W>])")
    level_text, index_text, width_text = match.group("level", "index", "width")
    level = None if level_text == "entries" else int(level_text)
    if level is not None and level > MAX_LEVEL:
        raise TilePathError(f"tile level {level} is above {MAX_LEVEL}")
    groups = index_text.split("/")
    if len(groups) > 1 and groups[0] == "x000":
        raise TilePathError(f"tile index {index_text!r} has a leading zero group")
    if len(groups) > 7:
        raise TilePathError(f"tile index {index_text!r} is too large")
    index = int("".join(group.lstrip("x") for group in groups))
    if width_text is None:
        return TileId(level, index, TILE_WIDTH)
    width = int(width_text)
    if width >= TILE_WIDTH:
        raise TilePathError(f"a partial tile is 1 to 255 wide, not {width}")
    return TileId(level, index, width)


def tile_width_at(level: int, index: int, tree_size: int) -> int:
    """How many hashes tile ``(level, index)`` holds in the tree of ``tree_size`` (0: none)."""
    available = (tree_size >> (TILE_HEIGHT * level)) - index * TILE_WIDTH
    return max(0, min(TILE_WIDTH, available))


def tiles_of_tree(tree_size: int) -> list[TileId]:
    """Every tile of the tree of ``tree_size``, level by level (as a mirror copies them)."""
    tiles = []
    level = 0
    while tree_size >> (TILE_HEIGHT * level):
        count = tree_size >> (TILE_HEIGHT * level)
        for index in range((count + TILE_WIDTH - 1) // TILE_WIDTH):
            tiles.append(TileId(level, index, tile_width_at(level, index, tree_size)))
        level += 1
    return tiles


class TileTree:
    """One tile with every hash inside it: the tile's own and all those above them.

    ``rows[h]`` is the concatenation of the hashes ``h`` levels above the tile's, each
    over ``2**h`` of the tile's hashes; only complete subtrees are kept.
    """

    __slots__ = ("rows", "width")

    def __init__(self, data: bytes) -> None:
        if not data or len(data) % HASH_SIZE or len(data) > TILE_WIDTH * HASH_SIZE:
            raise ValueError(f"a tile is 1 to 256 hashes, not {len(data)} bytes")
        self.width = len(data) // HASH_SIZE
        rows = [bytes(data)]
        row = rows[0]
        sha256 = _sha256
        while len(row) >= 2 * HASH_SIZE:
            row = b"".join(
                sha256(b"\x01" + row[at : at + 2 * HASH_SIZE]).digest()
                for at in range(0, len(row) - 2 * HASH_SIZE + 1, 2 * HASH_SIZE)
            )
            rows.append(row)
        self.rows = rows

    @property
    def data(self) -> bytes:
        """The tile as served: its hashes, concatenated."""
        return self.rows[0]

    def hash_at(self, height: int, offset: int) -> bytes:
        """The hash ``height`` levels above the tile's, ``offset`` from its left."""
        start = offset * HASH_SIZE
        return self.rows[height][start : start + HASH_SIZE]


def inclusion_path(
    index: int,
    size: int,
    get: Callable[[int, int], bytes],
    edges: dict[tuple[int, int], bytes] | None = None,
) -> list[bytes]:
    """RFC 9162 PATH(index, D[size]) from ``get(level, index)`` of perfect nodes, bottom up.

    The same proof as merkle.inclusion_proof, worked out directly (as transparency-dev's
    proof.Inclusion does) because proofs are the log's hottest read: below the level
    where ``index`` and the last leaf part, each hash is one stored sibling, except the
    highest of those, which may be ragged and is folded from the right edge; above it,
    the left siblings on the right border. The caller checks ``index < size``.
    ``edges`` keeps the ragged hashes, which most proofs of one tree size share.
    """
    inner = (index ^ (size - 1)).bit_length()
    path = [get(level, (index >> level) ^ 1) for level in range(inner - 1)]
    if inner:
        level = inner - 1
        sibling = (index >> level) ^ 1
        if (sibling + 1) << level <= size:
            path.append(get(level, sibling))
        else:
            key = (sibling << level, size)
            edge = edges.get(key) if edges is not None else None
            if edge is None:
                edge = _right_edge_hash(sibling << level, size, get)
                if edges is not None:
                    edges[key] = edge
            path.append(edge)
    path.extend(
        get(level, (index >> level) ^ 1)
        for level in range(inner, size.bit_length())
        if (index >> level) & 1
    )
    return path


def _right_edge_hash(start: int, end: int, get: Callable[[int, int], bytes]) -> bytes:
    """MTH(D[start:end]) for ``start`` aligned to the largest power of two below the span."""
    hashes = []
    while start < end:
        level = (end - start).bit_length() - 1
        hashes.append(get(level, start >> level))
        start += 1 << level
    result = hashes.pop()
    while hashes:
        result = _sha256(b"\x01" + hashes.pop() + result).digest()
    return result


def encode_entry_bundle(entries: list[bytes]) -> bytes:
    """Entries as one bundle: each prefixed with its length, a big-endian uint16."""
    parts = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise ValueError(f"an entry of {len(entry)} bytes does not fit an entry bundle")
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(entry)
    return b"".join(parts)


def decode_entry_bundle(bundle: bytes) -> list[bytes]:
    """The entries of a bundle; ValueError if it is truncated."""
    entries, at = [], 0
    while at < len(bundle):
        if at + 2 > len(bundle):
            raise ValueError("the entry bundle ends inside a length prefix")
        length = int.from_bytes(bundle[at : at + 2], "big")
        at += 2
        if at + length > len(bundle):
            raise ValueError("the entry bundle ends inside an entry")
        entries.append(bundle[at : at + length])
        at += length
    return entries


class TileCache:
    """A least-recently-used cache of tiles, each kept with its inner hashes.

    Keyed by ``(level, index)``: a tile never changes except by growing on the right
    edge, so a wider copy replaces a narrower one and serves every narrower request.
    A full tile with its inner hashes takes about 16 KiB.
    """

    def __init__(self, max_tiles: int = 4096) -> None:
        self.max_tiles = max_tiles
        self._tiles: OrderedDict[tuple[int, int], TileTree] = OrderedDict()
        self._lock = threading.Lock()
        self.edges: dict[tuple[int, int], bytes] = {}
        """Ragged right-edge hashes by (first leaf, tree size), for inclusion_path."""

    def get(self, level: int, index: int, width: int) -> TileTree | None:
        """The cached tile if it holds at least ``width`` hashes."""
        key = (level, index)
        with self._lock:
            tree = self._tiles.get(key)
            if tree is None or tree.width < width:
                return None
            self._tiles.move_to_end(key)
            return tree

    def put(self, level: int, index: int, tree: TileTree) -> None:
        key = (level, index)
        with self._lock:
            current = self._tiles.get(key)
            if current is not None and current.width > tree.width:
                return
            self._tiles[key] = tree
            self._tiles.move_to_end(key)
            while len(self._tiles) > self.max_tiles:
                self._tiles.popitem(last=False)
            if len(self.edges) > MAX_EDGES:
                self.edges.clear()

    def clear(self) -> None:
        with self._lock:
            self._tiles.clear()
            self.edges.clear()

    def __len__(self) -> int:
        return len(self._tiles)
