"""Merkle maths against published vectors, an RFC-literal reference, and pymerkle."""

import hashlib
import random
import warnings

import pymerkle
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from civitas.ledger import merkle
from civitas.ledger.merkle import (
    EMPTY_ROOT,
    InMemoryTree,
    MissingNodeError,
    ProofRequestError,
    RootBuilder,
    append_batch,
    append_nodes,
    consistency_proof,
    consistency_proof_node_ids,
    inclusion_proof,
    inclusion_proof_node_ids,
    inclusion_proof_plan,
    leaf_hash,
    node_hash,
    proof_from_plan,
    root_from_leaves,
    root_hash,
    root_node_ids,
    verify_consistency,
    verify_inclusion,
)

# The eight leaves and roots of the RFC 6962 test tree, as published in
# github.com/transparency-dev/merkle (testonly/constants.go) and used by CT since 2013.
RFC6962_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
RFC6962_ROOTS = [
    bytes.fromhex(h)
    for h in [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]
# Level-0 and level-1 node hashes of the same tree, for the published proofs below.
L0 = {
    1: "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    2: "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
}
L1 = {1: "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"}
L2 = {1: "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}


def entry(i: int) -> bytes:
    return f"entry {i}".encode()


class RFCReference:
    """PATH, PROOF and MTH written as literally as possible from RFC 9162 section 2.1."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.hashes = [hashlib.sha256(b"\x00" + leaf).digest() for leaf in leaves]
        self.cache: dict[tuple[int, int], bytes] = {}

    @staticmethod
    def k(n: int) -> int:
        k = 1
        while k * 2 < n:
            k *= 2
        return k

    def mth(self, start: int, end: int) -> bytes:
        if (start, end) not in self.cache:
            if end - start == 1:
                value = self.hashes[start]
            else:
                k = self.k(end - start)
                value = hashlib.sha256(
                    b"\x01" + self.mth(start, start + k) + self.mth(start + k, end)
                ).digest()
            self.cache[(start, end)] = value
        return self.cache[(start, end)]

    def path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = self.k(n)
        if m < k:
            return [*self.path(m, start, start + k), self.mth(start + k, end)]
        return [*self.path(m - k, start + k, end), self.mth(start, start + k)]

    def subproof(self, m: int, start: int, end: int, b: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if b else [self.mth(start, end)]
        k = self.k(n)
        if m <= k:
            return [*self.subproof(m, start, start + k, b), self.mth(start + k, end)]
        return [*self.subproof(m - k, start + k, end, False), self.mth(start, start + k)]


def pymerkle_tree(leaves: list[bytes]) -> pymerkle.InmemoryTree:
    # pymerkle prefixes 0x00/0x01 itself (its default "security" mode), so it is given
    # the raw leaf data and must arrive at the same RFC 9162 leaf hashes.
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    for leaf in leaves:
        tree.append_entry(leaf)
    return tree


def pymerkle_root(tree: pymerkle.InmemoryTree, size: int) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        getter = getattr(tree, "get_root", None) or tree.get_state
        return getter(size)


@pytest.fixture(scope="module")
def thousand() -> tuple[InMemoryTree, pymerkle.InmemoryTree, RFCReference]:
    leaves = [entry(i) for i in range(1000)]
    ours = InMemoryTree()
    ours.extend(leaves)
    return ours, pymerkle_tree(leaves), RFCReference(leaves)


@pytest.fixture(scope="module")
def hundred_thousand() -> tuple[InMemoryTree, pymerkle.InmemoryTree]:
    leaves = [entry(i) for i in range(100_000)]
    ours = InMemoryTree()
    for start in range(0, len(leaves), 10_000):
        ours.extend(leaves[start : start + 10_000])
    return ours, pymerkle_tree(leaves)


# --- Known answers ----------------------------------------------------------------------


def test_leaf_and_node_hashes_use_the_rfc_domain_separation_prefixes():
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert (
        node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    )
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT


def test_roots_match_the_published_rfc6962_test_tree_for_every_size():
    tree = InMemoryTree()
    assert tree.root() == RFC6962_ROOTS[0]
    for size, leaf in enumerate(RFC6962_LEAVES, start=1):
        tree.append(leaf)
        assert tree.root() == RFC6962_ROOTS[size]
        assert root_from_leaves(RFC6962_LEAVES[:size]) == RFC6962_ROOTS[size]


def test_proofs_match_the_published_rfc6962_test_vectors():
    tree = InMemoryTree()
    tree.extend(RFC6962_LEAVES)
    inclusion_0_in_8 = [bytes.fromhex(L0[1]), bytes.fromhex(L1[1]), bytes.fromhex(L2[1])]
    assert tree.inclusion_proof(0, 8) == inclusion_0_in_8
    assert verify_inclusion(leaf_hash(b""), 0, 8, inclusion_0_in_8, RFC6962_ROOTS[8])
    # PROOF(1, D[8]) is the same three hashes: the old tree (leaf 0) is a left-edge subtree.
    assert tree.consistency_proof(1, 8) == inclusion_0_in_8
    assert verify_consistency(1, 8, RFC6962_ROOTS[1], RFC6962_ROOTS[8], inclusion_0_in_8)
    # PROOF(2, D[3]) = [leaf 2]: RFC 9162 leaves out the old root when it is a perfect subtree.
    assert tree.consistency_proof(2, 3) == [tree.leaf_hash(2)]


# --- Independent implementations ---------------------------------------------------------


def test_roots_match_pymerkle_and_the_rfc_reference_for_every_size_up_to_1000(thousand):
    ours, theirs, reference = thousand
    for size in range(1, 1001):
        expected = pymerkle_root(theirs, size)
        assert ours.root(size) == expected, size
        assert reference.mth(0, size) == expected, size


def test_inclusion_proofs_match_pymerkle_for_every_size_up_to_1000(thousand):
    ours, theirs, reference = thousand
    rng = random.Random(9162)
    for size in range(1, 1001):
        # Every index for small trees; for larger ones the edges and a random sample.
        if size <= 100:
            indices = range(size)
        else:
            indices = {0, size - 1, size // 2, *rng.sample(range(size), 5)}
        root = ours.root(size)
        for index in indices:
            proof = ours.inclusion_proof(index, size)
            # pymerkle counts leaves from 1 and puts the leaf itself first in its path.
            theirs_proof = theirs.prove_inclusion(index + 1, size)
            assert proof == theirs_proof.path[1:], (index, size)
            assert proof == reference.path(index, 0, size), (index, size)
            assert verify_inclusion(ours.leaf_hash(index), index, size, proof, root)
            pymerkle.verify_inclusion(ours.leaf_hash(index), root, theirs_proof)


def test_consistency_proofs_match_the_rfc_and_cross_verify_with_pymerkle_up_to_1000(thousand):
    ours, theirs, reference = thousand
    rng = random.Random(6962)
    for new_size in range(1, 1001):
        old_sizes = {1, new_size, max(1, new_size - 1), rng.randint(1, new_size)}
        old_sizes |= {1 << p for p in range(10) if 1 << p <= new_size}
        new_root = pymerkle_root(theirs, new_size)
        for old_size in old_sizes:
            old_root = pymerkle_root(theirs, old_size)
            proof = ours.consistency_proof(old_size, new_size)
            assert proof == reference.subproof(old_size, 0, new_size, True), (old_size, new_size)
            # pymerkle's consistency paths are shaped differently from RFC 9162's, so the
            # two implementations are compared by each accepting the other's roots.
            assert verify_consistency(old_size, new_size, old_root, new_root, proof)
            theirs_proof = theirs.prove_consistency(old_size, new_size)
            pymerkle.verify_consistency(ours.root(old_size), ours.root(new_size), theirs_proof)


def test_roots_and_proofs_match_pymerkle_for_random_sizes_up_to_100000(hundred_thousand):
    ours, theirs = hundred_thousand
    rng = random.Random(100_000)
    sizes = [rng.randint(1, 100_000) for _ in range(60)] + [65_536, 65_537, 99_999, 100_000]
    for size in sizes:
        root = ours.root(size)
        assert root == pymerkle_root(theirs, size)
        index = rng.randrange(size)
        proof = ours.inclusion_proof(index, size)
        assert proof == theirs.prove_inclusion(index + 1, size).path[1:]
        assert verify_inclusion(ours.leaf_hash(index), index, size, proof, root)
        old_size = rng.randint(1, size)
        old_root = pymerkle_root(theirs, old_size)
        assert verify_consistency(
            old_size, size, old_root, root, ours.consistency_proof(old_size, size)
        )
        pymerkle.verify_consistency(old_root, root, theirs.prove_consistency(old_size, size))


# --- Storage-friendly shape ---------------------------------------------------------------


def test_append_nodes_one_by_one_builds_the_same_nodes_as_batches_of_any_size():
    hashes = [leaf_hash(entry(i)) for i in range(300)]
    single: dict[tuple[int, int], bytes] = {}
    for size, leaf in enumerate(hashes):
        for level, index, value in append_nodes(size, leaf, single):
            assert (level, index) not in single, "nodes are immutable once created"
            single[(level, index)] = value
    for batch_size in (1, 2, 3, 7, 64, 100, 300):
        batched: dict[tuple[int, int], bytes] = {}
        for start in range(0, 300, batch_size):
            for level, index, value in append_batch(
                start, hashes[start : start + batch_size], batched
            ):
                assert (level, index) not in batched
                batched[(level, index)] = value
        assert batched == single, batch_size


def test_every_perfect_subtree_node_exists_and_no_other():
    tree = InMemoryTree()
    tree.extend(entry(i) for i in range(37))
    expected = {
        (level, index) for level in range(7) for index in range(37) if (index + 1) << level <= 37
    }
    assert set(tree.nodes) == expected


def test_append_reads_only_the_nodes_named_by_append_node_ids():
    tree = InMemoryTree()
    tree.extend(entry(i) for i in range(1000))
    for size in (0, 1, 5, 511, 512, 999):
        reads: list[tuple[int, int]] = []

        def get(level: int, index: int, reads=reads) -> bytes:
            reads.append((level, index))
            return tree.nodes[(level, index)]

        append_batch(size, [leaf_hash(b"x")] * 1000, get)
        append_nodes(size, leaf_hash(b"x"), get)
        assert set(reads) <= set(merkle.append_node_ids(size))
        assert len(merkle.append_node_ids(size)) == bin(size).count("1")


def test_proofs_from_prefetched_nodes_equal_proofs_from_a_getter():
    tree = InMemoryTree()
    tree.extend(entry(i) for i in range(777))
    for index, size in [(0, 1), (5, 6), (500, 777), (776, 777), (255, 256)]:
        ids = inclusion_proof_node_ids(index, size)
        assert len(ids) <= 2 * size.bit_length()
        prefetched = {node_id: tree.nodes[node_id] for node_id in ids}
        assert inclusion_proof(index, size, prefetched) == tree.inclusion_proof(index, size)
    for old_size, new_size in [(1, 1), (1, 777), (300, 777), (256, 512), (511, 777)]:
        ids = consistency_proof_node_ids(old_size, new_size)
        prefetched = {node_id: tree.nodes[node_id] for node_id in ids}
        assert consistency_proof(old_size, new_size, prefetched) == tree.consistency_proof(
            old_size, new_size
        )
    ids = root_node_ids(777)
    assert len(ids) == bin(777).count("1")
    assert root_hash(777, {node_id: tree.nodes[node_id] for node_id in ids}) == tree.root()


def test_a_node_missing_from_the_prefetched_dict_is_a_missing_node_error_not_a_key_error():
    with pytest.raises(MissingNodeError, match=r"level 0, index 1"):
        inclusion_proof(0, 2, {})


def test_root_builder_streams_to_the_same_root_while_keeping_few_nodes():
    builder = RootBuilder()
    hashes = [leaf_hash(entry(i)) for i in range(2500)]
    for start in range(0, 2500, 1000):
        builder.extend(hashes[start : start + 1000])
        assert len(builder._frontier) == bin(builder.size).count("1")
    tree = InMemoryTree()
    tree.extend_hashes(hashes)
    assert builder.root() == tree.root()


# --- Bad requests -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: inclusion_proof_node_ids(10, 10), r"leaf index 10 is outside a tree of 10"),
        (lambda: inclusion_proof_node_ids(0, 0), r"size 0 is empty"),
        (lambda: inclusion_proof_node_ids(-1, 5), r"must not be negative"),
        (lambda: inclusion_proof_node_ids("3", 5), r"whole number"),
        (lambda: consistency_proof_node_ids(12, 10), r"second tree size \(10\) is smaller"),
        (lambda: consistency_proof_node_ids(0, 10), r"at least 1"),
        (lambda: merkle.check_inclusion_request(1, 20, log_size=15), r"larger than the log"),
        (lambda: InMemoryTree().consistency_proof(1, 2), r"larger than the log"),
    ],
)
def test_impossible_proof_requests_raise_proof_request_error_in_plain_english(call, message):
    with pytest.raises(ProofRequestError, match=message):
        call()


def test_proof_request_error_is_a_value_error_so_apis_can_map_it_to_4xx():
    assert issubclass(ProofRequestError, ValueError)


def test_append_rejects_something_that_is_not_a_leaf_hash():
    with pytest.raises(ValueError, match="32 bytes"):
        append_batch(0, [b"short"], {})


# --- Verification of malformed input ------------------------------------------------------


def test_verification_returns_false_for_malformed_input_instead_of_raising():
    tree = InMemoryTree()
    tree.extend(entry(i) for i in range(10))
    root, leaf, proof = tree.root(), tree.leaf_hash(3), tree.inclusion_proof(3)
    assert verify_inclusion(leaf, 3, 10, proof, root)
    assert not verify_inclusion(leaf, 10, 10, proof, root)  # index >= size
    assert not verify_inclusion(leaf, -1, 10, proof, root)
    assert not verify_inclusion(leaf, 3, 10, proof[:-1], root)  # too short
    assert not verify_inclusion(leaf, 3, 10, [*proof, proof[0]], root)  # too long
    assert not verify_inclusion(leaf, 3, 10, [*proof[:-1], b"short"], root)
    assert not verify_inclusion(leaf, 3, 10, "not a list", root)  # type: ignore[arg-type]
    assert not verify_inclusion(leaf[:31], 3, 10, proof, root)
    assert not verify_inclusion(leaf, True, 10, proof, root)  # type: ignore[arg-type]
    old_root, cproof = tree.root(4), tree.consistency_proof(4, 10)
    assert verify_consistency(4, 10, old_root, root, cproof)
    assert not verify_consistency(10, 4, root, old_root, cproof)
    assert not verify_consistency(0, 10, EMPTY_ROOT, root, [])
    assert not verify_consistency(4, 10, old_root, root, [])
    assert not verify_consistency(4, 10, old_root, root, [*cproof, cproof[0]])
    assert not verify_consistency(4, 10, old_root, root, [None])  # type: ignore[list-item]
    assert verify_consistency(10, 10, root, root, [])
    assert not verify_consistency(10, 10, root, old_root, [])
    assert not verify_consistency(10, 10, root, root, [root])


def test_a_proof_cut_short_does_not_verify_against_the_root_of_a_subtree():
    # Without RFC 9162's final "sn is 0" check, a truncated path would "prove" inclusion
    # or consistency in a tree whose root is really just one of the subtrees.
    tree = InMemoryTree()
    tree.extend(entry(i) for i in range(10))
    short_path = tree.inclusion_proof(3, 4)
    assert verify_inclusion(tree.leaf_hash(3), 3, 4, short_path, tree.root(4))
    assert not verify_inclusion(tree.leaf_hash(3), 3, 10, short_path, tree.root(4))
    short_proof = tree.consistency_proof(4, 8)
    assert verify_consistency(4, 8, tree.root(4), tree.root(8), short_proof)
    assert not verify_consistency(4, 10, tree.root(4), tree.root(8), short_proof)


# --- Properties -----------------------------------------------------------------------------

PROPERTY_TREE_SIZE = 3000


@pytest.fixture(scope="module")
def property_tree() -> InMemoryTree:
    tree = InMemoryTree()
    tree.extend(entry(i) for i in range(PROPERTY_TREE_SIZE))
    return tree


sizes = st.integers(min_value=1, max_value=PROPERTY_TREE_SIZE)


def flip_bit(proof: list[bytes], position: int, bit: int) -> list[bytes]:
    altered = list(proof)
    item = bytearray(altered[position % len(altered)])
    item[bit // 8 % 32] ^= 1 << (bit % 8)
    altered[position % len(altered)] = bytes(item)
    return altered


@settings(deadline=None)
@given(sizes, sizes, st.integers(0, 10**6), st.integers(0, 255))
def test_consistency_proofs_verify_and_any_alteration_fails(property_tree, a, b, position, bit):
    old_size, new_size = min(a, b), max(a, b)
    old_root, new_root = property_tree.root(old_size), property_tree.root(new_size)
    proof = property_tree.consistency_proof(old_size, new_size)
    assert verify_consistency(old_size, new_size, old_root, new_root, proof)
    if old_size == new_size:
        assert proof == []
        return
    assert not verify_consistency(
        old_size, new_size, old_root, new_root, flip_bit(proof, position, bit)
    )
    assert not verify_consistency(old_size, new_size, new_root, old_root, proof)
    assert not verify_consistency(old_size, new_size, old_root, leaf_hash(b"forged"), proof)
    assert not verify_consistency(old_size, new_size, leaf_hash(b"forged"), new_root, proof)
    assert not verify_consistency(old_size, new_size, old_root, new_root, proof[:-1])
    assert not verify_consistency(old_size, new_size, old_root, new_root, [*proof, old_root])


@settings(deadline=None)
@given(sizes, st.data())
def test_inclusion_proofs_verify_and_the_wrong_index_or_leaf_fails(property_tree, size, data):
    index = data.draw(st.integers(0, size - 1), label="index")
    root = property_tree.root(size)
    leaf = property_tree.leaf_hash(index)
    proof = property_tree.inclusion_proof(index, size)
    assert verify_inclusion(leaf, index, size, proof, root)
    other = data.draw(st.integers(0, size - 1), label="other index")
    assume(other != index)
    assert not verify_inclusion(leaf, other, size, proof, root)
    assert not verify_inclusion(property_tree.leaf_hash(other), index, size, proof, root)
    assert not verify_inclusion(
        leaf, index, size, proof, property_tree.root(size - 1) if size > 1 else EMPTY_ROOT
    )
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1), label="position")
        bit = data.draw(st.integers(0, 255), label="bit")
        assert not verify_inclusion(leaf, index, size, flip_bit(proof, position, bit), root)


@settings(deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=12))
def test_appending_in_arbitrary_batches_gives_the_reference_root(batch_sizes):
    leaves = [entry(i) for i in range(sum(batch_sizes))]
    tree = InMemoryTree()
    start = 0
    for count in batch_sizes:
        tree.extend(leaves[start : start + count])
        start += count
        assert tree.root() == root_from_leaves(leaves[:start])


@settings(max_examples=300, deadline=None)
@given(size=sizes, data=st.data())
def test_a_proof_plan_names_the_same_nodes_and_gives_the_same_proof(property_tree, size, data):
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    plan = inclusion_proof_plan(index, size)
    assert [node for ids in plan for node in ids] == inclusion_proof_node_ids(index, size)
    assert proof_from_plan(plan, property_tree.get_node) == inclusion_proof(
        index, size, property_tree.get_node
    )
