"""akkoord against the raw floor: the same work done with plain ``sqlite3`` and ``json``.

For each N it generates a valid dossier of N events (``benchmarks/generate.py``) and prints, each
with its ratio to the floor measured in the same run:

- import: ``akkoord import`` against ``json.load`` of the file plus one ``executemany`` of N rows
  (the events as JSON) into SQLite in one transaction, the medians of three interleaved runs of
  each (one of a million events); and beside it against the same work done
  plainly: ``json.load`` of the file, then the very rows akkoord stored (same bytes) inserted with
  their chain rows (two SHA-256 each, the same chain: checked against akkoord's) in one
  transaction, timed in its process after the rows are read from akkoord's store, plus the bare
  start-up;
- rebuild: ``akkoord rebuild`` against a scan of ``stored_events`` with ``json.loads`` of each row;
- catch-up: the views catching up after 1, 100 and 10,000 new events on the store of N events,
  against a scan of those new rows with ``json.loads``;
- time travel: ``proposal --as-of`` the middle date and ``--known-at`` the middle position, as
  whole commands, against the bare Python start-up;
- start-up: ``akkoord proposal --json`` on the example store against
  ``python -c "import sqlite3, json"`` (the best of several runs each);
- memory: the peak resident memory of the import and the rebuild processes.

    python benchmarks/run.py                      # N = 10,000 and 100,000
    python benchmarks/run.py --events 1000000     # one N
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

EXAMPLE = HERE.parent / "events.db.example"
GOALS = {"import": 4.0, "rebuild": 2.0, "startup": 5.0}
CATCH_UP = (1, 100, 10_000)
MEMORY_GOAL_MB = 300

FLOOR_IMPORT = """
import json, sqlite3, sys
with open(sys.argv[1], encoding="utf-8") as f:
    events = json.load(f)["events"]
db = sqlite3.connect(sys.argv[2], isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
           "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))")
db.execute("BEGIN")
db.executemany("INSERT INTO stored_events VALUES (?, ?, ?, ?)",
               [("dossier", i, e["type"], json.dumps(e).encode()) for i, e in enumerate(events, 1)])
db.execute("COMMIT")
"""

# The same work as akkoord's import, done plainly: the stored rows as akkoord stored them (read
# before the clock starts), the file read, and rows, chain, snapshot and seal written in one
# transaction.
FLOOR_SAME_WORK = """
import hashlib, json, sqlite3, sys, time
source = sqlite3.connect(sys.argv[2])
rows = source.execute("SELECT originator_id, originator_version, topic, state "
                      "FROM stored_events ORDER BY rowid").fetchall()
head = source.execute("SELECT chain FROM stored_events_chain ORDER BY notification_id DESC "
                      "LIMIT 1").fetchone()[0]
# The snapshot the import wrote, and its seal, which the chain value of its last event holds.
seals = dict(source.execute("SELECT notification_id, seal FROM stored_events_seals"))
snapshots = source.execute("SELECT * FROM stored_snapshots").fetchall()
source.close()
started = time.perf_counter()
with open(sys.argv[1], encoding="utf-8") as f:
    json.load(f)
db = sqlite3.connect(sys.argv[3], isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
           "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))")
db.execute("CREATE TABLE stored_events_chain (notification_id INTEGER PRIMARY KEY, "
           "leaf BLOB NOT NULL, chain BLOB NOT NULL)")
db.execute("CREATE TABLE stored_events_seals (notification_id INTEGER PRIMARY KEY, seal BLOB)")
db.execute("CREATE TABLE stored_snapshots (originator_id TEXT, originator_version INTEGER, "
           "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID")
sha256, links, chain = hashlib.sha256, [], bytes(32)
def text(value):
    data = value.encode()
    return b"s" + len(data).to_bytes(8, "big") + data
for position, (aggregate, version, topic, state) in enumerate(rows, 1):
    leaf = sha256(b"\\x00akkoord-event/1\\x00i" + position.to_bytes(8, "big") + text(aggregate)
                  + b"i" + version.to_bytes(8, "big") + text(topic)
                  + b"b" + len(state).to_bytes(8, "big") + state).digest()
    seal = seals.get(position)
    chain = (sha256(b"\\x02" + chain + leaf) if seal is None
             else sha256(b"\\x03" + chain + leaf + seal)).digest()
    links.append((position, leaf, chain))
