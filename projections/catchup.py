"""Keeps the read models in step with the event store.

The SQLite recorder offers no subscription, so views catch up by reading the notification log
after the position each view has recorded. A batch of rows and the new positions are written in
one transaction (``BEGIN IMMEDIATE``, so two processes never both apply the same batch).
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from domain.negotiation import Negotiation
from projections.views import BATCH, VIEWS, Row, View

Progress = Callable[[int, int], None]
STORE_ANCHOR = "@store"


class ViewStore:
    """The read-model database of one event store.

    Given the store's cipher, the views are sealed: held in memory and written to ``path``
    only encrypted (projections/sealed.py).
    """

    def __init__(self, path: str | Path, cipher: Any = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.cipher = cipher
        self.db = self._open_sealed() if cipher is not None else self._open_plain()
        self._changes_when_opened = self.db.conn.total_changes
        self._ensure_schema()

    def _open_plain(self) -> sqlite_utils.Database:
        if self.path.is_file() and not _is_sqlite_file(self.path):
            self.path.unlink()  # sealed views of an earlier store here; views are disposable
        db = sqlite_utils.Database(self.path)
        db.execute("PRAGMA busy_timeout = 60000")
        db.execute("PRAGMA journal_mode = WAL")
        return db

    def _open_sealed(self) -> sqlite_utils.Database:
        from projections.sealed import open_sealed

        return sqlite_utils.Database(open_sealed(self.path, self.cipher))

    def close(self) -> None:
        if self.cipher is not None and self.db.conn.total_changes != self._changes_when_opened:
            from projections.sealed import seal

            seal(self.db.conn, self.path, self.cipher)
        self.db.close()

    # -- schema -------------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        if "tracking" not in self.db.table_names():
            self.db["tracking"].create(
                {"view": str, "version": int, "position": int, "anchor": str}, pk="view"
            )
        versions = {row["view"]: row["version"] for row in self.db["tracking"].rows}
        for view in VIEWS:
            if versions.get(view.name) not in (None, view.version):
                self._drop(view)
            self._create(view)

    def _create(self, view: View) -> None:
        existing = set(self.db.table_names())
        for table, columns in view.tables.items():
            if table not in existing:
                self.db[table].create(columns)
        for table, columns in view.indexes:
            self.db[table].create_index(columns, if_not_exists=True)
        self.db.execute(
            "INSERT OR IGNORE INTO tracking (view, version, position) VALUES (?, ?, 0)",
            [view.name, view.version],
        )
        self.db.conn.commit()

    def _drop(self, view: View) -> None:
        for table in view.tables:
            self.db[table].drop(ignore=True)
        self.db.execute("DELETE FROM tracking WHERE view = ?", [view.name])
        self.db.conn.commit()

    def rebuild(self, app: Any, progress: Progress | None = None) -> int:
        """Drops every view and reads all events again; returns the position reached."""
        for view in VIEWS:
            self._drop(view)
        self.db.execute("DELETE FROM tracking")
        self.db.conn.commit()
        self._ensure_schema()
        return self.catch_up(app, progress)

    # -- catching up ----------------------------------------------------------------------------

    def positions(self) -> dict[str, int]:
        return {row["view"]: row["position"] for row in self.db["tracking"].rows}

    def position(self) -> int:
        """The position every view has reached."""
        return min(self.positions().values())

    def catch_up(self, app: Any, progress: Progress | None = None) -> int:
        """Processes the events recorded since each view's position; returns the new position."""
        if not self._anchor_holds(app):
            return self.rebuild(app, progress)
        head = app.recorder.max_notification_id() or 0
        start = self.position()
        while True:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                done = self._catch_up_batch(app)
            except BaseException:
                self.db.conn.rollback()
                raise
            self.db.conn.commit()
            if done is None:
                break
            if progress is not None:
                progress(done - start, max(head - start, done - start))
        return self.position()

    def _anchor_holds(self, app: Any) -> bool:
        """Whether the store still holds the event the views last processed.

        Views live apart from the store; if the store was replaced (a new file at the same
        path), they must be rebuilt rather than trusted.
        """
        row = self.db.execute(
            "SELECT position, anchor FROM tracking WHERE view = ?", [STORE_ANCHOR]
        ).fetchone()
        if row is None or not row[0]:
            return not any(position for position in self.positions().values())
        found = app.recorder.select_notifications(start=row[0], limit=1, stop=row[0])
        return bool(found) and _anchor(found[0]) == row[1]

    def _catch_up_batch(self, app: Any) -> int | None:
        tracked = {
            row[0]: row[1]
            for row in self.db.execute("SELECT view, position FROM tracking").fetchall()
            if row[0] != STORE_ANCHOR
        }
        start = min(tracked.values())
        notifications = app.recorder.select_notifications(start=start + 1, limit=BATCH)
        if not notifications:
            return None
        behind = [view for view in VIEWS]
        negotiations = self._negotiations()
        pending: dict[str, list[Row]] = defaultdict(list)
        for notification in notifications:
            event = app.mapper.to_domain_event(notification)
            if isinstance(event, Negotiation.Opened):
                negotiations[str(event.originator_id)] = event.negotiation
            base = {
                "negotiation": negotiations[str(event.originator_id)],
                "position": notification.id,
                "date": event.date.isoformat(),
                "retracted_at": None,
            }
            if isinstance(event, Negotiation.EventRetracted):
                self._flush(pending)
                self._retract(event, base, [v for v in behind if tracked[v.name] < notification.id])
            for view in behind:
                if tracked[view.name] >= notification.id:
                    continue
                handler = view.handlers.get(event.TYPE)
                if handler is not None:
                    for table, row in handler(event, base):
                        pending[table].append(row)
        self._flush(pending)
        last = notifications[-1]
        for view in behind:
            self.db.execute(
                "UPDATE tracking SET position = ? WHERE view = ? AND position < ?",
                [last.id, view.name, last.id],
            )
        self.db.execute(
            "INSERT OR REPLACE INTO tracking (view, version, position, anchor) VALUES (?, 0, ?, ?)",
            [STORE_ANCHOR, last.id, _anchor(last)],
        )
        return last.id

    def _negotiations(self) -> dict[str, str]:
        return {
            row[0]: row[1]
            for row in self.db.execute("SELECT aggregate_id, negotiation FROM dossiers").fetchall()
        }

    def _flush(self, pending: dict[str, list[Row]]) -> None:
        for table, rows in pending.items():
            if rows:
                self.db[table].insert_all(rows, batch_size=500)
        pending.clear()

    def _retract(self, event: Negotiation.EventRetracted, base: Row, views: list[View]) -> None:
        found = self.db.execute(
            "SELECT position FROM log WHERE negotiation = ? AND ref = ? AND position < ?",
            [base["negotiation"], event.retracts, base["position"]],
        ).fetchone()
        if found is None:  # pragma: no cover - the domain refuses unknown refs
            return
        for view in views:
            for table, columns in view.tables.items():
                if "retracted_at" in columns:
                    self.db.execute(
                        f"UPDATE [{table}] SET retracted_at = ? WHERE position = ?",
                        [base["position"], found[0]],
                    )


def _is_sqlite_file(path: Path) -> bool:
    with path.open("rb") as file:
        header = file.read(16)
    return not header or header == b"SQLite format 3\x00"


def _anchor(notification: Any) -> str:
    # The stored bytes tell two stores apart even where a dossier and its versions coincide.
    digest = hashlib.sha256(notification.state).hexdigest()[:16]
    return f"{notification.originator_id}:{notification.originator_version}:{digest}"


def default_views_path(store_target: str) -> Path:
    """Where the views of a store live when the user names no place: the user's cache."""
    if "://" not in store_target:
        store_target = str(Path(store_target).resolve())
    digest = hashlib.sha256(store_target.encode()).hexdigest()[:20]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "akkoord" / f"views-{digest}.sqlite"
