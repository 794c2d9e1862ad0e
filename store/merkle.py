"""The Merkle tree of RFC 6962 / RFC 9162 (Certificate Transparency) over the events' leaf hashes.

The hash chain proves a whole history; the tree lets one event be shown to belong to a history
whose head (root and size) an auditor keeps, with a path of about log2(size) hashes, and lets
tools outside akkoord check that path with the algorithm of RFC 9162, section 2.1.3.2.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than size (size > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 6962, section 2.1, given the leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    # Bottom-up: pairing adjacent nodes and carrying an odd last node up unchanged builds the
    # same tree as splitting at the largest power of two, without recursion.
    level = list(leaves)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962, section 2.1.1: the audit path of leaf ``index``."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} is not in a tree of {len(leaves)}")
    path: list[bytes] = []
    low, high = 0, len(leaves)
    while high - low > 1:
        k = _split(high - low)
        if index < low + k:
            path.append(root(leaves[low + k:high]))
            high = low + k
        else:
            path.append(root(leaves[low:low + k]))
            low = low + k
    path.reverse()
    return path


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], expected_root: bytes) -> bool:
    """RFC 9162, section 2.1.3.2: does ``path`` prove leaf ``index`` in the tree of ``size``?"""
    if not 0 <= index < size:
        return False
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and result == expected_root


class CompactRange:
    """The tree over the leaves appended so far, kept as the roots of its perfect subtrees
    (RFC 9162's compact range [0, size)): appending a leaf costs one node hash on average, and
    the tree head at any size is folded from at most log2(size) roots. So ``verify`` has every
    checkpoint's tree head as it passes that size, without holding the leaves."""

    def __init__(self) -> None:
        self.size = 0
        self._roots: list[bytes] = []  # largest subtree first

    def append(self, leaf: bytes) -> None:
        roots, size = self._roots, self.size
        node = leaf
        while size & 1:  # each completed pair of equal subtrees merges into one
            node = node_hash(roots.pop(), node)
            size >>= 1
        roots.append(node)
        self.size += 1

    def root(self) -> bytes:
        """MTH of the leaves appended so far: the subtree roots folded right to left."""
        if not self._roots:
            return hashlib.sha256(b"").digest()
        node = self._roots[-1]
        for left in reversed(self._roots[:-1]):
            node = node_hash(left, node)
        return node
