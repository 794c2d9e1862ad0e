"""The SQLite application recorder that writes the hash chain with the events it covers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteConnection, SQLiteCursor

from akkoord.store import beside
from akkoord.store.beside import can_write_beside
from akkoord.store.chain import ROWS_PER_STATEMENT, ChainKeeper, Link, StoredRow

# The library's errors for SQLite's, as its own transactions raise them: a lost race is retried,
# the others are the store's problem, named to the user (``cli.core.refused_as_file``).
_LIBRARY_ERRORS = {sqlite3.IntegrityError: IntegrityError,
                   sqlite3.OperationalError: OperationalError}


class ChainedSQLiteRecorder(ChainKeeper, SQLiteApplicationRecorder):
    """Positions are the table's rowids, as the library's notification ids are."""

    _deciding: SQLiteConnection | None = None
    # The writer process started as the deciding began, for a batch expected to be large.
    _writer_ahead: beside.Writer | None = None
    # A file that no other process opens until it is complete (a first import's private file,
    # ``bootstrap``): its commits are not synced to the disk, the whole file is, once, after.
    private = False

    @contextmanager
    def deciding(self, dossier_id: UUID, expected_events: int = 0) -> Iterator[None]:
        """Serialises deciding and appending: one writer at a time decides on the store.

        A write transaction (``BEGIN IMMEDIATE``, waiting up to the lock timeout) is begun on the
        writer's connection before the dossier is loaded; the dossier is read beside it (WAL
        readers are not blocked), and the events it decided are inserted and committed in that
        very transaction. So no other writer can store events between the load and the insert,
        and the optimistic version check is only a safety net. SQLite has one writer per file,
        so the lock covers the whole store, not only ``dossier_id``.

        When more than a page of events is expected (``expected_events``, a guess), the writer
        process that inserts a large batch is started now, so that it is ready by the time the
        first events are decided (``store.beside``); unused, it is ended with the lock.
        """
        pool = self.datastore.pool
        connection = pool.get_connection(is_writer=True)
        try:
            self.begin_writing(connection.cursor())
        except sqlite3.OperationalError as error:  # locked beyond the lock timeout
            pool.put_connection(connection)
            raise OperationalError(error) from error
        self._deciding = connection
        if expected_events > beside.BESIDE_FROM and can_write_beside(self):
            self._writer_ahead = beside.Writer.start(self)
        try:
            yield
        finally:
            if self._writer_ahead is not None:  # not used: the batch was refused
                self._writer_ahead.cancel()
                self._writer_ahead = None
            if self._deciding is connection:  # nothing was inserted: a refusal
                self._deciding = None
                connection.rollback()
                pool.put_connection(connection)

    def begin_writing(self, cursor: Any) -> None:
        """Takes the store's write lock (``BEGIN IMMEDIATE``), the commit of a private file
        left unsynced (``private``); this process's deciding and the writer process's insert."""
        if self.private:
            cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("BEGIN IMMEDIATE")

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        connection = self._deciding
        if connection is None:
            return super().insert_events(stored_events, **kwargs)
        # The decided events commit at once and the writer goes back to the pool, so a snapshot
        # written next finds it free.
        self._deciding = None
        writer, self._writer_ahead = self._writer_ahead, None

        def insert_here(events: Iterable[StoredEvent]) -> Sequence[int] | None:
            positions = self._insert_events(connection.cursor(), events, **kwargs)
            connection.commit()
            return positions

        try:
            if can_write_beside(self):  # a large batch is inserted by a second process
                return beside.insert(self, connection, stored_events, insert_here,
                                     kwargs.get("snapshot"), writer)
            return insert_here(stored_events)
        except sqlite3.Error as error:  # a full disk, say: named as the library names it
            connection.rollback()
            raise _LIBRARY_ERRORS.get(type(error), PersistenceError)(error) from error
        except BaseException:
            connection.rollback()
            raise
        finally:
            if writer is not None:
                writer.cancel()  # (ended already, when it wrote)
            self.datastore.pool.put_connection(connection)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {self.chain_table_name} ("
            "notification_id INTEGER PRIMARY KEY, leaf BLOB NOT NULL, chain BLOB NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.seal_table_name} ("
            "notification_id INTEGER PRIMARY KEY, seal BLOB NOT NULL)",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # The first event is inserted as the library does, for its rowid; from then on this
        # transaction holds the write lock, so the rowids that follow are known in advance and
        # the rest go in with them, a page of rows per statement. Each event is chained from the
        # very values bound to its row (nothing is read back). ``stored_events`` may be a
        # generator (a large import streams it), so it is iterated once. The snapshot due after
        # them (``snapshot``) is written and sealed into the last one's chain value here.
        positions: list[int] = []
        chaining = self.chaining(c)
        page: list[tuple[Any, ...]] = []
        position = 0
        last_id: Any = None
        last_hex: Any = None
        event = None
        for event in stored_events:
            originator_id = event.originator_id
            if originator_id is not last_id:  # a batch is nearly always of one dossier
                last_id = originator_id
                last_hex = originator_id.hex if isinstance(originator_id, UUID) else originator_id
            row = (last_hex, event.originator_version, event.topic, event.state)
            if not positions:
                c.execute(self.insert_events_statement, row)
                position = c.lastrowid
            else:
                position += 1
                page.append((position, *row))
                if len(page) >= ROWS_PER_STATEMENT:
                    c.executemany(self._insert_at_statement, page)
                    page = []
            positions.append(position)
            chaining.add(position, *row)
        if page:
            c.executemany(self._insert_at_statement, page)
        seal = self.snapshot(c, kwargs.get("snapshot"), event) if positions else None
        if seal is not None:
            chaining.seal(seal)
            self._insert_seal(c, positions[-1], seal)
        chaining.close()
        return positions

    @property
    def _insert_at_statement(self) -> str:
        return (f"INSERT INTO {self.events_table_name} "
                "(rowid, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)")

    @contextmanager
    def _reading(self) -> Iterator[SQLiteCursor]:
        with self.datastore.transaction(commit=False) as cursor:
            yield cursor

    def _select_stored(self, cursor: Any, after: int, upto: int, limit: int) -> list[StoredRow]:
        cursor.execute(
            "SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {self.events_table_name} WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?",
            (after, upto, limit),
        )
        return [StoredRow(*row) for row in cursor.fetchall()]

    def _select_links(self, cursor: Any, after: int, upto: int, limit: int) -> list[Link]:
        cursor.execute(
            f"SELECT notification_id, leaf, chain FROM {self.chain_table_name} "
            "WHERE notification_id > ? AND notification_id <= ? ORDER BY notification_id LIMIT ?",
            (after, upto, limit),
        )
        return [Link(*row) for row in cursor.fetchall()]

    def _select_chain_head(self, cursor: Any) -> Link | None:
        cursor.execute(
            f"SELECT notification_id, leaf, chain FROM {self.chain_table_name} "
            "ORDER BY notification_id DESC LIMIT 1"
        )
        row = cursor.fetchone()
        return None if row is None else Link(*row)

    def _insert_links(self, cursor: Any, links: Sequence[Link]) -> None:
        cursor.executemany(
            f"INSERT INTO {self.chain_table_name} (notification_id, leaf, chain) VALUES (?, ?, ?)",
            links,  # a Link is the (position, leaf, chain) tuple
        )

    def _select_seals(self, cursor: Any, upto: int) -> dict[int, bytes]:
        cursor.execute(f"SELECT notification_id, seal FROM {self.seal_table_name} "
                       "WHERE notification_id <= ?", (upto,))
        return {row[0]: row[1] for row in cursor.fetchall()}

    def _seal_table_exists(self, cursor: Any) -> bool:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                       (self.seal_table_name,))
        return cursor.fetchone() is not None

    def _select_seal(self, cursor: Any, aggregate_id: Any, version: int) -> bytes | None:
        cursor.execute(
            f"SELECT s.seal FROM {self.events_table_name} AS e JOIN {self.seal_table_name} AS s "
            "ON s.notification_id = e.rowid WHERE e.originator_id = ? AND e.originator_version = ?",
            (self._stored_id(aggregate_id), version))
        row = cursor.fetchone()
        return None if row is None else row[0]

    def _insert_seal(self, cursor: Any, position: int, seal: bytes) -> None:
        cursor.execute(f"INSERT INTO {self.seal_table_name} (notification_id, seal) VALUES (?, ?)",
                       (position, seal))

    def _insert_snapshot(self, cursor: Any, snapshot: StoredEvent) -> None:
        self.snapshot_recorder._insert_events(cursor, [snapshot])

    def _stored_id(self, aggregate_id: Any) -> Any:
        return aggregate_id.hex if isinstance(aggregate_id, UUID) else aggregate_id

    def heads(self) -> tuple[int, int]:
        chain = f"(SELECT MAX(notification_id) FROM {self.chain_table_name})"
        with self._reading() as cursor:
            cursor.execute(
                f"SELECT (SELECT MAX(rowid) FROM {self.events_table_name}), "
                + (chain if self._chain_exists(cursor) else "0")
            )
            events, links = cursor.fetchone()
            return events or 0, links or 0

    def _chain_exists(self, cursor: Any) -> bool:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (self.chain_table_name,)
        )
        return cursor.fetchone() is not None
