"""Keeps the read models in step with the event store.

The SQLite recorder offers no subscription, so views catch up by reading the events after the
position each view has recorded. A batch of rows and the new positions are written in one
transaction (``BEGIN IMMEDIATE``, so two processes never both apply the same batch).

Events reach the views' SQL (see ``projections.views``) in one of two ways:

- ``SQLiteStore``: a SQLite store whose events are plain JSON is attached to the views'
  database, and the views read its ``stored_events`` table directly: no event is decoded in
  Python and no row crosses into Python, which is what makes a rebuild cheap;
- ``ApplicationStore``: any other store (PostgreSQL, encrypted or compressed) is read through
  the application's recorder and mapper, and each batch is staged in a temporary table first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable
from functools import cached_property
from importlib import import_module
from pathlib import Path
from typing import Any, Protocol

from akkoord.i18n import _
from akkoord.projections.browse import ensure_browse_views
from akkoord.projections.views import (
    RETRACTIONS,
    VIEWS,
    Statement,
    View,
    code_fingerprint,
    fact_tables,
)

Progress = Callable[[int, int], None]
STORE_ANCHOR = "@store"
# Events per transaction: SQL does the work, so a batch can be large; progress shows per batch.
BATCH = 50_000
STORE_CACHE_KIB = 64 * 1024
VIEWS_CACHE_KIB = 64 * 1024
IN_LIST = 500
STAGED = "temp.staged_events"
# The (topic, position) of each event of a batch: the fills find their events by topic.
TOPICS = "temp.batch_topics"
# The views' statements as made from the code, kept in the user's cache (generated_statements),
# one file per version of the code: two versions in use side by side (two installs, a checkout
# beside an install) each keep theirs; one not read for a week is removed by the others.
STATEMENTS_FILE = "statements-"
STATEMENTS_KEPT_FOR = 7 * 24 * 3600  # seconds


class EventSource(Protocol):
    """Where the views read events from."""

    def head(self, views: sqlite3.Connection) -> int:
        """The position of the last event in the store (0 when empty)."""

    def anchor(self, views: sqlite3.Connection, position: int) -> str | None:
        """What identifies the event at that position (its aggregate and version)."""

    def events(self, views: sqlite3.Connection, after: int, upto: int) -> tuple[str, int]:
        """Makes the events ``after < position <= upto`` readable by the views' SQL.

        Returns the table (or view) to read them from, and the position of the last of them.
        """

    def states(self, views: sqlite3.Connection,
               positions: list[int]) -> dict[int, tuple[Any, bytes]]:
        """The dossier id (as stored) and plain JSON state of the events at those positions (for
        the log)."""

    def carrier(self, views: sqlite3.Connection, dossier: Any, version: int) -> bytes | None:
        """The plain JSON state of the dossier's event of that version (``dossier`` as
        ``states`` gives it): the carrier of the values its import's later events refer to."""


