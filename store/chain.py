"""The hash chain over every stored event, in global order, and what each database must offer it.

Each event is hashed as it is stored (the state bytes after any compression or encryption), so
the chain holds whatever the library does to the bytes, and ``verify`` needs no key to check it:

    leaf(n)  = SHA-256(0x00 || encode(position, aggregate id, version, topic, state))
    chain(n) = SHA-256(0x02 || chain(n-1) || leaf(n)),    chain(0) = 32 zero bytes
    chain(n) = SHA-256(0x03 || chain(n-1) || leaf(n) || seal(n))   where a snapshot is sealed
    seal(n)  = SHA-256(0x04 || encode(aggregate id, version, topic, state of the snapshot))

``encode`` writes each stored value with a type tag and its length, so no two different rows
encode alike. The leaf is a leaf of RFC 6962's Merkle tree (``store.merkle``), so the same
stored hashes serve the chain and inclusion proofs. The chain table holds one row per
notification id (position): the leaf and the chain value, written by the recorder in the same
transaction as the events they cover.

A recorder that knows each event's position as it inserts it (SQLite) chains it from the values
it is inserting (``Chaining``); one that learns the positions only after a bulk insert
(PostgreSQL) reads the new events back (``ChainKeeper.chain_new_events``). Both hash the same
bytes: what the database holds is what was bound to the statement.

A snapshot of a dossier (the library's cache from which the next import decides) is written in
the transaction of the events it summarises and *sealed* into the chain value of the last of
them (format ``akkoord-snapshot/1``). Its seal, a hash of the snapshot's row as stored, is kept
in a seal table by position, so what checkpoints publish (the chain) covers the snapshot as it
covers the events. A dossier is built only on a snapshot whose seal holds (``SealedSnapshots``), else from
its events, so a snapshot changed in the store never becomes the ground of a new sealed one.
Stores written before hold snapshots without a seal: ``verify`` checks those by a replay.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from akkoord.i18n import _
from akkoord.store.merkle import LEAF_PREFIX, leaf_hash

GENESIS = bytes(32)
CHAIN_PREFIX = b"\x02"
SEALED_PREFIX = b"\x03"
SEAL_PREFIX = b"\x04"
ENCODING = b"akkoord-event/1\x00"
# The stored format of a seal (a store of before has no seal table: its snapshots are replayed).
SNAPSHOT_ENCODING = b"akkoord-snapshot/1\x00"
BATCH = 5000
# Rows written by one statement while an import's events come, the events' own
# (``store.sqlite``) and their chain rows: few, for the writer process inserts them as they come
# (``store.beside``), and what is still held when the last event comes keeps the import waiting.
ROWS_PER_STATEMENT = 250


class StoredRow(NamedTuple):
    """One stored event, with each value exactly as the database returned it."""

    position: int
    aggregate_id: Any
    version: Any
    topic: Any
    state: Any


class Link(NamedTuple):
    """One row of the chain table."""

    position: int
    leaf: bytes
    chain: bytes


class ChainError(Exception):
    """The chain cannot be extended: the store was changed outside akkoord."""


def _value(value: Any) -> bytes:
    if value is None:
        return b"n"
    if isinstance(value, int) and not isinstance(value, bool):
        return b"i" + struct.pack(">q", value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw, tag = bytes(value), b"b"
    elif isinstance(value, str):
        raw, tag = value.encode("utf-8", "surrogatepass"), b"s"
    else:  # a float, or another type a tampered column may hold
        raw, tag = repr(value).encode(), b"?"
    return tag + struct.pack(">Q", len(raw)) + raw


def encode(row: StoredRow) -> bytes:
    return ENCODING + b"".join(
        _value(v) for v in (row.position, row.aggregate_id, row.version, row.topic, row.state)
    )


_LEAF_HEAD = LEAF_PREFIX + ENCODING
_sha256 = hashlib.sha256


def leaf_of(row: StoredRow | tuple[Any, Any, Any, Any, Any]) -> bytes:
    """``leaf_hash(encode(row))``; a row of the types akkoord stores is encoded in one join
    (this runs for every event imported and verified), any other through ``encode``."""
    position, aggregate_id, version, topic, state = row
    if (type(position) is int and type(aggregate_id) is str and type(version) is int
            and type(topic) is str and type(state) is bytes):
        return _leaf(position, _text_part(aggregate_id), version, _text_part(topic), state)
    return leaf_hash(encode(StoredRow(*row)))


def _leaf(position: int, aggregate_part: bytes, version: int, topic_part: bytes,
          state: bytes) -> bytes:
    """``leaf_hash(encode(row))`` of a row of the types akkoord stores, its texts encoded."""
    return _sha256(b"".join((
        _LEAF_HEAD, b"i", position.to_bytes(8, "big", signed=True), aggregate_part,
        b"i", version.to_bytes(8, "big", signed=True), topic_part,
        b"b", len(state).to_bytes(8, "big"), state,
    ))).digest()


def _text_part(text: str) -> bytes:
    """A text as ``encode`` writes it: its mark, its length and its UTF-8."""
    data = text.encode("utf-8", "surrogatepass")
    return b"s" + len(data).to_bytes(8, "big") + data


def next_chain(previous: bytes, leaf: bytes) -> bytes:
    return _sha256(CHAIN_PREFIX + previous + leaf).digest()


def sealed_chain(previous: bytes, leaf: bytes, seal: bytes) -> bytes:
    """The chain value of an event whose dossier's snapshot is sealed there."""
    return _sha256(SEALED_PREFIX + previous + leaf + seal).digest()


