"""The PostgreSQL application recorder that writes the hash chain with the events it covers.

Imported only when a store is a ``postgresql://`` URL (psycopg is a heavy import).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from akkoord.store.chain import ChainKeeper, Link, StoredRow


class ChainedPostgresRecorder(ChainKeeper, PostgresApplicationRecorder):
    """Positions are the library's notification ids (a sequence: it may have gaps)."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        if datastore.enable_db_functions:
            # The database-function insert path leaves no place to write the chain in the
            # same transaction.
            raise ProgrammingError("the hash chain needs POSTGRES_ENABLE_DB_FUNCTIONS off")
        self.check_identifier_length(self.chain_table_name)
        self.check_identifier_length(self.seal_table_name)
        self._events = SQL("{0}.{1}").format(
            Identifier(datastore.schema), Identifier(self.events_table_name)
        )
        self._chain = SQL("{0}.{1}").format(
            Identifier(datastore.schema), Identifier(self.chain_table_name)
        )
        self._seals = SQL("{0}.{1}").format(
            Identifier(datastore.schema), Identifier(self.seal_table_name)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} ("
                "notification_id bigint PRIMARY KEY, leaf bytea NOT NULL, chain bytea NOT NULL)"
            ).format(self._chain)
        )
        self.sql_create_statements.append(
            SQL("CREATE TABLE IF NOT EXISTS {0} (notification_id bigint PRIMARY KEY, "
                "seal bytea NOT NULL)").format(self._seals)
        )

    @contextmanager
    def deciding(self, dossier_id: UUID, expected_events: int = 0) -> Iterator[None]:
        """Serialises deciding and appending in one dossier: a transaction-scoped advisory lock
        on the dossier, taken on a connection of its own before the dossier is loaded and held
        until its events are stored, so no other writer of that dossier stores events between
        the load and the insert (the optimistic version check stays as a safety net). Writers
        of other dossiers are not held up; a writer that dies lets go with its connection.
        (``expected_events`` is for SQLite's writer process: PostgreSQL inserts here.)"""
        with self.datastore.get_connection() as connection, connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)",
                               (int.from_bytes(dossier_id.bytes[:8], "big", signed=True),))
            yield

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Runs in the inserting transaction, with the events table locked against other writers;
        # the snapshot due after the events (``snapshot``) is written and sealed here.
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        seal = (self.snapshot(curs, kwargs.get("snapshot"), stored_events[-1])
                if positions else None)
        self.chain_new_events(curs, positions or [], seal)
        return positions

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        with self.datastore.get_connection() as conn, conn.cursor() as cursor:
            yield cursor

    def _select_stored(self, cursor: Any, after: int, upto: int, limit: int) -> list[StoredRow]:
        cursor.execute(
            SQL(
                "SELECT notification_id, originator_id::text AS originator_id, originator_version, "
                "topic, state FROM {0} WHERE notification_id > %s AND notification_id <= %s "
                "ORDER BY notification_id LIMIT %s"
            ).format(self._events),
            (after, upto, limit),
        )
        return [
            StoredRow(r["notification_id"], r["originator_id"], r["originator_version"],
                      r["topic"], r["state"])
            for r in cursor.fetchall()
        ]

    def _select_links(self, cursor: Any, after: int, upto: int, limit: int) -> list[Link]:
        cursor.execute(
            SQL(
                "SELECT notification_id, leaf, chain FROM {0} WHERE notification_id > %s "
                "AND notification_id <= %s ORDER BY notification_id LIMIT %s"
            ).format(self._chain),
            (after, upto, limit),
        )
        return [_link(r) for r in cursor.fetchall()]

    def _select_chain_head(self, cursor: Any) -> Link | None:
        cursor.execute(
            SQL("SELECT notification_id, leaf, chain FROM {0} ORDER BY notification_id DESC LIMIT 1")
            .format(self._chain)
        )
        row = cursor.fetchone()
        return None if row is None else _link(row)

    def _insert_links(self, cursor: Any, links: Sequence[Link]) -> None:
        if links:
            cursor.executemany(
                SQL("INSERT INTO {0} (notification_id, leaf, chain) VALUES (%s, %s, %s)")
                .format(self._chain),
                links,  # a Link is the (position, leaf, chain) tuple
            )

    def _seal_table_exists(self, cursor: Any) -> bool:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL AS found",
                       (f'"{self.datastore.schema}"."{self.seal_table_name}"',))
        return bool(cursor.fetchone()["found"])

    def _select_seals(self, cursor: Any, upto: int) -> dict[int, bytes]:
        cursor.execute(SQL("SELECT notification_id, seal FROM {0} WHERE notification_id <= %s")
                       .format(self._seals), (upto,))
        return {row["notification_id"]: bytes(row["seal"]) for row in cursor.fetchall()}

    def _select_seal(self, cursor: Any, aggregate_id: Any, version: int) -> bytes | None:
        cursor.execute(
            SQL("SELECT s.seal FROM {0} AS e JOIN {1} AS s ON s.notification_id = e.notification_id "
                "WHERE e.originator_id = %s AND e.originator_version = %s")
            .format(self._events, self._seals), (aggregate_id, version))
        row = cursor.fetchone()
        return None if row is None else bytes(row["seal"])

    def _insert_seal(self, cursor: Any, position: int, seal: bytes) -> None:
        cursor.execute(SQL("INSERT INTO {0} (notification_id, seal) VALUES (%s, %s)")
                       .format(self._seals), (position, seal))

    def _insert_snapshot(self, cursor: Any, snapshot: StoredEvent) -> None:
        self.snapshot_recorder._insert_stored_events(cursor, [snapshot])

    def _stored_id(self, aggregate_id: Any) -> Any:
        return str(aggregate_id)  # as ``originator_id::text`` gives it

    def heads(self) -> tuple[int, int]:
        with self._reading() as cursor:
            chain = SQL("(SELECT MAX(notification_id) FROM {0})").format(self._chain)
            cursor.execute(
                SQL("SELECT (SELECT MAX(notification_id) FROM {0}) AS events, {1} AS links").format(
                    self._events, chain if self._chain_exists(cursor) else SQL("0")
                )
            )
            row = cursor.fetchone()
            return row["events"] or 0, row["links"] or 0

    def _chain_exists(self, cursor: Any) -> bool:
        cursor.execute(
            "SELECT to_regclass(%s) IS NOT NULL AS found",
            (f'"{self.datastore.schema}"."{self.chain_table_name}"',),
        )
        return bool(cursor.fetchone()["found"])


def _link(row: Any) -> Link:
    return Link(row["notification_id"], bytes(row["leaf"]), bytes(row["chain"]))