class SQLiteStore:
    """A SQLite store of plain JSON events, attached to the views' database read-only."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.attached_to: sqlite3.Connection | None = None

    def _attach(self, views: sqlite3.Connection) -> None:
        if self.attached_to is views:
            return
        uri = f"file:{self.path.resolve()}?mode=ro"
        views.execute("ATTACH DATABASE ? AS store", [uri])
        # Room for a batch of the store's pages: every fill of the batch reads them again.
        views.execute(f"PRAGMA store.cache_size = -{STORE_CACHE_KIB}")
        # The recorder stores the JSON as a BLOB; SQLite's JSON functions are given text.
        views.execute("CREATE TEMP VIEW IF NOT EXISTS store_events AS SELECT rowid AS position, "
                      "originator_id, topic, CAST(state AS TEXT) AS state "
                      "FROM store.stored_events")
        self.attached_to = views

    def head(self, views: sqlite3.Connection) -> int:
        self._attach(views)
        return views.execute("SELECT max(rowid) FROM store.stored_events").fetchone()[0] or 0

    def anchor(self, views: sqlite3.Connection, position: int) -> str | None:
        self._attach(views)
        row = views.execute("SELECT originator_id, originator_version, state "
                            "FROM store.stored_events WHERE rowid = ?", [position]).fetchone()
        return None if row is None else _anchor(*row)

    def events(self, views: sqlite3.Connection, after: int, upto: int) -> tuple[str, int]:
        self._attach(views)
        last = views.execute("SELECT max(rowid) FROM store.stored_events WHERE rowid > ? "
                             "AND rowid <= ?", [after, upto]).fetchone()[0]
        return "temp.store_events", last or after

    def states(self, views: sqlite3.Connection,
               positions: list[int]) -> dict[int, tuple[Any, bytes]]:
        self._attach(views)
        found: dict[int, tuple[Any, bytes]] = {}
        for start in range(0, len(positions), IN_LIST):
            chosen = positions[start:start + IN_LIST]
            found.update((position, (dossier, state)) for position, dossier, state in views.execute(
                "SELECT rowid, originator_id, state FROM store.stored_events WHERE rowid IN "
                f"({', '.join('?' * len(chosen))})", chosen))
        return found

    def carrier(self, views: sqlite3.Connection, dossier: Any, version: int) -> bytes | None:
        self._attach(views)
        row = views.execute("SELECT state FROM store.stored_events WHERE originator_id = ? AND "
                            "originator_version = ?", [dossier, version]).fetchone()
        return None if row is None else row[0]

    def holds_plain_json(self, views: sqlite3.Connection) -> bool:
        """Whether the views can read this store's events as they are stored.

        An encrypted or compressed store keeps bytes that are not JSON; a store written by
        another recorder may name its table otherwise. Either is read through the application.
        """
        try:
            self._attach(views)
            row = views.execute("SELECT json_valid(CAST(state AS TEXT)) FROM store.stored_events "
                                "ORDER BY rowid DESC LIMIT 1").fetchone()
        except sqlite3.Error:
            return False
        return row is None or bool(row[0])


class ApplicationStore:
    """Any store, read through the application's recorder and mapper, staged per batch."""

    def __init__(self, app: Any):
        self.app = app

    def head(self, views: sqlite3.Connection) -> int:
        return self.app.recorder.max_notification_id() or 0

    def anchor(self, views: sqlite3.Connection, position: int) -> str | None:
        found = self.app.recorder.select_notifications(start=position, limit=1, stop=position)
        if not found:
            return None
        return _anchor(found[0].originator_id, found[0].originator_version, found[0].state)

    def events(self, views: sqlite3.Connection, after: int, upto: int) -> tuple[str, int]:
        views.execute(f"CREATE TABLE IF NOT EXISTS {STAGED} (position INTEGER PRIMARY KEY, "
                      "originator_id TEXT, topic TEXT, state TEXT)")
        views.execute(f"DELETE FROM {STAGED}")
        notifications = self.app.recorder.select_notifications(
            start=after + 1, limit=upto - after, stop=upto)
        rows = [(notification.id, _aggregate(notification.originator_id), notification.topic,
                 self._plain(notification.state).decode("utf-8"))
                for notification in notifications]
        views.executemany(f"INSERT INTO {STAGED} VALUES (?, ?, ?, ?)", rows)
        return STAGED, notifications[-1].id if notifications else after

    def states(self, views: sqlite3.Connection,
               positions: list[int]) -> dict[int, tuple[Any, bytes]]:
        wanted, found = set(positions), {}
        for first, last in _runs(sorted(wanted)):
            for notification in self.app.recorder.select_notifications(
                    start=first, limit=last - first + 1, stop=last):
                if notification.id in wanted:
                    found[notification.id] = (notification.originator_id,
                                              self._plain(notification.state))
        return found

    def carrier(self, views: sqlite3.Connection, dossier: Any, version: int) -> bytes | None:
        found = self.app.stored_event_of(dossier, version)
        return None if found is None else self._plain(found.state)

    def _plain(self, state: bytes) -> bytes:
        mapper = self.app.mapper
        if mapper.cipher is not None:
            state = mapper.cipher.decrypt(state)
        if mapper.compressor is not None:
            state = mapper.compressor.decompress(state)
        return state


class ViewsRefused(Exception):
    """A views path that must not be used (not akkoord's views, the store itself, no folder):
    nothing at that path was changed."""