def seal_of(aggregate_id: Any, version: Any, topic: Any, state: Any) -> bytes:
    """The seal of a snapshot: its stored row's values encoded as an event's are (each as the
    database holds it), without a position, under a header and a prefix of their own."""
    return _sha256(SEAL_PREFIX + SNAPSHOT_ENCODING + b"".join(
        _value(v) for v in (aggregate_id, version, topic, state))).digest()


def extend(previous: bytes, rows: Iterable[StoredRow]) -> Iterator[Link]:
    """The chain rows that follow ``previous`` for the given events, in position order."""
    for row in rows:
        leaf = leaf_of(row)
        previous = next_chain(previous, leaf)
        yield Link(row.position, leaf, previous)


def paged(read: Callable[[int, int, int], Sequence[Any]], upto: int) -> Iterator[Any]:
    """Every row of a keyset-paged read (``read(after, upto, limit)``), in position order."""
    after = 0
    while True:
        batch = read(after, upto, BATCH)
        yield from batch
        if len(batch) < BATCH:
            return
        after = batch[-1].position


class ChainKeeper:
    """The part of a recorder that keeps the chain; each database supplies the statements.

    ``chain_new_events`` runs inside the transaction that inserts the events, after the insert
    (so the database's write lock is held and the chain head cannot move under it).
    """

    # The library's recorder of the application's snapshots, in whose table the snapshots are
    # written with the events they summarise (set by ``sealed_snapshots``).
    snapshot_recorder: Any = None

    @property
    def chain_table_name(self) -> str:
        return f"{self.events_table_name}_chain"  # type: ignore[attr-defined]

    @property
    def seal_table_name(self) -> str:
        return f"{self.events_table_name}_seals"  # type: ignore[attr-defined]

    # -- statements each database supplies, on the cursor of an open transaction --------------

    def _select_stored(self, cursor: Any, after: int, upto: int, limit: int) -> list[StoredRow]:
        raise NotImplementedError

    def _select_links(self, cursor: Any, after: int, upto: int, limit: int) -> list[Link]:
        raise NotImplementedError

    def _select_chain_head(self, cursor: Any) -> Link | None:
        raise NotImplementedError

    def _insert_links(self, cursor: Any, links: Sequence[Link]) -> None:
        raise NotImplementedError

    def _select_seals(self, cursor: Any, upto: int) -> dict[int, bytes]:
        """Position -> seal of the snapshots sealed up to ``upto`` ({} without a seal table)."""
        raise NotImplementedError

    def _select_seal(self, cursor: Any, aggregate_id: Any, version: int) -> bytes | None:
        """The seal at the position of the aggregate's event of that version, if any."""
        raise NotImplementedError

    def _insert_seal(self, cursor: Any, position: int, seal: bytes) -> None:
        raise NotImplementedError

    def _seal_table_exists(self, cursor: Any) -> bool:
        raise NotImplementedError

    def _insert_snapshot(self, cursor: Any, snapshot: Any) -> None:
        """Inserts the library's stored snapshot into its table, in the open transaction."""
        raise NotImplementedError

    def _stored_id(self, aggregate_id: Any) -> Any:
        """An aggregate id as this database's rows give it to the checks."""
        raise NotImplementedError

    def _reading(self) -> Any:
        """A context manager giving a cursor for reads."""
        raise NotImplementedError

    def heads(self) -> tuple[int, int]:
        """The last event position and the last chain position (0 where there is none)."""
        raise NotImplementedError

    # -- writing -----------------------------------------------------------------------------

    def chaining(self, cursor: Any) -> Chaining:
        """Chains events as they are inserted, given the values the recorder stores."""
        return Chaining(self, cursor)

    def chain_new_events(self, cursor: Any, positions: Sequence[int],
                         seal: bytes | None = None) -> None:
        """Chains events already inserted, reading them back; ``seal`` (a snapshot's) is sealed
        into the last one's chain value."""
        if not positions:
            return
        first, last = min(positions), max(positions)
        self._link(cursor, self._chain_before(cursor, first), first - 1, last, seal)
        if seal is not None:
            self._insert_seal(cursor, last, seal)

    def sealed_snapshots(self, store: Any) -> SealedSnapshots:
        """The application's snapshot store as the repository is to read it (only snapshots
        whose seal holds); from here on the recorder writes the snapshots (see ``snapshot``)."""
        self.snapshot_recorder = store.recorder
        return SealedSnapshots(store, self)

    def snapshot(self, cursor: Any, make: Callable[[], Any] | None, last: Any) -> bytes | None:
        """Writes the snapshot due after the events just inserted (``make()``: the library's
        stored snapshot, or None when none is due) in their transaction; returns its seal,
        to be sealed into the chain value of ``last``, the last event, whose state it is."""
        if make is None or self.snapshot_recorder is None:
            return None
        snapshot = make()
        if snapshot is None:
            return None
        if (snapshot.originator_id, snapshot.originator_version) != (
                last.originator_id, last.originator_version):
            raise ValueError("a snapshot is sealed with the last event of its own dossier")
        self._insert_snapshot(cursor, snapshot)
        if not self._seal_table_exists(cursor):
            return None  # a PostgreSQL store made before, whose schema a writer may not change
        return seal_of(self._stored_id(snapshot.originator_id), snapshot.originator_version,
                       snapshot.topic, snapshot.state)

    def keeps_seals(self) -> bool:
        with self._reading() as cursor:
            return self._seal_table_exists(cursor)

    def seal_holds(self, snapshot: Any) -> bool:
        """Whether a stored snapshot (the library's row) is the one sealed into the chain at its
        event (what the chain value there proves is for ``verify`` to check)."""
        with self._reading() as cursor:
            if not self._seal_table_exists(cursor):
                return False
            seal = self._select_seal(cursor, snapshot.originator_id, snapshot.originator_version)
        return seal is not None and seal == seal_of(
            self._stored_id(snapshot.originator_id), snapshot.originator_version, snapshot.topic,
            snapshot.state)

    def _chain_before(self, cursor: Any, first: int) -> bytes:
        """The chain value the event at ``first``, the first new one, follows."""
        head = self._select_chain_head(cursor)
        if head is not None and head.position >= first:
            raise ChainError(
                _("the store's hash chain runs to position {position}, past the events (new "
                  "events start at {first}): it was changed outside akkoord; run akkoord verify").format(position=head.position, first=first)
            )
        if head is None and first > 1:
            # A store written before it kept a chain: seal what it holds now, in this same
            # transaction, so the chain covers every event from here on.
            return self._link(cursor, GENESIS, 0, first - 1)
        return GENESIS if head is None else head.chain

    def _link(self, cursor: Any, previous: bytes, after: int, upto: int,
              seal: bytes | None = None) -> bytes:
        """Chains the stored events after ``after`` up to ``upto`` to ``previous``, a page at a
        time (a file of a million events is not read back whole), ``seal`` into the chain value
        at ``upto``; returns the last chain."""
        while True:
            rows = self._select_stored(cursor, after, upto, BATCH)
            links = list(extend(previous, rows))
            if seal is not None and links and links[-1].position == upto:
                before = links[-2].chain if len(links) > 1 else previous
                links[-1] = Link(upto, links[-1].leaf, sealed_chain(before, links[-1].leaf, seal))
            self._insert_links(cursor, links)
            if links:
                previous, after = links[-1].chain, links[-1].position
            if len(rows) < BATCH:
                return previous

    # -- reading, for the checks ---------------------------------------------------------------

    def stored_rows(self, after: int, upto: int, limit: int) -> list[StoredRow]:
        with self._reading() as cursor:
            return self._select_stored(cursor, after, upto, limit)

    def links(self, after: int, upto: int, limit: int) -> list[Link]:
        with self._reading() as cursor:
            return self._select_links(cursor, after, upto, limit)

    def scan(self, upto: int) -> Iterator[tuple[Any, ...]]:
        """Every position up to ``upto``, a page at a time, as ``verify`` reads them (``rows``)."""
        return joined(merged(paged(self.stored_rows, upto), paged(self.links, upto)))

    def seals(self, upto: int) -> dict[int, bytes]:
        with self._reading() as cursor:
            return self._select_seals(cursor, upto) if self._seal_table_exists(cursor) else {}

    def latest_snapshots(self, aggregate_ids: Iterable[Any]) -> list[StoredRow]:
        """The latest snapshot of each aggregate as stored (position 0: a snapshot has none)."""
        found = []
        for aggregate_id in aggregate_ids:
            for row in self.snapshot_recorder.select_events(aggregate_id, desc=True, limit=1):
                found.append(StoredRow(0, self._stored_id(row.originator_id),
                                       row.originator_version, row.topic, row.state))
        return found


