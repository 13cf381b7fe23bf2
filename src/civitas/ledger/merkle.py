"""Merkle tree maths for an append-only log (RFC 9162, section 2.1).

The log is stored as *perfect subtree* nodes addressed by ``(level, index)``: level 0
holds the leaf hashes and node ``(level, i)`` is the root of the perfect subtree over
leaves ``[i * 2**level, (i + 1) * 2**level)``. Such a node never changes once it exists,
so a database can store it in an insert-only table. Every hash the RFC needs (a root, a
proof element over a ragged right edge) is a fold of O(log n) of these nodes.

Functions that read nodes take a ``NodeSource``: either a callable ``get(level, index)``
or a mapping ``{(level, index): hash}``. The ``*_node_ids`` functions name every node an
operation will read, so a database layer can fetch them in one query and pass the dict.

Nothing here touches Django or a database.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "InMemoryTree",
    "MissingNodeError",
    "NodeGetter",
    "NodeId",
    "NodeSource",
    "ProofRequestError",
    "RootBuilder",
    "append_batch",
    "append_node_ids",
    "append_nodes",
    "check_consistency_request",
    "check_inclusion_request",
    "consistency_proof",
    "consistency_proof_node_ids",
    "inclusion_proof",
    "inclusion_proof_node_ids",
    "inclusion_proof_plan",
    "leaf_hash",
    "node_hash",
    "proof_from_plan",
    "root_from_leaves",
    "root_hash",
    "root_node_ids",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH of the empty tree: the SHA-256 of the empty string (RFC 9162, section 2.1.1)."""

NodeId = tuple[int, int]
NodeGetter = Callable[[int, int], bytes]
NodeSource = NodeGetter | Mapping[NodeId, bytes]

_sha256 = hashlib.sha256
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class ProofRequestError(ValueError):
    """A caller asked for something the tree cannot answer (the HTTP API returns a 4xx)."""