assert chain == head, "not akkoord's chain"
db.execute("BEGIN")
db.executemany("INSERT INTO stored_events (rowid, originator_id, originator_version, topic, "
               "state) VALUES (?, ?, ?, ?, ?)", [(i, *row) for i, row in enumerate(rows, 1)])
db.executemany("INSERT INTO stored_events_chain VALUES (?, ?, ?)", links)
db.executemany("INSERT INTO stored_snapshots VALUES (?, ?, ?, ?)", snapshots)
db.executemany("INSERT INTO stored_events_seals VALUES (?, ?)", seals.items())
db.execute("COMMIT")
db.close()
print(time.perf_counter() - started)
"""

FLOOR_SCAN = """
import json, sqlite3, sys, time
started = time.perf_counter()
db = sqlite3.connect(sys.argv[1])
for (state,) in db.execute("SELECT state FROM stored_events WHERE rowid > ? ORDER BY rowid",
                           [int(sys.argv[2])]):
    json.loads(state)
print(time.perf_counter() - started)
"""

# Times the views catching up alone, in a process of its own (the store is read as `akkoord` does).
CATCH_UP_ONLY = """
import sys, time
from akkoord.bootstrap import open_store
store = open_store(sys.argv[1], views=sys.argv[2])
store.views  # opened before the clock starts, as before
started = time.perf_counter()
store.catch_up()
print(time.perf_counter() - started)
store.close()
"""


def run(command: list[str], **kwargs: object) -> tuple[float, str]:
    """Wall-clock seconds and standard output of one process."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return seconds, done.stdout


