"""How long ``akkoord verify`` takes on a store of 100,000 events (not a test: run it by hand).

    .venv/bin/python benchmarks/verify_large.py [--events N] [--db PATH]

Builds a SQLite store of N events (one dossier: parties, stances, commitments, revisions)
through the application, so the hash chain is written as in real use, then times the integrity
commands through the command line, each in a fresh process as a user would run them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from akkoord.application.service import Entry  # noqa: E402
from akkoord.bootstrap import open_store  # noqa: E402
from akkoord.interchange.logformat import entry_from_record  # noqa: E402

BATCH = 1000
DATE = "2025-06-27"


def entries(start: int, count: int) -> list[Entry]:
    records = []
    for n in range(start, start + count):
        if n % 10 == 0:
            records.append({"type": "stakeholder_registered", "date": DATE, "id": f"P{n}",
                            "name": f"Partij {n}", "kind": "municipality"})
        elif n % 10 == 5:
            records.append({"type": "commitment_made", "date": DATE, "id": f"c{n}", "by": "A",
                            "to": "B", "what": f"toezegging {n}", "due": "2026-01-01"})
        else:
            records.append({"type": "position_taken", "date": DATE, "stakeholder": "A",
                            "subject": f"topic:t{n % 50}", "stance": "support",
                            "summary": f"standpunt {n}", "points": ["een", "twee"]})
    return [entry_from_record(record) for record in records]


def build(path: Path, total: int) -> float:
    started = time.perf_counter()
    store = open_store(path, create=True)
    head = [entry_from_record(r) for r in (
        {"type": "negotiation_opened", "date": DATE, "title": "Benchmark",
         "budget": [{"party": "RIJK", "from": 2027, "amount": "70M"}]},
        {"type": "stakeholder_registered", "date": DATE, "id": "A", "name": "A", "kind": "council"},
        {"type": "stakeholder_registered", "date": DATE, "id": "B", "name": "B", "kind": "region"},
    )]
    store.record("benchmark", head, "benchmark")
    done = len(head)
    while done < total:
        count = min(BATCH, total - done)
        store.record("benchmark", entries(done, count), "benchmark")
        done += count
    store.close()
    return time.perf_counter() - started


def timed(*args: str) -> tuple[float, str, int]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "akkoord.cli.main", *args], capture_output=True,
                            text=True, cwd=Path(__file__).resolve().parent.parent)
    return time.perf_counter() - started, (result.stdout + result.stderr).strip(), result.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="keep the store here (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = args.db or Path(folder) / "large.db"
        store.unlink(missing_ok=True)
        print(f"building {args.events:,} events: {build(store, args.events):.1f} s")
        print(f"store size: {store.stat().st_size / 1e6:.1f} MB")
        checkpoint = Path(folder) / "checkpoint.txt"
        runs = [
            ("verify", ["--db", str(store), "verify"]),
            ("checkpoint", ["--db", str(store), "checkpoint", "-o", str(checkpoint)]),
            ("verify --checkpoint", ["--db", str(store), "verify", "--checkpoint", str(checkpoint)]),
            ("verify --event", ["--db", str(store), "verify", "--event", str(args.events // 2),
                                "--checkpoint", str(checkpoint)]),
        ]
        for label, command in runs:
            seconds, output, status = timed(*command)
            print(f"{label}: {seconds:.2f} s, exit {status}: {output[:160]}")


if __name__ == "__main__":
    main()