class MissingNodeError(LookupError):
    """A node the maths needs was not available: a storage or prefetching bug, not a bad request."""


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of a leaf holding ``data``."""
    return _sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return _sha256(_NODE_PREFIX + left + right).digest()


# --- Request validation -----------------------------------------------------------------


def _require_count(value: object, what: str) -> int:
    # bool is an int subclass; True as a tree size is always a bug upstream.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProofRequestError(f"{what} must be a whole number, not {value!r}")
    if value < 0:
        raise ProofRequestError(f"{what} must not be negative (got {value})")
    return value


def check_inclusion_request(index: int, size: int, *, log_size: int | None = None) -> None:
    """Raise ProofRequestError unless an inclusion proof for ``index`` in a tree of ``size`` exists.

    ``log_size``, if given, is how many entries the log holds now: ``size`` may not exceed it.
    """
    _require_count(index, "leaf index")
    _require_count(size, "tree size")
    if size == 0:
        raise ProofRequestError("the tree of size 0 is empty, so it includes no entries")
    if log_size is not None and size > log_size:
        raise ProofRequestError(
            f"tree size {size} is larger than the log, which has {log_size} entries"
        )
    if index >= size:
        raise ProofRequestError(
            f"leaf index {index} is outside a tree of {size} entries "
            f"(valid indices are 0 to {size - 1})"
        )


def check_consistency_request(old_size: int, new_size: int, *, log_size: int | None = None) -> None:
    """Raise ProofRequestError unless a consistency proof from ``old_size`` to ``new_size`` exists.

    RFC 9162 defines proofs for 0 < old_size <= new_size; every tree trivially extends
    the empty tree, so there is nothing to prove from size 0.
    """
    _require_count(old_size, "first tree size")
    _require_count(new_size, "second tree size")
    if old_size == 0:
        raise ProofRequestError(
            "the first tree size must be at least 1: every log extends the empty tree, "
            "so there is nothing to prove"
        )
    if new_size < old_size:
        raise ProofRequestError(
            f"the second tree size ({new_size}) is smaller than the first ({old_size})"
        )
    if log_size is not None and new_size > log_size:
        raise ProofRequestError(
            f"tree size {new_size} is larger than the log, which has {log_size} entries"
        )


# --- Layout: which perfect nodes make up which hash -------------------------------------


def _split_point(width: int) -> int:
    """The largest power of two strictly smaller than ``width`` (width >= 2)."""
    return 1 << ((width - 1).bit_length() - 1)


def _range_node_ids(start: int, end: int) -> list[NodeId]:
    """The perfect nodes, left to right, that tile the leaf range [start, end).

    Every range RFC 9162 hashes starts at a multiple of a power of two at least as large
    as its width, so the tiling is the binary decomposition of the width and the MTH of
    the range is these nodes folded from the right.
    """
    ids: list[NodeId] = []
    position = start
    while position < end:
        level = (end - position).bit_length() - 1
        # Shrink until the node is aligned; for RFC ranges this never triggers, but it
        # keeps the function honest if called with an arbitrary range.
        while position & ((1 << level) - 1):
            level -= 1
        ids.append((level, position >> level))
        position += 1 << level
    return ids


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Combine perfect-subtree hashes (left to right) into the MTH of their union."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = _sha256(_NODE_PREFIX + left + result).digest()
    return result


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form PATH(index, D[0:size]), in proof order (leaf upwards)."""
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split_point(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def _consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form PROOF(old_size, D[0:new_size]) (RFC 9162, 2.1.4.1)."""
    ranges: list[tuple[int, int]] = []
    start, end = 0, new_size
    # "b" in the RFC: true while the old tree is still a left-edge subtree of the current
    # one, in which case the verifier already knows its hash and it is left out.
    on_left_edge = True
    while old_size != end:
        k = _split_point(end - start)
        if old_size - start <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            on_left_edge = False
    if not on_left_edge:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def _ids_for_ranges(ranges: Iterable[tuple[int, int]]) -> list[NodeId]:
    ids: list[NodeId] = []
    for start, end in ranges:
        ids.extend(_range_node_ids(start, end))
    return ids


def root_node_ids(size: int) -> list[NodeId]:
    """The perfect nodes (left to right) whose fold is the root of a tree of ``size`` leaves.

    These are also exactly the nodes an append to a tree of ``size`` leaves can need.
    """
    _require_count(size, "tree size")
    return _range_node_ids(0, size)


def append_node_ids(size: int) -> list[NodeId]:
    """Every node ``append_nodes``/``append_batch`` may read when appending to ``size`` leaves."""
    return root_node_ids(size)


def inclusion_proof_node_ids(index: int, size: int) -> list[NodeId]:
    """Every node ``inclusion_proof(index, size, ...)`` reads: at most 2*log2(size) of them."""
    check_inclusion_request(index, size)
    return _ids_for_ranges(_inclusion_ranges(index, size))


def inclusion_proof_plan(index: int, size: int) -> list[list[NodeId]]:
    """For each hash of ``inclusion_proof(index, size)``, the stored nodes it folds.

    The same layout as ``inclusion_proof_node_ids`` and ``inclusion_proof`` together,
    worked out once: a server fetches the union of the lists in one query, then calls
    ``proof_from_plan``.
    """
    check_inclusion_request(index, size)
    return [_range_node_ids(start, end) for start, end in _inclusion_ranges(index, size)]


def consistency_proof_node_ids(old_size: int, new_size: int) -> list[NodeId]:
    """Every node ``consistency_proof(old_size, new_size, ...)`` reads."""
    check_consistency_request(old_size, new_size)
    return _ids_for_ranges(_consistency_ranges(old_size, new_size))


# --- Reading nodes ----------------------------------------------------------------------


def _getter(nodes: NodeSource) -> NodeGetter:
    if isinstance(nodes, Mapping):
        mapping = nodes

        def get(level: int, index: int) -> bytes:
            try:
                return mapping[(level, index)]
            except KeyError:
                raise MissingNodeError(
                    f"node (level {level}, index {index}) was not among the prefetched nodes"
                ) from None

        return get
    return nodes


def _range_hash(start: int, end: int, get: NodeGetter) -> bytes:
    return _fold([get(level, index) for level, index in _range_node_ids(start, end)])


def root_hash(size: int, nodes: NodeSource) -> bytes:
    """MTH of the first ``size`` leaves, from at most log2(size)+1 perfect nodes.

    The empty tree's root is ``EMPTY_ROOT``.
    """
    _require_count(size, "tree size")
    if size == 0:
        return EMPTY_ROOT
    return _range_hash(0, size, _getter(nodes))


def inclusion_proof(index: int, size: int, nodes: NodeSource) -> list[bytes]:
    """The RFC 9162 inclusion proof (audit path) for leaf ``index`` in the tree of ``size``.

    Raises ProofRequestError when ``index`` is not in the tree.
    """
    check_inclusion_request(index, size)
    get = _getter(nodes)
    return [_range_hash(start, end, get) for start, end in _inclusion_ranges(index, size)]


def proof_from_plan(plan: Sequence[Sequence[NodeId]], nodes: NodeSource) -> list[bytes]:
    """The proof hashes a plan from ``inclusion_proof_plan`` describes."""
    get = _getter(nodes)
    return [_fold([get(level, index) for level, index in ids]) for ids in plan]


def consistency_proof(old_size: int, new_size: int, nodes: NodeSource) -> list[bytes]:
    """The RFC 9162 consistency proof between the trees of ``old_size`` and ``new_size``.

    Empty when the sizes are equal. Raises ProofRequestError for old_size 0 or
    new_size < old_size.
    """
    check_consistency_request(old_size, new_size)
    get = _getter(nodes)
    return [_range_hash(start, end, get) for start, end in _consistency_ranges(old_size, new_size)]


# --- Appending --------------------------------------------------------------------------


def _check_leaf_hash(value: object) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise ValueError(f"a leaf hash must be {HASH_SIZE} bytes, not {value!r:.80}")


def append_nodes(size: int, leaf: bytes, nodes: NodeSource) -> list[tuple[int, int, bytes]]:
    """The nodes ``(level, index, hash)`` created by appending leaf hash ``leaf`` as leaf ``size``.

    The first is the leaf itself at level 0. Reads one stored node per new interior node
    (amortised one), all from ``append_node_ids(size)``.
    """
    _require_count(size, "tree size")
    _check_leaf_hash(leaf)
    get = _getter(nodes)
    created = [(0, size, leaf)]
    level, index, current = 0, size, leaf
    # A node with an odd index is a right child: its left sibling is already stored, so
    # the pair is complete and their parent now exists.
    while index & 1:
        current = node_hash(get(level, index - 1), current)
        level += 1
        index >>= 1
        created.append((level, index, current))
    return created


def append_batch(
    size: int, leaves: Sequence[bytes], nodes: NodeSource
) -> list[tuple[int, int, bytes]]:
    """All nodes ``(level, index, hash)`` created by appending ``leaves`` (leaf hashes) at ``size``.

    Includes the leaves themselves at level 0, level by level from the bottom. Reads at
    most one stored node per level, all from ``append_node_ids(size)``, and computes one
    hash per new interior node (fewer than ``len(leaves)`` plus the tree height).
    """
    _require_count(size, "tree size")
    for leaf in leaves:
        _check_leaf_hash(leaf)
    if not leaves:
        return []
    get = _getter(nodes)
    sha256, prefix = _sha256, _NODE_PREFIX

    created = [(0, size + offset, leaf) for offset, leaf in enumerate(leaves)]
    level, first, current = 0, size, list(leaves)
    while True:
        if first & 1:
            # The first new node is a right child; pair it with its stored left sibling.
            current.insert(0, get(level, first - 1))
            first -= 1
        if len(current) < 2:
            break
        # zip drops an unpaired last node: its right sibling does not exist yet.
        parents = [
            sha256(prefix + left + right).digest()
            for left, right in zip(current[0::2], current[1::2], strict=False)
        ]
        level += 1
        first >>= 1
        created.extend((level, first + offset, parent) for offset, parent in enumerate(parents))
        current = parents
    return created


# --- Verification (RFC 9162, sections 2.1.3.2 and 2.1.4.2) -----------------------------


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_proof(proof: object) -> bool:
    return isinstance(proof, list | tuple) and all(_is_hash(item) for item in proof)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """True iff ``proof`` puts ``leaf_hash`` at ``index`` in the tree of ``size`` with ``root``.

    Exactly the algorithm of RFC 9162, section 2.1.3.2. Malformed input (wrong types,
    hashes that are not 32 bytes, index >= size, a proof of the wrong length) is False,
    never an exception.
    """
    if not (_is_hash(leaf_hash) and _is_hash(root) and _is_proof(proof)):
        return False
    if not (_is_count(index) and _is_count(size)) or index >= size:
        return False
    fn, sn = index, size - 1
    result = leaf_hash
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(result, root)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True iff ``proof`` shows tree (new_size, new_root) extends tree (old_size, old_root).

    RFC 9162, section 2.1.4.2 for 0 < old_size < new_size. Equal sizes need an empty proof
    and equal roots. A proof from size 0 is meaningless and is False (as in
    transparency-dev/merkle); callers should treat "the old tree was empty" themselves.
    Malformed input is False, never an exception.
    """
    if not (_is_hash(old_root) and _is_hash(new_root) and _is_proof(proof)):
        return False
    if not (_is_count(old_size) and _is_count(new_size)):
        return False
    if old_size == 0 or new_size < old_size:
        return False
    if old_size == new_size:
        return len(proof) == 0 and hmac.compare_digest(old_root, new_root)
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old tree is a perfect left subtree whose hash the verifier already has.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old_result = new_result = path[0]
    for item in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            old_result = node_hash(item, old_result)
            new_result = node_hash(item, new_result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            new_result = node_hash(new_result, item)
        fn >>= 1
        sn >>= 1
    return (
        sn == 0
        and hmac.compare_digest(old_result, old_root)
        and hmac.compare_digest(new_result, new_root)
    )


# --- Reference implementation and in-memory helpers -------------------------------------


def root_from_leaves(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over leaf *data* (not leaf hashes), written straight from RFC 9162 2.1.1.

    Recursive and slow on purpose: it is the reference the fast paths are tested against.
    """
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = _split_point(len(leaves))
    return node_hash(root_from_leaves(leaves[:k]), root_from_leaves(leaves[k:]))


class InMemoryTree:
    """A whole log held in a dict of perfect nodes: the model for a database-backed store."""

    def __init__(self) -> None:
        self.nodes: dict[NodeId, bytes] = {}
        self.size = 0

    def get_node(self, level: int, index: int) -> bytes:
        """The stored node ``(level, index)``; MissingNodeError if it does not exist."""
        try:
            return self.nodes[(level, index)]
        except KeyError:
            raise MissingNodeError(f"node (level {level}, index {index}) does not exist") from None

    def append(self, data: bytes) -> int:
        """Append a leaf holding ``data``; returns its index."""
        return self.extend_hashes([leaf_hash(data)])

    def extend(self, entries: Iterable[bytes]) -> int:
        """Append leaves holding each of ``entries``; returns the index of the first."""
        return self.extend_hashes([leaf_hash(data) for data in entries])

    def extend_hashes(self, hashes: Sequence[bytes]) -> int:
        """Append leaf hashes; returns the index of the first."""
        first = self.size
        for level, index, value in append_batch(self.size, hashes, self.get_node):
            self.nodes[(level, index)] = value
        self.size += len(hashes)
        return first

    def leaf_hash(self, index: int) -> bytes:
        """The leaf hash at ``index``."""
        check_inclusion_request(index, self.size)
        return self.nodes[(0, index)]

    def root(self, size: int | None = None) -> bytes:
        """The root of the first ``size`` leaves (default: all of them)."""
        size = self.size if size is None else size
        self._check_size(size)
        return root_hash(size, self.get_node)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Inclusion proof for leaf ``index`` in the tree of ``size`` (default: current size)."""
        size = self.size if size is None else size
        check_inclusion_request(index, size, log_size=self.size)
        return inclusion_proof(index, size, self.get_node)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """Consistency proof from ``old_size`` to ``new_size`` (default: current size)."""
        new_size = self.size if new_size is None else new_size
        check_consistency_request(old_size, new_size, log_size=self.size)
        return consistency_proof(old_size, new_size, self.get_node)

    def _check_size(self, size: int) -> None:
        _require_count(size, "tree size")
        if size > self.size:
            raise ProofRequestError(
                f"tree size {size} is larger than the log, which has {self.size} entries"
            )


class RootBuilder:
    """Computes a root from a stream of leaf hashes while keeping only O(log n) nodes.

    Used to recompute a log's root from all its entries, page by page.
    """

    def __init__(self) -> None:
        self.size = 0
        self._frontier: dict[NodeId, bytes] = {}

    def extend(self, hashes: Sequence[bytes]) -> None:
        """Append leaf hashes in order."""
        for level, index, value in append_batch(self.size, hashes, self._frontier):
            self._frontier[(level, index)] = value
        self.size += len(hashes)
        # Only the perfect nodes of the current decomposition can be read again.
        keep = set(root_node_ids(self.size))
        self._frontier = {key: value for key, value in self._frontier.items() if key in keep}

    def root(self) -> bytes:
        """The root of all leaves so far."""
        return root_hash(self.size, self._frontier)
