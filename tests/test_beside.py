"""A large import's rows inserted by a second process (``store.beside``): the same bytes as one
process stores, and nothing stored when the import stops, is refused or loses a race."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import REPO, basic_dossier, count_events, opening, party, write_log

from akkoord.application.service import STREAM_CHUNK
from akkoord.store import beside
from akkoord.store import sqlite as sqlite_store

# Past the first chunk the application decides before it inserts anything, and past a page
# more, so that a writer is started and has begun when a late event is refused.
PARTIES = STREAM_CHUNK + 2 * beside.BESIDE_FROM + 500


def parties(count: int = PARTIES, first: int = 0) -> list[dict]:
    return [party(f"P{i}") for i in range(first, first + count)]


@pytest.fixture
def written_beside(monkeypatch):
    """Every batch past a page waits for its writer (deciding would not wait), and the writers
    are counted."""
    monkeypatch.setattr(beside, "READY_WAIT", 60.0)
    written = []
    original = beside.Writer.write

    def counted(self, *args, **kwargs):
        written.append(self.process.pid)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(beside.Writer, "write", counted)
    return written


def stored(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as connection:
        return {table: connection.execute(f"SELECT {columns} FROM {table} ORDER BY 1, 2").fetchall()
                for table, columns in (("stored_events", "rowid, *"), ("stored_events_chain", "*"),
                                       ("stored_events_seals", "*"), ("stored_snapshots", "*"))}


def test_a_batch_written_beside_is_stored_byte_for_byte_as_one_process_stores_it(
        akkoord, tmp_path, monkeypatch, written_beside):
    import eventsourcing.domain

    moment = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", lambda: moment)
    log = write_log(tmp_path, [opening(), *parties()])
    assert akkoord("--db", tmp_path / "beside.db", "import", log).status == 0
    assert len(written_beside) == 1
    monkeypatch.setattr(sqlite_store, "can_write_beside", lambda recorder: False)
    assert akkoord("--db", tmp_path / "here.db", "import", log).status == 0
    assert len(written_beside) == 1
    beside_rows, here_rows = stored(tmp_path / "beside.db"), stored(tmp_path / "here.db")
    assert len(beside_rows["stored_events"]) == PARTIES + 1
    assert beside_rows["stored_snapshots"], "a snapshot is due after the batch"
    assert beside_rows == here_rows
    result = akkoord("--db", tmp_path / "beside.db", "verify")
    assert result.status == 0, result.err


@pytest.fixture
def writers_started(monkeypatch):
    """The writer processes started, each after how many entries were decided."""
    from akkoord.application.service import Akkoord

    decided, started = [0], []
    original_start, original_decide = beside.Writer.start.__func__, Akkoord._decide

    def start(cls, recorder):
        writer = original_start(cls, recorder)
        started.append((decided[0], writer))
        return writer

    def decide(self, *args, **kwargs):
        decided[0] += 1
        return original_decide(self, *args, **kwargs)

    monkeypatch.setattr(beside.Writer, "start", classmethod(start))
    monkeypatch.setattr(Akkoord, "_decide", decide)
    return started


def test_a_large_file_has_its_writer_started_before_its_first_event_is_decided(
        akkoord, store, tmp_path, written_beside, writers_started):
    # so that the writer's start-up overlaps the deciding, instead of waiting for the first page
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    assert writers_started == []  # a small file is stored here, without a writer
    result = akkoord("--db", store, "import", write_log(tmp_path, parties(), name="more.json"))
    assert result.status == 0, result.err
    # entries decided when it started: the first file's, none of this one's
    assert [(decided, writer.process.pid) for decided, writer in writers_started] == [
        (len(basic_dossier()), written_beside[0])]
    assert count_events(store) == 5 + PARTIES


def test_the_pipe_to_the_writer_holds_a_page_of_rows(akkoord, store, tmp_path, monkeypatch,
                                                      written_beside):
    # else this process waits for the writer at every 64 KiB of a page, instead of deciding on
    import fcntl

    sizes = []
    original = beside.Writer.write

    def measured(self, *args, **kwargs):
        sizes.append(fcntl.fcntl(self.rows.fileno(), fcntl.F_GETPIPE_SZ))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(beside.Writer, "write", measured)
    assert akkoord("--db", store, "import", write_log(tmp_path, [opening(), *parties()])
                   ).status == 0
    assert sizes == [beside.PIPE_BYTES]
    assert beside.PIPE_BYTES > 500 * beside.PAGE  # a page's rows, some 500 bytes each


def test_a_writer_started_for_a_file_refused_early_is_ended(akkoord, store, tmp_path,
                                                            writers_started):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    refused = [party("X", member_of="nobody"), *parties()]
    result = akkoord("--db", store, "import", write_log(tmp_path, refused, name="more.json"))
    assert result.status == 2 and "events[0]" in result.err, result.err
    [(_decided, writer)] = writers_started
    assert writer.process.poll() is not None, "the writer process is ended"
    assert count_events(store) == 5
    assert akkoord("--db", store, "import", write_log(tmp_path, parties(3), name="few.json")
                   ).status == 0


def test_a_refusal_after_the_writer_began_stores_nothing(akkoord, store, tmp_path,
                                                         written_beside):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    refused = [*parties(), party("X", member_of="nobody")]
    result = akkoord("--db", store, "import", write_log(tmp_path, refused, name="more.json"))
    assert written_beside, "the writer had begun"
    assert result.status == 2
    assert f"events[{PARTIES}]" in result.err and "nobody" in result.err
    assert count_events(store) == 5
    # the writer is gone, and its lock with it
    assert akkoord("--db", store, "import", write_log(tmp_path, parties(3), name="few.json")
                   ).status == 0
    assert count_events(store) == 8


def test_a_batch_whose_writer_lost_a_race_is_decided_again(akkoord, store, tmp_path,
                                                            monkeypatch, written_beside):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    original = beside.Writer.write
    other_writers = []

    def another_writer_first(self, *args, **kwargs):
        # between the lock let go here and taken by the writer, another process stores
        if not other_writers:
            other_writers.append(subprocess.run(
                [sys.executable, "-m", "akkoord.cli.main", "--db", str(store), "record",
                 "stakeholder_registered", "--negotiation", "test-dossier", "--date",
                 "2025-06-27", "--id", "OTHER", "--name", "Other", "--kind", "council"],
                cwd=REPO, capture_output=True, text=True))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(beside.Writer, "write", another_writer_first)
    result = akkoord("--db", store, "import", write_log(tmp_path, parties(), name="more.json"))
    assert other_writers[0].returncode == 0, other_writers[0].stderr
    assert result.status == 0, result.err
    assert len(written_beside) == 2  # the first writer stored nothing; the second all
    assert count_events(store) == 5 + 1 + PARTIES
    assert akkoord("--db", store, "verify").status == 0


def test_a_store_changed_outside_akkoord_is_named_by_the_writer(akkoord, store, tmp_path,
                                                                 written_beside):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    with sqlite3.connect(store) as connection:
        connection.execute("DELETE FROM stored_events WHERE rowid = 5")
    result = akkoord("--db", store, "import", write_log(tmp_path, parties(), name="more.json"))
    assert written_beside
    assert result.status == 2
    assert "changed outside akkoord" in result.err and "Traceback" not in result.err
    assert count_events(store) == 4


@pytest.mark.parametrize("interpreter", ["/nonexistent/python", "/bin/false"])
def test_a_writer_that_cannot_start_leaves_the_batch_to_this_process(
        akkoord, store, tmp_path, monkeypatch, interpreter):
    monkeypatch.setattr(beside, "READY_WAIT", 60.0)
    monkeypatch.setattr(beside.sys, "executable", interpreter)
    log = write_log(tmp_path, [opening(), *parties()])
    result = akkoord("--db", store, "import", log)
    assert result.status == 0, result.err
    assert count_events(store) == PARTIES + 1


def test_an_import_killed_while_its_writer_writes_leaves_the_store_as_it_was(akkoord, store,
                                                                            tmp_path):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    large = write_log(tmp_path, parties(120_000), name="large.json")
    process = subprocess.Popen([sys.executable, "-m", "akkoord.cli.main", "--db", str(store),
                                "import", str(large)], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    wal = Path(f"{store}-wal")
    # the importing process writes nothing itself: a growing WAL is the writer's
    while not (wal.exists() and wal.stat().st_size > 2**20 and _children(process.pid)):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.02)
    writer = _children(process.pid)[0]
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    while Path(f"/proc/{writer}").exists():  # the writer saw the pipe end and stopped
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert count_events(store) == 5
    assert akkoord("--db", store, "verify").status == 0


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in
                Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def test_a_full_disk_while_inserting_is_named_and_stores_nothing(akkoord, store, tmp_path,
                                                                  monkeypatch):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0

    def full(self, *args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(sqlite_store.ChainedSQLiteRecorder, "_insert_events", full)
    result = akkoord("--db", store, "import", write_log(tmp_path, parties(3), name="few.json"))
    assert result.status == 2
    assert "could not be written: database or disk is full" in result.err
    assert "Traceback" not in result.err
    assert count_events(store) == 5
