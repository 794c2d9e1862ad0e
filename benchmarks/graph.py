"""``akkoord graph --format json`` against ``proposal --json`` on the same store, at several sizes.

For each N it generates a dossier of N events (``benchmarks/generate.py``), imports it, builds the
views once, then times ``graph --format json`` and ``proposal --json`` interleaved (the median of
a few runs each, whole commands), and prints the time, the ratio to ``proposal --json`` measured in
the same run, and the growth from the previous size.

    python benchmarks/graph.py                          # N = 2,000 and 20,000
    python benchmarks/graph.py --events 200000 1000000 --runs 1
    python benchmarks/graph.py --store big.db --views big-views.db --runs 1   # a store made before

With ``--store`` no dossier is made: the store is only read, and its views (``--views``) are
caught up before anything is timed (so they are written: name a copy of views you want kept).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from run import EXAMPLE, akkoord, best, measured, python, run  # noqa: E402

STARTUP_GOAL = 4.0  # graph --format json on the example store <= 4x python -c "import networkx"
GROWTH_GOAL = 15.0  # 2k -> 20k: linear would be 10x
RATIO_GOAL = 20.0  # at 20k, graph --format json <= 20x proposal --json


def bench(events: int, work: Path, runs: int) -> tuple[float, float, float]:
    data = work / f"dossier-{events}.json"
    with data.open("w", encoding="utf-8") as stream:
        generate.write_log(stream, generate.dossier_events(events))
    store, views = work / f"store-{events}.db", work / f"views-{events}.db"
    run(akkoord("--db", str(store), "--views", str(views), "import", str(data), "--json"))
    return timed(store, views, work, runs)


def timed(store: Path, views: Path, work: Path, runs: int) -> tuple[float, float, float]:
    """Median seconds of ``graph --format json`` and ``proposal --json``, and the graph's peak MB."""
    target = ["--db", str(store), "--views", str(views)]
    run(akkoord(*target, "proposal", "--json"))  # the views caught up before anything is timed
    graph_times, proposal_times, peak = [], [], 0.0
    for _ in range(runs):
        seconds, _ = run(akkoord(*target, "proposal", "--json"))
        proposal_times.append(seconds)
        seconds, memory, _ = measured(akkoord(*target, "graph", "--format", "json",
                                              "-o", str(work / "graph.json")))
        graph_times.append(seconds)
        peak = max(peak, memory)
    return statistics.median(graph_times), statistics.median(proposal_times), peak


def startup(work: Path) -> None:
    """``graph --format json`` on the example store against ``python -c "import networkx"``,
    the best of 7 runs each, twice, interleaved."""
    views = work / "views-example.db"
    graph = akkoord("--db", str(EXAMPLE), "--views", str(views), "graph", "--format", "json",
                    "-o", str(work / "example-graph.json"))
    run(graph)  # the views built before anything is timed
    for _ in range(2):
        bare = best(python("import networkx"))
        seconds = best(graph)
        ratio = seconds / bare
        print(f"start-up: graph --format json {seconds * 1000:.0f} ms, import networkx "
              f"{bare * 1000:.0f} ms: {ratio:.1f}x (<= {STARTUP_GOAL:.0f}x: "
              f"{'met' if ratio <= STARTUP_GOAL else 'MISSED'})", flush=True)


def count_events(store: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{store.resolve()}?mode=ro", uri=True)) as db:
        return db.execute("SELECT max(rowid) FROM stored_events").fetchone()[0] or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[2_000, 20_000])
    parser.add_argument("--runs", type=int, default=3, help="runs per size (the median is shown)")
    parser.add_argument("--work", type=Path, help="folder for the files (default: temporary)")
    parser.add_argument("--store", type=Path, help="time this store instead of generated ones")
    parser.add_argument("--views", type=Path, help="the views of --store (caught up first)")
    parser.add_argument("--startup", action="store_true",
                        help="also time the start-up on the example store")
    args = parser.parse_args()
    if args.store is not None and args.views is None:
        parser.error("--store needs --views")
    work = args.work or Path(tempfile.mkdtemp(prefix="akkoord-graph-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{'events':>9}  {'graph json':>10}  {'proposal':>8}  {'ratio':>6}  {'growth':>6}  "
          f"{'peak MB':>7}  goal")
    previous: tuple[int, float] | None = None
    try:
        if args.startup:
            startup(work)
        if args.store is not None:
            graph, proposal, peak = timed(args.store, args.views, work, args.runs)
            events = count_events(args.store)
            print(f"{events:>9,}  {graph:>9.2f}s  {proposal:>7.2f}s  {graph / proposal:>5.1f}x  "
                  f"{'':>6}  {peak:>7.0f}  ({args.store})", flush=True)
            return
        for events in args.events:
            graph, proposal, peak = bench(events, work, args.runs)
            ratio = graph / proposal
            growth = "" if previous is None else f"{graph / previous[1]:.1f}x"
            goals = []
            if events == 20_000:
                goals.append(f"ratio <= {RATIO_GOAL:.0f}x: {'met' if ratio <= RATIO_GOAL else 'MISSED'}")
            if previous is not None and previous[0] * 10 == events == 20_000:
                met = graph / previous[1] <= GROWTH_GOAL
                goals.append(f"growth <= {GROWTH_GOAL:.0f}x: {'met' if met else 'MISSED'}")
            print(f"{events:>9,}  {graph:>9.2f}s  {proposal:>7.2f}s  {ratio:>5.1f}x  {growth:>6}  "
                  f"{peak:>7.0f}  {'; '.join(goals)}", flush=True)
            previous = (events, graph)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