class SealedSnapshots:
    """The snapshot store the repository builds dossiers on: a snapshot whose seal does not hold
    (changed in the store, or written before snapshots were sealed) is passed over, so the
    dossier is built from its events, and a snapshot is due after its next import."""

    def __init__(self, store: Any, keeper: ChainKeeper):
        self.store, self.keeper = store, keeper
        self.passed_over: set[Any] = set()

    def get(self, originator_id: Any, *, gt: int | None = None, lte: int | None = None,
            desc: bool = False, limit: int | None = None) -> Iterator[Any]:
        rows = self.store.recorder.select_events(originator_id, gt=gt, lte=lte, desc=desc,
                                                 limit=limit)
        if rows and not self.keeper.keeps_seals():  # a PostgreSQL store of before: as then
            return map(self.store.mapper.to_domain_event, rows)
        held = [row for row in rows if self.keeper.seal_holds(row)]
        if len(held) < len(rows):
            self.passed_over.add(originator_id)
        return map(self.store.mapper.to_domain_event, held)


class Chaining:
    """The chain rows of events being inserted, in one transaction, written a page at a time.

    ``add`` each event right after inserting it, in position order, with the values bound to
    the insert; ``close`` writes the rest.
    """

    def __init__(self, keeper: ChainKeeper, cursor: Any):
        self._keeper, self._cursor = keeper, cursor
        self._previous: bytes | None = None
        self._before_last = GENESIS
        self._links: list[Link] = []
        # (dossier, topic) -> their encoded parts of a leaf: a batch has one dossier and a few
        # topics, so each is encoded once, not for every event
        self._parts: dict[tuple[Any, Any], tuple[bytes, bytes]] = {}

    def add(self, position: int, aggregate_id: Any, version: Any, topic: Any, state: Any) -> None:
        previous = self._previous
        if previous is None:
            previous = self._keeper._chain_before(self._cursor, position)
        if len(self._links) >= ROWS_PER_STATEMENT:
            self.close()  # before the new link: the last one stays unwritten, to be sealed
        self._before_last = previous
        parts = self._parts.get((aggregate_id, topic))
        if parts is None and type(aggregate_id) is str and type(topic) is str:
            parts = self._parts[(aggregate_id, topic)] = (_text_part(aggregate_id),
                                                          _text_part(topic))
        if parts is not None and type(position) is int and type(version) is int \
                and type(state) is bytes:
            leaf = _leaf(position, parts[0], version, parts[1], state)
        else:
            leaf = leaf_of((position, aggregate_id, version, topic, state))
        self._previous = previous = _sha256(CHAIN_PREFIX + previous + leaf).digest()
        self._links.append(Link(position, leaf, previous))

    def seal(self, seal: bytes) -> None:
        """Seals a snapshot into the chain value of the last event added."""
        last = self._links[-1]
        self._previous = chain = sealed_chain(self._before_last, last.leaf, seal)
        self._links[-1] = Link(last.position, last.leaf, chain)

    def close(self) -> None:
        if self._links:
            self._keeper._insert_links(self._cursor, self._links)
            self._links = []


