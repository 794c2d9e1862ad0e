"""A large import's rows inserted by a second process, while this one decides the next events.

An import spends most of each event in Python (reading it, the dossier's rules, its encoding) and
about a fifth in SQLite and the hash chain (inserting its row and its chain row). On a machine of
two or more cores the second part need not wait for the first. Once a batch has more than
``BESIDE_FROM`` events, a writer process is started (a fresh interpreter: a forked one would
inherit SQLite's state of this process's connections, which SQLite forbids using); this process
goes on deciding meanwhile. A batch expected to be large (a large file) has its writer started by the recorder as
the deciding begins, so that the writer's start-up overlaps the deciding. When the writer is
ready, it takes the store's write lock and inserts the rows and their chain as they are decided,
in one transaction, with the recorder's own insert (``_insert_events``, so what is stored is byte
for byte what one process stores). It commits only once it is told that the last event is decided
and is given the snapshot due after them. A refusal or an interrupt here, or the end of this
process, ends the pipe before that word, and the writer rolls back. A batch that ends before the
writer is ready, or a writer that cannot start, is inserted here as before.

The write lock passes from this process to the writer: this process held it while it loaded the
dossier and decided the first events, and lets it go just before the writer takes it. Should
another writer store anything in between (the writer finds the store's last position moved),
nothing is stored and the batch is decided again on the new state, as after a lost race.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import select
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from akkoord.store.chain import ROWS_PER_STATEMENT

# A batch of no more events is inserted here (a writer's start-up would cost more).
BESIDE_FROM = 1000
# Rows sent to the writer in one message: those it inserts by one statement.
PAGE = ROWS_PER_STATEMENT
# Decided events between two looks at whether the writer is ready, and how long a look waits
# (seconds: 0, so deciding never waits for the writer; the tests wait, to write beside always).
READY_LOOK_EVERY = 100
READY_WAIT = 0.0
# How much the pipe of rows may hold unread (``_widen``).
PIPE_BYTES = 1 << 20


class Row(NamedTuple):
    """A stored event as the recorder's insert reads it (the writer's copy of one)."""

    originator_id: Any
    originator_version: int
    topic: str
    state: bytes


def can_write_beside(recorder: Any) -> bool:
    """Whether a writer process can insert for this recorder: a store in a file (one in memory
    is this process's alone), and an interpreter to start it with."""
    return bool(sys.executable) and not recorder.datastore.pool.is_sqlite_memory_mode


def insert(recorder: Any, connection: Any, stored_events: Iterable[Any],
           insert_here: Callable[[Iterable[Any]], list[int]],
           snapshot: Callable[[], Any] | None, writer: Writer | None = None) -> list[int]:
    """Inserts the events (decided as they are iterated) and the snapshot due after them,
    beside this process if the batch is large, else by ``insert_here``; returns their
    positions. ``connection`` is the writer's connection of this process, in the write
    transaction begun before the dossier was loaded. ``writer``: one started before the batch
    was decided, because it was expected to be large (it is ended here in any case)."""
    events = iter(stored_events)
    decided = []
    if writer is None:
        for event in events:
            decided.append(event)
            if len(decided) > BESIDE_FROM:
                break
        else:
            return insert_here(decided)
        writer = Writer.start(recorder)
        if writer is None:
            return insert_here(itertools.chain(decided, events))
    with writer:
        for event in events:
            decided.append(event)
            if len(decided) % READY_LOOK_EVERY == 0 and writer.is_ready():
                break
        else:  # the batch ended before the writer was ready
            writer.cancel()
            return insert_here(decided)
        head = recorder._max_notification_id(connection.cursor()) or 0
        connection.rollback()  # the lock passes to the writer
        return writer.write(head, itertools.chain(decided, events), snapshot)


def _widen(pipe: int) -> None:
    """Lets the pipe hold a few pages of rows (Linux allows 1 MiB unprivileged), not 64 KiB: a
    page is some 500 KiB, and while the writer inserts one page, this process, writing the
    next, would wait for it at every 64 KiB instead of deciding on."""
    with contextlib.suppress(AttributeError, OSError):  # another system: its own size
        import fcntl

        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, PIPE_BYTES)