class ViewStore:
    """The read-model database of one event store.

    Given the store's cipher, the views are sealed: held in memory and written to ``path``
    only encrypted (projections/sealed.py). ``store`` is the event store's file, which the
    views must never be. ``own_place`` is the default place in the user's cache, which only
    akkoord writes: folders are made for it, and what it holds is taken for disposable views. A
    path the user named gets no folders, and a file there that is not views is refused.
    """

    def __init__(self, path: str | Path, cipher: Any = None, store: str | Path | None = None,
                 own_place: bool = False):
        self.path = Path(path)
        self.own_place = own_place
        self._refuse_unfit_path(store)
        try:
            if own_place:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.cipher = cipher
            self.source: EventSource | None = None  # where the views last read events from
            self.conn = self._open_sealed() if cipher is not None else self._open_plain()
            # Room for the pages a batch touches in large tables and their indexes (bounded).
            self.conn.execute(f"PRAGMA cache_size = -{VIEWS_CACHE_KIB}")
            self._changes_when_opened = self.conn.total_changes
            self._ensure_schema()
            ensure_browse_views(self.conn)  # SQL views for browsing (Datasette); survive a rebuild
        except (OSError, sqlite3.Error) as error:
            reason = getattr(error, "strerror", None) or error
            raise ViewsRefused(_("views {path!r} cannot be opened: {reason}")
                               .format(path=str(self.path), reason=reason)) from None

    def _refuse_unfit_path(self, store: str | Path | None) -> None:
        named = repr(str(self.path))
        if store is not None and (
            os.path.realpath(self.path) == os.path.realpath(store)
            or (self.path.exists() and Path(store).exists() and os.path.samefile(self.path, store))
        ):
            raise ViewsRefused(_("views {named} is the event store itself; name another file")
                               .format(named=named))
        if self.path.exists() and not self.path.is_file():
            raise ViewsRefused(_("views {named} is not a file").format(named=named))
        if not self.path.parent.is_dir() and not self.path.parent.exists():
            return  # made by the caller (the default place) or refused when opened
        if not self.own_place and self.path.is_file() and not _holds_views_or_nothing(self.path):
            raise ViewsRefused(_("views {named} holds something other than akkoord's views; it is"
                                 " left as it is: name another file with --views").format(named=named))

    def _open_plain(self) -> sqlite3.Connection:
        if self.path.is_file() and not _is_sqlite_file(self.path):
            self.path.unlink()  # sealed views of an earlier store here; views are disposable
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 60000")
        conn.execute("PRAGMA journal_mode = WAL")
        # Views are rebuilt from the store, so they need no sync at each commit; WAL with
        # NORMAL still never corrupts, and a lost commit is caught up again.
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _open_sealed(self) -> sqlite3.Connection:
        from akkoord.projections.sealed import open_sealed

        conn = open_sealed(self.path, self.cipher, disposable=self.own_place)
        conn.isolation_level = None  # transactions are begun explicitly, as for plain views
        return conn

    @cached_property
    def db(self) -> Any:
        """The views' database as sqlite-utils sees it (tables are made with it)."""
        from akkoord.projections import sqlite_utils

        return sqlite_utils().Database(self.conn)

    def queries(self) -> Any:
        """Answers from these views; the log reads its events from where the views last did."""
        from akkoord.projections.queries import Queries

        source = self.source
        if source is None:
            return Queries(self.conn)

        def states(positions: list[int]) -> dict[int, dict[str, Any]]:
            from akkoord.projections.records import stored_states

            return stored_states(source.states(self.conn, positions),
                                 lambda dossier, version: source.carrier(self.conn, dossier,
                                                                         version))

        return Queries(self.conn, states)

    def close(self) -> None:
        if self.cipher is not None and self.conn.total_changes != self._changes_when_opened:
            from akkoord.projections.sealed import seal

            seal(self.conn, self.path, self.cipher)
        self.conn.close()

    # -- schema -------------------------------------------------------------------------------

    def _ensure_schema(self, with_indexes: bool = True) -> None:
        """Creates what is missing; opening views that are in order costs two queries."""
        present = {row[0] for row in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")}
        versions = {}
        if "tracking" in present:
            versions = dict(self.conn.execute("SELECT view, version FROM tracking").fetchall())
        if all(versions.get(view.name) == view.version
               and set(view.tables) | set(view.lookups) <= present
               and (not with_indexes or set(_index_names(view)) <= present)
               for view in VIEWS):
            return
        db = self.db
        if "tracking" not in present:
            db["tracking"].create(
                {"view": str, "version": int, "position": int, "anchor": str}, pk="view")
        for view in VIEWS:
            if versions.get(view.name) not in (None, view.version):
                self._drop(view)
            self._create(view, with_indexes)

    def _create(self, view: View, with_indexes: bool) -> None:
        db = self.db
        existing = set(db.table_names())
        for table, columns in view.tables.items():
            if table not in existing:
                key = view.key(table)
                db[table].create(columns, pk=key[0] if len(key) == 1 else key)
        for statement in view.lookups.values():
            self.conn.execute(statement)
        if with_indexes:
            self._create_indexes(view)
        self.conn.execute(
            "INSERT OR IGNORE INTO tracking (view, version, position) VALUES (?, ?, 0)",
            [view.name, view.version],
        )

    def _create_indexes(self, view: View) -> None:
        for table, columns in view.indexes:
            self.db[table].create_index(columns, if_not_exists=True)

    def _drop(self, view: View) -> None:
        for table in view.tables:
            self.conn.execute(f"DROP TABLE IF EXISTS [{table}]")
        self.conn.execute("DELETE FROM tracking WHERE view = ?", [view.name])

    def _source(self, source: Any) -> EventSource:
        self.source = source if hasattr(source, "head") else ApplicationStore(source)
        return self.source

    def rebuild(self, source: Any, progress: Progress | None = None) -> int:
        """Drops every view and reads all events again; returns the position reached.

        All of it is one transaction: a reader beside it sees the old views until the new ones
        are complete, never a half-built one. The indexes that only answer queries are made
        after the rows are in: building an index once is cheaper than keeping it up to date
        row by row.
        """
        source = self._source(source)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for view in VIEWS:
                self._drop(view)
            self.conn.execute("DELETE FROM tracking")
            self._ensure_schema(with_indexes=False)
            position = self._catch_up_batches(source, progress, own_transactions=False)
            for view in VIEWS:
                self._create_indexes(view)
            # derived views read the others through their query indexes, made just now
            self._derive(position, position, [], at_head=True)
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()
        return position

    # -- catching up ----------------------------------------------------------------------------

    def positions(self) -> dict[str, int]:
        return {view: position for view, position in self.conn.execute(
            "SELECT view, position FROM tracking WHERE view != ?", [STORE_ANCHOR])}

    def position(self) -> int:
        """The position every view has reached."""
        return min(self.positions().values(), default=0)

    def catch_up(self, source: Any, progress: Progress | None = None) -> int:
        """Processes the events recorded since each view's position; returns the new position.

        ``source`` is an EventSource, or an application (read through its recorder).
        """
        source = self._source(source)
        if not self._anchor_holds(source):
            return self.rebuild(source, progress)
        return self._catch_up_batches(source, progress, own_transactions=True)

    def _catch_up_batches(self, source: EventSource, progress: Progress | None,
                          own_transactions: bool) -> int:
        """Batch after batch up to the store's head, each in a transaction of its own unless
        the caller holds one (a rebuild)."""
        start = self.position()
        if own_transactions and source.head(self.conn) <= start:
            # In step already: no write lock is asked for, so readers beside a long rebuild
            # (which holds it) read the views as they stand instead of waiting for it.
            return start
        while True:
            if own_transactions:
                self.conn.execute("BEGIN IMMEDIATE")
            try:
                done, head = self._catch_up_batch(source, derive_at_head=own_transactions)
            except BaseException:
                if own_transactions:
                    self.conn.rollback()
                raise
            if own_transactions:
                self.conn.commit()
            if done is None:
                break
            if progress is not None:
                progress(done - start, max(head - start, done - start))
        return self.position()

    def _anchor_holds(self, source: EventSource) -> bool:
        """Whether the store still holds the event the views last processed.

        Views live apart from the store; if the store was replaced (a new file at the same
        path), they must be rebuilt rather than trusted.
        """
        row = self.conn.execute(
            "SELECT position, anchor FROM tracking WHERE view = ?", [STORE_ANCHOR]
        ).fetchone()
        if row is None or not row[0]:
            return not any(position for position in self.positions().values())
        return source.anchor(self.conn, row[0]) == row[1]

    def _catch_up_batch(self, source: EventSource,
                        derive_at_head: bool = True) -> tuple[int | None, int]:
        tracked = self.positions()
        after = min(tracked.values())
        head = source.head(self.conn)
        if head <= after:
            return None, head
        events, upto = source.events(self.conn, after, min(head, after + BATCH))
        if upto <= after:
            return None, head
        self.conn.execute(f"CREATE TABLE IF NOT EXISTS {TOPICS} (topic TEXT, position INTEGER, "
                          "PRIMARY KEY (topic, position)) WITHOUT ROWID")
        self.conn.execute(f"DELETE FROM {TOPICS}")
        self.conn.execute(f"INSERT INTO {TOPICS} SELECT topic, position FROM {events} "
                          "WHERE position > ? AND position <= ?", [after, upto])
        # Only the statements that read events of the types in the batch: a batch of one
        # event runs the log's and that type's.
        present = {topic for (topic,) in self.conn.execute(f"SELECT DISTINCT topic FROM {TOPICS}")}
        generated = generated_statements()
        for view in VIEWS:
            if tracked[view.name] < upto:
                for topics, statement in generated[view.name]:
                    if topics is None or not present.isdisjoint(topics):
                        self.conn.execute(statement.format(events=events, topics=TOPICS),
                                          {"after": tracked[view.name], "upto": upto})
        ((topics, statement),) = generated[RETRACTIONS]
        retracted = []
        if not present.isdisjoint(topics):
            retracted = self._retract(statement.format(events=events, topics=TOPICS), after,
                                      upto, tracked)
        self._derive(tracked, upto, retracted, at_head=derive_at_head and upto >= head)
        self.conn.execute("UPDATE tracking SET position = ? WHERE view != ? AND position < ?",
                          [upto, STORE_ANCHOR, upto])
        self.conn.execute(
            "INSERT OR REPLACE INTO tracking (view, version, position, anchor) VALUES (?, 0, ?, ?)",
            [STORE_ANCHOR, upto, source.anchor(self.conn, upto)],
        )
        return upto, head

    def _derive(self, tracked: dict[str, int] | int, upto: int, retracted: list[int],
                at_head: bool) -> None:
        """Brings the derived views from where each was (``tracked``) to ``upto``."""
        for view in VIEWS:
            after = tracked if isinstance(tracked, int) else tracked[view.name]
            if view.derived_by is not None and (after < upto or at_head):
                import_module(view.derived_by).catch_up(self.conn, after, upto, retracted,
                                                        at_head)

    def _retract(self, statement: str, after: int, upto: int,
                 tracked: dict[str, int]) -> list[int]:
        """Marks the facts of each retracted event with the position of its retraction; returns
        the positions of the events retracted."""
        retractions = self.conn.execute(statement, {"after": after, "upto": upto}).fetchall()
        retracted = []
        for position, negotiation, ref, retracted_position in retractions:
            if retracted_position is not None:
                found = (retracted_position,)
            else:
                # A ref is free again once its event is retracted: the latest holder is meant.
                found = self.conn.execute(
                    "SELECT position FROM log WHERE negotiation = ? AND ref = ? AND position < ? "
                    "ORDER BY position DESC LIMIT 1", [negotiation, ref, position]).fetchone()
            if found is None:  # pragma: no cover - the domain refuses unknown refs
                continue
            retracted.append(found[0])
            for view in VIEWS:
                if tracked[view.name] < position:
                    for table in fact_tables(view):
                        self.conn.execute(
                            f"UPDATE [{table}] SET retracted_at = ? WHERE position = ?",
                            [position, found[0]],
                        )
        return retracted


def _runs(positions: list[int], gap: int = 100) -> list[tuple[int, int]]:
    """Sorted positions as (first, last) runs, read with one query each."""
    runs: list[tuple[int, int]] = []
    for position in positions:
        if runs and position - runs[-1][1] <= gap:
            runs[-1] = (runs[-1][0], position)
        else:
            runs.append((position, position))
    return runs


def _aggregate(originator_id: Any) -> str:
    """An aggregate id as the SQLite recorder stores it (UUID hex)."""
    return getattr(originator_id, "hex", None) or str(originator_id)


def _anchor(originator_id: Any, originator_version: int, state: bytes) -> str:
    # The stored bytes tell two stores apart even where a dossier and its versions coincide.
    digest = hashlib.sha256(state).hexdigest()[:16]
    return f"{_aggregate(originator_id)}:{originator_version}:{digest}"


def _index_names(view: View) -> list[str]:
    """The names sqlite-utils gives the view's indexes."""
    return [f"idx_{table}_{'_'.join(columns)}" for table, columns in view.indexes]


def _holds_views_or_nothing(path: Path) -> bool:
    """Whether a file is empty, akkoord's views (plain or sealed), or a SQLite file without tables."""
    from akkoord.projections.sealed import is_sealed

    if not _is_sqlite_file(path):
        return is_sealed(path)
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return not names or "tracking" in names


def _is_sqlite_file(path: Path) -> bool:
    with path.open("rb") as file:
        header = file.read(16)
    return not header or header == b"SQLite format 3\x00"


def cache_folder() -> Path:
    """akkoord's folder in the user's cache."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "akkoord"


def default_views_path(store_target: str) -> Path:
    """Where the views of a store live when the user names no place: the user's cache."""
    if "://" not in store_target:
        store_target = str(Path(store_target).resolve())
    digest = hashlib.sha256(store_target.encode()).hexdigest()[:20]
    return cache_folder() / f"views-{digest}.sqlite"


# The statements made or read in this process, by the file that keeps them.
_GENERATED: dict[Path | None, dict[str, list[Statement]]] = {}


def generated_statements() -> dict[str, list[Statement]]:
    """The views' statements (``views.generated_statements``), kept in the user's cache.

    Making them imports the domain and reads the declared types of every event class, which
    costs more than catching up a few events or rebuilding a small dossier. What they are made
    from is read as it is (``views.code_fingerprint``), so a file kept for that code serves every
    process and every store after the first; other code makes and keeps its own. A cache that
    cannot be read or written is passed by: the statements are then made in each process.
    """
    fingerprint = code_fingerprint()
    path = None
    if fingerprint is not None:
        try:
            path = cache_folder() / f"{STATEMENTS_FILE}{fingerprint[:32]}.json"
        except RuntimeError:  # no home folder
            pass
    found = _GENERATED.get(path)
    if found is not None:
        return found
    if path is not None:
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
            if kept["fingerprint"] == fingerprint and set(kept["statements"]) == {
                    *(view.name for view in VIEWS), RETRACTIONS}:
                if path.stat().st_mtime < time.time() - STATEMENTS_KEPT_FOR / 2:
                    with contextlib.suppress(OSError):  # still read: not to be pruned
                        os.utime(path)
                found = {view: [(None if topics is None else tuple(topics), sql)
                                for topics, sql in statements]
                         for view, statements in kept["statements"].items()}
        except (OSError, ValueError, KeyError, TypeError):
            pass  # none kept, or not readable: made below
    if found is None:
        from akkoord.projections import views

        found = next(iter(_GENERATED.values()), None) or views.generated_statements()
        if path is not None:
            _keep_statements(path, {"fingerprint": fingerprint, "statements": found})
    _GENERATED[path] = found
    return found


def _keep_statements(path: Path, kept: dict[str, Any]) -> None:
    """Writes the file whole or not at all (a reader beside it sees the old one or the new),
    and removes those of other code that no process has read for a while."""
    scratch = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # only when statements are kept anew: reading views needs none

        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                         prefix=f".{path.name}.", suffix=".new") as stream:
            scratch = Path(stream.name)
            json.dump(kept, stream)
        os.replace(scratch, path)
        stale = time.time() - STATEMENTS_KEPT_FOR
        for other in path.parent.glob(f"{STATEMENTS_FILE}*.json"):
            if other != path and other.stat().st_mtime < stale:
                other.unlink(missing_ok=True)
    except OSError:  # no cache: the next process makes them again
        if scratch is not None:
            scratch.unlink(missing_ok=True)