def merged(events: Iterator[Any], links: Iterator[Any]) -> Iterator[tuple[int, Any, Any]]:
    """Stored events and chain rows side by side, by position: (position, event, link), with
    ``None`` for the one that is missing at a position."""
    event, link = next(events, None), next(links, None)
    while event is not None or link is not None:
        if link is None or (event is not None and event[0] < link[0]):
            yield event[0], event, None  # type: ignore[index]
            event = next(events, None)
        elif event is None or link[0] < event[0]:
            yield link[0], None, link
            link = next(links, None)
        else:
            yield event[0], event, link
            event, link = next(events, None), next(links, None)


MISSING = object()  # in place of the aggregate id of an event that is not stored


def joined(rows: Iterator[tuple[int, Any, Any]]) -> Iterator[tuple[Any, ...]]:
    """Merged (position, event, link) as the flat rows ``verify`` reads: (position, aggregate
    id, version, topic, state, leaf, chain), the aggregate id ``MISSING`` where no event is
    stored and leaf and chain None where no chain row is."""
    for position, event, link in rows:
        head = event[:5] if event is not None else (position, MISSING, None, None, None)
        yield (*head, *(link[1:] if link is not None else (None, None)))


class StoredFile:
    """A SQLite store read with ``sqlite3`` alone, for the checks: the rows exactly as stored,
    without the event-sourcing library, the domain or a key (the chain covers stored bytes)."""

    events_table_name = "stored_events"

    def __init__(self, path: str):
        import sqlite3

        self.path = path
        self.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self.chain_table_name = f"{self.events_table_name}_chain"
        self.seal_table_name = f"{self.events_table_name}_seals"
        self.snapshot_table_name = "stored_snapshots"

    def close(self) -> None:
        self.connection.close()

    def _chain_exists(self) -> bool:
        return self._table_exists(self.chain_table_name)

    def heads(self) -> tuple[int, int]:
        events = self.connection.execute(f"SELECT MAX(rowid) FROM {self.events_table_name}").fetchone()[0]
        links = (self.connection.execute(
            f"SELECT MAX(notification_id) FROM {self.chain_table_name}").fetchone()[0]
            if self._chain_exists() else 0)
        return events or 0, links or 0

    def stored_rows(self, after: int, upto: int, limit: int) -> list[StoredRow]:
        rows = self.connection.execute(
            "SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {self.events_table_name} WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?",
            (after, upto, limit))
        return [StoredRow(*row) for row in rows]

    def links(self, after: int, upto: int, limit: int) -> list[Link]:
        rows = self.connection.execute(
            f"SELECT notification_id, leaf, chain FROM {self.chain_table_name} "
            "WHERE notification_id > ? AND notification_id <= ? ORDER BY notification_id LIMIT ?",
            (after, upto, limit))
        return [Link(*row) for row in rows]

    def _table_exists(self, table: str) -> bool:
        return self.connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            (table,)).fetchone() is not None

    def snapshotted(self) -> list[str]:
        """The aggregates that have a snapshot (a store without snapshots needs no replay)."""
        if not self._table_exists(self.snapshot_table_name):
            return []
        return [row[0] for row in self.connection.execute(
            f"SELECT DISTINCT originator_id FROM {self.snapshot_table_name} ORDER BY originator_id")]

    def latest_snapshots(self, aggregate_ids: Iterable[str]) -> list[StoredRow]:
        """The latest snapshot of each aggregate as stored (position 0: a snapshot has none)."""
        found = []
        for aggregate_id in aggregate_ids:
            row = self.connection.execute(
                "SELECT 0, originator_id, originator_version, topic, state FROM "
                f"{self.snapshot_table_name} WHERE originator_id = ? "
                "ORDER BY originator_version DESC LIMIT 1", (aggregate_id,)).fetchone()
            if row is not None:
                found.append(StoredRow(*row))
        return found

    def seals(self, upto: int) -> dict[int, bytes]:
        """Position -> seal of the snapshots sealed into the chain ({} in a store of before)."""
        if not self._table_exists(self.seal_table_name):
            return {}
        return dict(self.connection.execute(
            f"SELECT notification_id, seal FROM {self.seal_table_name} WHERE notification_id <= ?",
            (upto,)))

    def scan(self, upto: int) -> Iterator[tuple[Any, ...]]:
        """Every position up to ``upto`` as ``verify`` reads them (see ``joined``): the events
        joined to their chain rows in one pass in rowid order, and the chain rows whose event
        is gone (rare: looked up apart) put in their place. One read transaction, so a writer
        that commits meanwhile is not seen halfway."""
        self.connection.execute("BEGIN")
        try:
            orphans = iter(self.connection.execute(
                f"SELECT c.notification_id, c.leaf, c.chain FROM {self.chain_table_name} AS c "
                f"WHERE c.notification_id <= ? AND NOT EXISTS (SELECT 1 FROM {self.events_table_name} "
                "AS e WHERE e.rowid = c.notification_id) ORDER BY c.notification_id",
                (upto,)).fetchall())
            rows = self.connection.cursor().execute(
                "SELECT e.rowid, e.originator_id, e.originator_version, e.topic, e.state, c.leaf, "
                f"c.chain FROM {self.events_table_name} AS e LEFT JOIN {self.chain_table_name} AS c "
                "ON c.notification_id = e.rowid WHERE e.rowid <= ? ORDER BY e.rowid", (upto,))
            orphan = next(orphans, None)
            if orphan is None:
                yield from rows
                return
            for row in rows:
                while orphan is not None and orphan[0] < row[0]:
                    yield (orphan[0], MISSING, None, None, None, orphan[1], orphan[2])
                    orphan = next(orphans, None)
                yield row
            while orphan is not None:
                yield (orphan[0], MISSING, None, None, None, orphan[1], orphan[2])
                orphan = next(orphans, None)
        finally:
            self.connection.execute("COMMIT")