class Writer:
    """The writer process, seen from here: its pipes and what it said."""

    def __init__(self, process: subprocess.Popen[bytes], rows: Any, replies: Any):
        self.process, self.rows, self.replies = process, rows, replies
        self.ready = False
        self.ended = False  # it exited, or said it cannot write

    @classmethod
    def start(cls, recorder: Any) -> Writer | None:
        snapshots = recorder.snapshot_recorder
        config = {"db": recorder.datastore.pool.db_name,
                  "lock_timeout": recorder.datastore.pool.lock_timeout,
                  "events": recorder.events_table_name,
                  "snapshots": snapshots.events_table_name if snapshots is not None else None,
                  "private": recorder.private}
        rows_read, rows_written = os.pipe()
        _widen(rows_written)
        replies_read, replies_written = os.pipe()
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "akkoord.store.beside", str(rows_read),
                 str(replies_written), repr(config)],
                pass_fds=(rows_read, replies_written), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            os.close(rows_written)
            os.close(replies_read)
            return None
        finally:  # the writer's ends of the pipes are its own
            os.close(rows_read)
            os.close(replies_written)
        return cls(process, open(rows_written, "wb"), open(replies_read, "rb"))  # noqa: SIM115

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.cancel()

    def is_ready(self) -> bool:
        """Whether the writer said it is ready (looked at without waiting)."""
        if (not self.ready and not self.ended
                and select.select([self.replies], [], [], READY_WAIT)[0]):
            reply = self._reply()
            self.ready = reply == ("ready",)
            self.ended = not self.ready
        return self.ready

    def write(self, head: int, stored_events: Iterable[Any],
              snapshot: Callable[[], Any] | None) -> list[int]:
        try:
            self._send(("go", head))
            page: list[tuple[Any, ...]] = []
            for event in stored_events:
                page.append((event.originator_id, event.originator_version, event.topic,
                             event.state))
                if len(page) >= PAGE:
                    self._send(("rows", page))
                    page = []
            if page:
                self._send(("rows", page))
            self._send(("end", snapshot() if snapshot is not None else None))
            self.rows.close()
        except BrokenPipeError:
            pass  # the writer stopped: its reply says why
        return self._positions(self._reply())

    def _send(self, message: tuple[Any, ...]) -> None:
        pickle.dump(message, self.rows, pickle.HIGHEST_PROTOCOL)

    def _reply(self) -> tuple[Any, ...] | None:
        try:
            reply = pickle.load(self.replies)
        except (EOFError, OSError, pickle.UnpicklingError):
            return None
        return reply if isinstance(reply, tuple) else None

    def _positions(self, reply: tuple[Any, ...] | None) -> list[int]:
        from eventsourcing.persistence import IntegrityError, OperationalError, PersistenceError

        from akkoord.i18n import _
        from akkoord.store.chain import ChainError

        if reply is not None and reply[0] == "stored":
            first, count = reply[1], reply[2]
            return list(range(first, first + count))
        if reply is None or reply[0] != "error":
            raise PersistenceError(_("the process writing the events stopped before it "
                                     "committed them"))
        kind, message = reply[1], reply[2]
        if kind == "raced":  # decided again on the new state (``Akkoord.record``)
            raise IntegrityError(_("another writer stored events first"))
        raised = {"OperationalError": OperationalError, "IntegrityError": IntegrityError,
                  "ChainError": ChainError}.get(kind, PersistenceError)
        raise raised(message)

    def cancel(self) -> None:
        """Ends the pipe and the writer: whatever it inserted is rolled back (it commits only
        after the last message, and a writer killed before its commit leaves nothing)."""
        for stream in (self.rows, self.replies):
            with contextlib.suppress(OSError):
                stream.close()
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.kill()
        self.process.wait()


# -- the writer process ---------------------------------------------------------------------


def main(argv: list[str]) -> int:
    """The writer: says it is ready, inserts what the pipe brings, commits at its end and
    replies with the positions stored (or the store's refusal)."""
    # Only the importing process decides when to stop, by ending the pipe: Ctrl-C, which goes
    # to the whole process group, is for it alone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import ast
    import sqlite3

    with open(int(argv[1]), "rb") as rows, open(int(argv[2]), "wb") as replies:
        recorder = _recorder(ast.literal_eval(argv[3]))
        _say(replies, ("ready",))
        try:
            go = pickle.load(rows)
        except EOFError:
            return 0  # cancelled before it began
        from akkoord.store.chain import ChainError

        try:
            reply: tuple[Any, ...] = ("stored", *_insert(recorder, go[1], rows))
        except _Abandoned:
            return 0  # the pipe ended before its last message: nothing is committed
        except _Raced:
            reply = ("error", "raced", "")
        except ChainError as error:
            reply = ("error", "ChainError", str(error))
        except sqlite3.Error as error:
            reply = ("error", type(error).__name__, str(error))
        _say(replies, reply)
    return 0


def _say(replies: Any, message: tuple[Any, ...]) -> None:
    pickle.dump(message, replies, pickle.HIGHEST_PROTOCOL)
    replies.flush()


def _recorder(config: dict[str, Any]) -> Any:
    """The importing process's recorder, made again here from its settings."""
    from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteDatastore

    from akkoord.store.sqlite import ChainedSQLiteRecorder

    datastore = SQLiteDatastore(config["db"], lock_timeout=config["lock_timeout"])
    recorder = ChainedSQLiteRecorder(datastore, events_table_name=config["events"])
    recorder.private = config["private"]
    if config["snapshots"] is not None:
        recorder.snapshot_recorder = SQLiteAggregateRecorder(datastore, config["snapshots"])
    return recorder


class _Abandoned(Exception):
    """The pipe ended before its last message."""


class _Raced(Exception):
    """Another writer stored events between the importing process's lock and this one's."""


def _insert(recorder: Any, head: int, rows: Any) -> tuple[int, int]:
    connection = recorder.datastore.pool.get_connection(is_writer=True)
    cursor = connection.cursor()
    recorder.begin_writing(cursor)
    try:
        if (recorder._max_notification_id(cursor) or 0) != head:
            raise _Raced
        end: list[Any] = []
        positions = recorder._insert_events(cursor, _received(rows, end),
                                            snapshot=lambda: end[0])
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    return (positions[0], len(positions)) if positions else (head + 1, 0)


def _received(rows: Any, end: list[Any]) -> Iterator[Row]:
    """The rows of the pipe's messages; the snapshot of its last one is put in ``end``."""
    while True:
        try:
            kind, content = pickle.load(rows)
        except (EOFError, OSError, pickle.UnpicklingError):
            raise _Abandoned from None
        if kind == "end":
            end.append(content)
            return
        for row in content:
            yield Row(*row)


if __name__ == "__main__":
    # The reply is given and the transaction committed or rolled back: the interpreter's
    # teardown would only keep the importing process waiting for this one to end.
    os._exit(main(sys.argv))
