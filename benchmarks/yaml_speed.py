"""YAML against JSON: importing the same dossier from each, and exporting it as YAML.

For each N it writes one generated dossier (``generate.py``) as JSON and as block-style YAML, and
prints, as ratios measured in the same run (medians of interleaved runs, each in a fresh store):

- YAML import against JSON import of the same events (goal: at most 1.5x);
- ``export --format yaml`` of the stored dossier against the JSON import (goal: at most 3x),
  with the export's peak resident memory.

    python benchmarks/yaml_speed.py                    # N = 20,000 and 100,000, 3 runs each
    python benchmarks/yaml_speed.py --events 20000 --runs 5
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402
from run import Report, akkoord, measured, verdict  # noqa: E402


def write_files(events: int, work: Path) -> tuple[Path, Path]:
    from akkoord.interchange.yaml12 import dump, dump_items

    as_json, as_yaml = work / f"dossier-{events}.json", work / f"dossier-{events}.yaml"
    with as_json.open("w", encoding="utf-8") as stream:
        generate.write_log(stream, generate.dossier_events(events))
    with as_json.open(encoding="utf-8") as stream:
        document = json.load(stream)
    records = document.pop("events")
    with as_yaml.open("w", encoding="utf-8") as stream:
        stream.write(dump(document) + "events:\n")
        for start in range(0, len(records), 1000):
            stream.writelines(dump_items(records[start:start + 1000]))
    return as_json, as_yaml


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def bench(events: int, runs: int, work: Path) -> None:
    as_json, as_yaml = write_files(events, work)
    times: dict[str, list[float]] = {"json": [], "yaml": [], "export": []}
    export_peak = 0.0
    for _ in range(runs):
        for kind, path in (("json", as_json), ("yaml", as_yaml)):
            store, views = fresh(work / f"{kind}.db"), fresh(work / f"{kind}-views.db")
            seconds, _, _ = measured(akkoord("--db", str(store), "--views", str(views),
                                             "import", str(path), "--json"))
            times[kind].append(seconds)
        output = work / "exported.yaml"
        seconds, peak, _ = measured(akkoord("--db", str(work / "json.db"), "export", "-o", str(output)))
        times["export"].append(seconds)
        export_peak = max(export_peak, peak)
    median = {kind: statistics.median(values) for kind, values in times.items()}
    report = Report()
    report.add("import, JSON", median["json"], None)
    report.add("import, YAML", median["yaml"], median["json"],
               f"<= 1.5x JSON: {verdict(median['yaml'] <= 1.5 * median['json'])}")
    report.add("export --format yaml", median["export"], median["json"],
               f"<= 3x JSON import: {verdict(median['export'] <= 3 * median['json'])}")
    report.add("peak memory, export", export_peak, None, "bounded (one page of events)", unit="MB")
    report.print(f"N = {events:,} events ({as_json.stat().st_size / 1e6:.0f} MB JSON, "
                 f"{as_yaml.stat().st_size / 1e6:.0f} MB YAML), medians of {runs} interleaved runs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="akkoord-yaml-"))
    try:
        for events in args.events:
            bench(events, args.runs, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
