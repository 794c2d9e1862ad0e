"""The reading side at scale: verify against a hashing floor, the summaries, and start-up.

On a store of N generated events (``--store`` reuses one; else it is made by ``akkoord import``
of ``generate.py``'s dossier), it prints, each against a floor measured in the same run:

- ``verify`` against a floor that reads every stored row (the four columns the chain covers)
  and computes two SHA-256 of each (goal: at most 3x); the median of interleaved runs;
- ``status``, ``commitments`` (the default page), ``history item:X`` and ``positions`` (the
  default page): seconds and peak resident memory (goal: each under 1 s and 100 MB), the views
  caught up beforehand;
- start-up of every reading command on the example store against
  ``python -c "import sqlite3, json"`` (goal: at most 4x), the best of several runs.

    python benchmarks/readers.py --events 1000000 --work /tmp/readers   # keeps the store
    python benchmarks/readers.py --startup-only
    python benchmarks/readers.py --store sealed.db --before old.db   # verify on both, interleaved
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402
from run import EXAMPLE, Report, akkoord, measured, python, run, verdict  # noqa: E402

FLOOR_HASH = """
import hashlib, sqlite3, sys, time
started = time.perf_counter()
db = sqlite3.connect(sys.argv[1])
sha = hashlib.sha256
for position, aggregate, version, topic, state in db.execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "ORDER BY rowid"):
    sha(sha(state).digest()).digest()
print(time.perf_counter() - started)
"""

# The hash pass of verify alone, timed in its process as the floor is: the command also checks
# each dossier's latest snapshot, against its seal in the chain (a hash of its stored bytes) or,
# in a store written before snapshots were sealed, by replaying the events it summarises (which
# costs what replaying the dossier costs).
HASH_PASS = """
import sys, time
from akkoord.store.chain import StoredFile
from akkoord.store.integrity import verify
started = time.perf_counter()
result = verify(StoredFile(sys.argv[1]))
assert result.ok, result.problems[:3]
print(time.perf_counter() - started)
"""

STARTUP_COMMANDS = (["status"], ["proposal"], ["commitments"], ["positions"], ["claims"],
                    ["log"], ["history", "proposal"], ["verify"], ["checkpoint"])


def ensure_store(events: int, work: Path) -> tuple[Path, Path]:
    store, views = work / f"store-{events}.db", work / f"views-{events}.db"
    if not store.exists():
        data = work / f"dossier-{events}.json"
        with data.open("w", encoding="utf-8") as stream:
            generate.write_log(stream, generate.dossier_events(events))
        run(akkoord("--db", str(store), "--views", str(views), "import", str(data), "--json"))
        data.unlink()
    return store, views


def snapshots_checked(store: Path) -> str:
    """How verify checked the store's snapshots: by their seal, or replayed (a store of before)."""
    checked = json.loads(run(akkoord("--db", str(store), "verify", "--json"))[1])
    sealed = checked["snapshots_sealed"]
    replayed = checked["snapshots_checked"] - sealed
    return (f"{replayed} snapshot(s) replayed, written before seals" if replayed
            else f"{sealed} snapshot(s) by seal")


def bench_store(store: Path, views: Path, runs: int, before: Path | None = None) -> None:
    run(akkoord("--db", str(store), "--views", str(views), "status", "--json"))  # catch up
    report = Report()
    floors, passes, verifies, befores = [], [], [], []
    for _ in range(runs):
        floors.append(float(run(python(FLOOR_HASH, str(store)))[1]))
        passes.append(float(run(python(HASH_PASS, str(store)))[1]))
        verifies.append(run(akkoord("--db", str(store), "verify"))[0])
        if before is not None:
            befores.append(run(akkoord("--db", str(before), "verify"))[0])
    floor = statistics.median(floors)
    seconds = statistics.median(passes)
    report.add("verify: the hash pass", seconds, floor, f"<= 3x: {verdict(seconds <= 3 * floor)}")
    for label, path, times in (("the command", store, verifies),
                               ("--before store", before, befores)):
        if times:
            seconds = statistics.median(times)
            report.add(f"verify: {label} ({snapshots_checked(path)})", seconds, floor,
                       f"<= 3x: {verdict(seconds <= 3 * floor)}")
    log = json.loads(run(akkoord("--db", str(store), "--views", str(views), "log", "--json",
                                 "--type", "proposal_revised", "--limit", "1"))[1])
    item = log[0]["data"]["items"][0]["id"] if log else "none"
    for label, command in (("status", ["status"]), ("commitments (default page)", ["commitments"]),
                           (f"history item:{item}", ["history", f"item:{item}"]),
                           ("positions (default page)", ["positions"])):
        times, peaks = [], []
        for _ in range(runs):
            elapsed, peak, _out = measured(akkoord("--db", str(store), "--views", str(views), *command))
            times.append(elapsed)
            peaks.append(peak)
        elapsed, peak = statistics.median(times), max(peaks)
        report.add(label, elapsed, None, f"< 1 s: {verdict(elapsed < 1)}")
        report.add(f"  peak memory, {label}", peak, None, f"< 100 MB: {verdict(peak < 100)}", unit="MB")
    events = run(python("import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("
                        "'SELECT count(*) FROM stored_events').fetchone()[0])", str(store)))[1]
    report.print(f"N = {int(events):,} events, medians of {runs} interleaved runs")


STARTUP_RUNS = 7


def bench_startup(work: Path) -> None:
    """Each command against the floor, in turn (the machine's speed drifts: a floor measured
    once, before all commands, made the later ones look up to half as fast again)."""
    views = work / "views-example.db"
    floor = python("import sqlite3, json")
    report = Report()
    for command in STARTUP_COMMANDS:
        full = akkoord("--db", str(EXAMPLE), "--views", str(views), *command)
        run(full)
        floors, seconds = [], []
        for _ in range(STARTUP_RUNS):
            floors.append(run(floor)[0])
            seconds.append(run(full)[0])
        bare, fastest = min(floors), min(seconds)
        report.add(f"start-up: {' '.join(command)}", fastest, bare,
                   f"<= 4x: {verdict(fastest <= 4 * bare)}", unit="ms")
    report.print(f"Start-up on the example store (best of {STARTUP_RUNS} interleaved runs of "
                 "each; floor: python -c 'import sqlite3, json')")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--store", type=Path, help="an existing store to measure (its views beside it)")
    parser.add_argument("--work", type=Path, help="folder for the store (kept; default: temporary)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", type=Path,
                        help="also time verify on this store of the same events, interleaved "
                             "(one written before snapshots were sealed, say)")
    parser.add_argument("--startup-only", action="store_true")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="akkoord-readers-"))
    work.mkdir(parents=True, exist_ok=True)
    bench_startup(work)
    if args.startup_only:
        return
    if args.store:
        store, views = args.store, args.store.with_name(args.store.stem + "-views.db")
    else:
        store, views = ensure_store(args.events, work)
    bench_store(store, views, args.runs, args.before)


if __name__ == "__main__":
    main()