def measured(command: list[str]) -> tuple[float, float, str]:
    """Seconds, peak resident memory (MB) and output of one process, measured by a parent of
    its own, so that the peak is that process's alone."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "sys.stdout.write(p.stdout); sys.stderr.write(p.stderr); "
               "print('@@', time.perf_counter() - t, "
               "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024); "
               "sys.exit(p.returncode)")
    _seconds, out = run([sys.executable, "-c", wrapper, *command])
    body, _, figures = out.rpartition("@@")
    seconds, peak = (float(x) for x in figures.split())
    return seconds, peak, body


def best(command: list[str], times: int = 7) -> float:
    return min(run(command)[0] for _ in range(times))


def akkoord(*args: str) -> list[str]:
    return [sys.executable, "-m", "akkoord.cli.main", *args]


def python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", code, *args]


class Report:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, figure: str, value: float, floor: float | None, goal: str = "",
            unit: str = "s") -> None:
        shown = f"{value * 1000:.1f} ms" if unit == "ms" else (
            f"{value:.0f} MB" if unit == "MB" else f"{value:.2f} s")
        floor_shown = "" if floor is None else (
            f"{floor * 1000:.1f} ms" if unit == "ms" else f"{floor:.2f} s")
        ratio = "" if not floor else f"{value / floor:.1f}x"
        self.rows.append((figure, shown, floor_shown, ratio, goal))

    def print(self, title: str) -> None:
        headers = ("figure", "akkoord", "floor", "ratio", "goal")
        widths = [max(len(r[i]) for r in [headers, *self.rows]) for i in range(5)]
        print(f"\n{title}")
        for index, row in enumerate([headers, *self.rows]):
            print("  ".join(cell.ljust(w) if i == 0 or i == 4 else cell.rjust(w)
                            for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
            if index == 0:
                print("  ".join("-" * w for w in widths))
        sys.stdout.flush()


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def import_runs(events: int) -> int:
    """Interleaved runs of the import and its floor: three, but one of a million events."""
    return 3 if events < 1_000_000 else 1


def bench(events: int, work: Path, bare: float) -> None:
    data = work / f"dossier-{events}.json"
    if not data.exists():
        with data.open("w", encoding="utf-8") as stream:
            generate.write_log(stream, generate.dossier_events(events))
    store, views, floor_db = work / f"store-{events}.db", work / f"views-{events}.db", work / "floor.db"
    for path in (store, views, floor_db):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    report = Report()

    # The floor and the import in turn, each into a new store: the medians of the runs (the
    # machine's speed drifts; one run of each said 3.9x and, 20 minutes later, 5.1x).
    floors, imports, peaks = [], [], []
    for _run in range(import_runs(events)):
        for path in (store, views, floor_db):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        floors.append(run(python(FLOOR_IMPORT, str(data), str(floor_db)))[0])
        seconds, peak, _ = measured(akkoord("--db", str(store), "--views", str(views),
                                            "import", str(data), "--json"))
        imports.append(seconds)
        peaks.append(peak)
    floor, seconds, import_peak = (statistics.median(floors), statistics.median(imports),
                                   max(peaks))
    report.add(f"import (median of {len(imports)})", seconds, floor, f"<= {GOALS['import']:.0f}x: "
               f"{verdict(seconds <= GOALS['import'] * floor)}")
    same_work_db = work / "same-work.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{same_work_db}{suffix}").unlink(missing_ok=True)
    same_work = bare + float(run(python(FLOOR_SAME_WORK, str(data), str(store),
                                        str(same_work_db)))[1])
    report.add("import, against the same work", seconds, same_work,
               "same bytes and chain, plainly")

    floor, _ = run(python(FLOOR_SCAN, str(store), "0"))
    seconds, rebuild_peak, _ = measured(akkoord("--db", str(store), "--views", str(views),
                                                "rebuild", "--json"))
    report.add("rebuild", seconds, floor, f"<= {GOALS['rebuild']:.0f}x: "
               f"{verdict(seconds <= GOALS['rebuild'] * floor)}")

    for count in CATCH_UP:
        more = work / f"more-{events}-{count}.json"
        with more.open("w", encoding="utf-8") as stream:
            generate.write_log(stream, generate.continuation_events(count, f"c{count}x{time.time_ns()}"))
        stored = json.loads(run(akkoord("--db", str(store), "import", str(more), "--json"))[1])
        first = stored[0]["positions"][0]
        # Both timed inside their process: the scan of the new rows, and the catch-up.
        floor = float(run(python(FLOOR_SCAN, str(store), str(first - 1)))[1])
        seconds = float(run(python(CATCH_UP_ONLY, str(store), str(views)))[1])
        goal = f"< 50 ms: {verdict(seconds < 0.05)}" if count == 1 else ""
        report.add(f"catch-up of {count:,} new events", seconds, floor, goal, unit="ms")
        more.unlink()

    half_date = (generate.FIRST_DAY + generate.timedelta(days=generate.SPAN_DAYS // 2)).isoformat()
    for label, axis in ((f"proposal --as-of {half_date}", ["--as-of", half_date]),
                        (f"proposal --known-at {events // 2}", ["--known-at", str(events // 2)])):
        seconds = best(akkoord("--db", str(store), "--views", str(views), "proposal", "--json",
                               *axis), times=3)
        report.add(label, seconds, bare, f"< 1 s: {verdict(seconds < 1)}")

    report.add("peak memory, import", import_peak, None,
               f"< {MEMORY_GOAL_MB} MB: {verdict(import_peak < MEMORY_GOAL_MB)}", unit="MB")
    report.add("peak memory, rebuild", rebuild_peak, None,
               f"< {MEMORY_GOAL_MB} MB: {verdict(rebuild_peak < MEMORY_GOAL_MB)}", unit="MB")
    report.print(f"N = {events:,} events ({data.stat().st_size / 1e6:.0f} MB of JSON)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[10_000, 100_000],
                        help="dossier sizes (default: 10000 100000)")
    parser.add_argument("--work", type=Path, help="folder for the generated files and stores "
                        "(default: a temporary folder, removed afterwards)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="akkoord-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    os.chdir(HERE.parent)
    try:
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
              f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB")
        bare = best(python("import sqlite3, json"))
        views = work / "views-example.db"
        example = akkoord("--db", str(EXAMPLE), "--views", str(views), "proposal", "--json")
        run(example)  # the first run builds the views
        startup = best(example)
        report = Report()
        report.add("start-up: proposal --json", startup, bare,
                   f"<= {GOALS['startup']:.0f}x: {verdict(startup <= GOALS['startup'] * bare)}",
                   unit="ms")
        report.print("Start-up on the example store (best of 7)")
        for events in args.events:
            bench(events, work, bare)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
