"""The tile store: the log's tiles and entry bundles, read from the database once.

A tile is one range read of the node table (its 256 hashes are consecutive node ids,
since ``id = level << 56 | index``), and stays in this process's least-recently-used
cache together with the hashes inside it. A full tile never changes, so a proof
built from cached tiles asks the database nothing; a partial tile is read again only
when a larger tree than the cached copy covers is asked about. Tiles are served as
stored: whoever reads them checks them against a signed checkpoint, as Go's tlog and
Tessera's clients do.
"""

from __future__ import annotations

from django.db import connection

from civitas.ledger import merkle
from civitas.ledger.guard import guard
from civitas.ledger.integrity import entry_problem
from civitas.ledger.models import Entry, TreeState, node_id
from civitas.ledger.services import mark_broken
from civitas.ledger.tiles import (
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileId,
    TileTree,
    encode_entry_bundle,
    inclusion_path,
    tile_width_at,
)


class LogDamaged(RuntimeError):
    """Something the signed tree includes is missing from storage (a 500, not a 4xx)."""


class TileNotFound(LookupError):
    """No such tile or bundle in the signed tree (yet): a 404."""


def _damaged(problem: str) -> LogDamaged:
    mark_broken(problem)
    return LogDamaged(problem)


def _log_size_at_least(size: int) -> int:
    """The signed tree's size, read only if it may be below ``size`` (the log only grows)."""
    if size <= guard.largest_size:
        return guard.largest_size
    current = TreeState.objects.filter(id=1).values_list("size", flat=True).first() or 0
    guard.saw_size(current)
    return current


def _read_tile(level: int, index: int, width: int) -> TileTree:
    """Tile ``(level, index)`` with at least ``width`` hashes, from the cache or one query."""
    cached = guard.tiles.get(level, index, width)
    if cached is not None:
        return cached
    tree_level = level * TILE_HEIGHT
    first = index * TILE_WIDTH
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, hash FROM ledger_node WHERE id >= %s AND id < %s ORDER BY id",
            [node_id(tree_level, first), node_id(tree_level, first + width)],
        )
        rows = cursor.fetchall()
    hashes = [bytes(value) for _, value in rows]
    if len(hashes) != width:
        present = {row_id for row_id, _ in rows}
        missing = next(
            first + offset
            for offset in range(width)
            if node_id(tree_level, first + offset) not in present
        )
        raise _damaged(f"tree node (level {tree_level}, index {missing}) is missing")
    for offset, value in enumerate(hashes):
        if len(value) != merkle.HASH_SIZE:
            raise _damaged(f"tree node (level {tree_level}, index {first + offset}) is malformed")
    tree = TileTree(b"".join(hashes))
    guard.tiles.put(level, index, tree)
    return tree


def node_reader(tree_size: int) -> merkle.NodeGetter:
    """Reads any node of the tree of ``tree_size`` from its tiles, for the merkle functions.

    Tiles are read at the width the tree of ``tree_size`` has, so that all the nodes of
    one proof come from the same few tiles, each looked up once.
    """
    seen: dict[tuple[int, int], tuple[TileTree | None, int]] = {}

    def get(level: int, index: int) -> bytes:
        tile_level, height = level >> 3, level & 7
        first = index << height  # its leftmost hash at the tile's level
        tile_index, start = first >> 8, first & 255
        known = seen.get((tile_level, tile_index))
        if known is None:
            width = tile_width_at(tile_level, tile_index, tree_size)
            tree = _read_tile(tile_level, tile_index, width) if width else None
            known = seen[(tile_level, tile_index)] = (tree, width)
        tree, width = known
        if tree is None or start + (1 << height) > width:
            raise merkle.MissingNodeError(
                f"node (level {level}, index {index}) is not in the tree of {tree_size}"
            )
        at = (start >> height) * HASH_SIZE
        return tree.rows[height][at : at + HASH_SIZE]

    return get


def inclusion_proof(index: int, tree_size: int) -> tuple[bytes, list[bytes]]:
    """(leaf hash, RFC 9162 inclusion proof) for leaf ``index`` in the tree of ``tree_size``.

    The caller checks the request against the log's size first.
    """
    get = node_reader(tree_size)
    return get(0, index), inclusion_path(index, tree_size, get, guard.tiles.edges)


def consistency_proof(first: int, second: int) -> list[bytes]:
    """The RFC 9162 consistency proof between two tree sizes, from tiles."""
    return merkle.consistency_proof(first, second, node_reader(second))


def _check_in_signed_tree(tile: TileId) -> None:
    level = tile.level or 0
    needed = (tile.index * TILE_WIDTH + tile.width) << (TILE_HEIGHT * level)
    size = _log_size_at_least(needed)
    if tile_width_at(level, tile.index, size) < tile.width:
        raise TileNotFound(f"{tile.path} is not in the signed log, which has {size} entries")


def get_tile_data(tile: TileId) -> bytes:
    """The bytes of a hash tile of the signed tree; TileNotFound if it has no such tile.

    A partial tile narrower than the tree now has is still served: its hashes are the
    first ``width`` of the wider one.
    """
    if tile.level is None:
        raise ValueError("an entry bundle is read with get_entry_bundle")
    _check_in_signed_tree(tile)
    return _read_tile(tile.level, tile.index, tile.width).data[: tile.width * merkle.HASH_SIZE]


def get_entry_bundle(tile: TileId) -> bytes:
    """The entry bundle of the signed tree at ``tile``; TileNotFound if there is none.

    Every entry is checked as it goes out (its bytes name its index and hash to the
    tree's leaf), as the JSON API does; a mismatch stops appends, and the stored bytes
    are still served so that outside verifiers see what the database holds.
    """
    _check_in_signed_tree(tile)
    start = tile.index * TILE_WIDTH
    leaves = _read_tile(0, tile.index, tile.width).data
    entries = list(Entry.objects.filter(index__gte=start, index__lt=start + tile.width))
    found = {entry.index: entry for entry in entries}
    datas = []
    for offset in range(tile.width):
        index = start + offset
        entry = found.get(index)
        if entry is None:
            raise _damaged(f"entry {index} is missing")
        tree_leaf = leaves[offset * merkle.HASH_SIZE : (offset + 1) * merkle.HASH_SIZE]
        problem = entry_problem(index, entry, tree_leaf=tree_leaf)
        if problem:
            mark_broken(problem)
        datas.append(bytes(entry.leaf_data))
    try:
        return encode_entry_bundle(datas)
    except ValueError as error:
        raise _damaged(f"entries {start} to {start + tile.width - 1}: {error}") from None
