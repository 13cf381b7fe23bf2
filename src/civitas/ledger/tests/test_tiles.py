"""Tiles as C2SP tlog-tiles defines them: paths, widths, the hashes inside, bundles."""

import pytest

from civitas.ledger import merkle
from civitas.ledger.tiles import (
    TileCache,
    TileId,
    TilePathError,
    TileTree,
    decode_entry_bundle,
    encode_entry_bundle,
    format_tile_index,
    inclusion_path,
    parse_tile_path,
    tiles_of_tree,
)


@pytest.mark.parametrize(
    ("index", "text"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_it_writes_a_tile_index_in_groups_of_three_digits(index, text):
    assert format_tile_index(index) == text
    assert parse_tile_path(f"0/{text}") == TileId(0, index, 256)


def test_it_reads_partial_tiles_and_entry_bundles():
    assert parse_tile_path("2/x001/234.p/5") == TileId(2, 1234, 5)
    assert parse_tile_path("entries/012.p/255") == TileId(None, 12, 255)
    assert TileId(None, 12, 255).path == "tile/entries/012.p/255"
    assert TileId(0, 1234067, 256).path == "tile/0/x001/x234/067"


@pytest.mark.parametrize(
    "path",
    [
        "0/1",  # not three digits
        "0/x000/001",  # a leading zero group: another name for 0/001
        "00/001",  # a level with a leading zero
        "64/000",  # above level 63
        "0/001.p/256",  # a full tile is never partial
        "0/001.p/0",  # empty tiles are never served
        "0/001.p/05",
        "0/001/",
        "0/x1/001",
        "-1/000",
        "entry/000",
        "0/" + "x999/" * 7 + "999",  # beyond any tree
        "0/000\n",
    ],
)
def test_it_refuses_a_path_that_is_not_canonical(path):
    with pytest.raises(TilePathError):
        parse_tile_path(path)


def test_a_tree_of_70000_has_the_tiles_the_specification_lists():
    tiles = tiles_of_tree(70_000)
    level_0 = [tile for tile in tiles if tile.level == 0]
    assert len(level_0) == 274
    assert all(tile.is_full for tile in level_0[:273])
    assert level_0[-1] == TileId(0, 273, 112)
    assert [tile for tile in tiles if tile.level == 1] == [TileId(1, 0, 256), TileId(1, 1, 17)]
    assert [tile for tile in tiles if tile.level == 2] == [TileId(2, 0, 1)]
    assert tiles_of_tree(256) == [TileId(0, 0, 256), TileId(1, 0, 1)]
    assert tiles_of_tree(0) == []


def test_the_hashes_inside_a_tile_are_the_trees_nodes():
    tree = merkle.InMemoryTree()
    tree.extend(b"entry %d" % number for number in range(300))
    full = TileTree(b"".join(tree.nodes[(0, index)] for index in range(256)))
    for height in range(9):
        for offset in range(256 >> height):
            assert full.hash_at(height, offset) == tree.nodes[(height, offset)]
    partial = TileTree(b"".join(tree.nodes[(0, index)] for index in range(256, 300)))
    assert partial.width == 44
    assert partial.hash_at(5, 0) == tree.nodes[(5, 8)]
    assert partial.hash_at(3, 4) == tree.nodes[(3, 36)]


def test_an_entry_bundle_is_entries_each_after_its_length():
    entries = [b"", b"a", b"x" * 300]
    bundle = encode_entry_bundle(entries)
    assert bundle[:5] == b"\x00\x00\x00\x01a"
    assert bundle[5:7] == b"\x01\x2c"
    assert decode_entry_bundle(bundle) == entries
    with pytest.raises(ValueError, match="does not fit"):
        encode_entry_bundle([b"x" * 65536])
    with pytest.raises(ValueError, match="ends inside"):
        decode_entry_bundle(bundle[:-1])


def test_the_cache_keeps_the_widest_copy_and_forgets_the_least_used():
    cache = TileCache(max_tiles=2)
    narrow, wide = TileTree(b"\x01" * 64), TileTree(b"\x01" * 64 + b"\x02" * 32)
    cache.put(0, 0, wide)
    cache.put(0, 0, narrow)
    assert cache.get(0, 0, 2) is wide
    assert cache.get(0, 0, 4) is None
    cache.put(0, 1, narrow)
    cache.get(0, 0, 1)
    cache.put(0, 2, narrow)  # 0/1 was used least recently
    assert cache.get(0, 1, 1) is None
    assert cache.get(0, 0, 1) is wide
    assert len(cache) == 2


def test_the_inclusion_path_is_the_rfc_9162_proof_for_every_leaf_of_every_small_tree():
    tree = merkle.InMemoryTree()
    tree.extend(b"entry %d" % number for number in range(70))
    for size in range(1, 71):
        for index in range(size):
            assert inclusion_path(index, size, tree.get_node) == tree.inclusion_proof(index, size)


def test_the_inclusion_path_matches_in_a_large_ragged_tree():
    tree = merkle.InMemoryTree()
    tree.extend_hashes([merkle.leaf_hash(b"%d" % number) for number in range(70_001)])
    for index in (0, 1, 255, 256, 65_535, 65_536, 69_999, 70_000):
        for size in (index + 1, 70_001):
            assert inclusion_path(index, size, tree.get_node) == tree.inclusion_proof(index, size)
