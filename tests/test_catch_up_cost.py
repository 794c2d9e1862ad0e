"""What catching up costs follows the new events, not the store or the code it was made from.

No timing is asserted: the work is counted (the statements run, the modules imported).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import sys
from pathlib import Path

from conftest import opening, party, write_log

# Catches the views up in a fresh interpreter, as a command does, and says what it ran.
CATCH_UP = """
import json, sys
from akkoord.bootstrap import open_store
store = open_store(sys.argv[1], views=sys.argv[2])
ran = []
store.views.conn.set_trace_callback(ran.append)
store.catch_up()
store.views.conn.set_trace_callback(None)
print(json.dumps({"ran": ran, "imported": sorted(
    name for name in ("akkoord.domain.negotiation", "akkoord.application.notation", "eventsourcing")
    if name in sys.modules)}))
store.close()
"""


def stance(who: str, subject: str, word: str, date: str = "2025-07-01") -> dict:
    return {"type": "position_taken", "date": date, "stakeholder": who, "subject": subject,
            "stance": word, "summary": f"{who} {word}"}


def catch_up_in_a_process(store: Path, views: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CATCH_UP, str(store), str(views)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def filled_tables(ran: list[str]) -> set[str]:
    return {statement.split("[", 1)[1].split("]", 1)[0] for statement in ran
            if statement.startswith("INSERT INTO [")}


def test_one_new_event_runs_only_its_own_statements_and_imports_no_domain(akkoord, tmp_path):
    store, views = tmp_path / "events.db", tmp_path / "views.db"
    events = [opening(), *(party(p) for p in "ABC"),
              *(stance(p, f"topic:t{n}", "support") for p in "ABC" for n in range(5)),
              {"type": "claim_lodged", "date": "2025-07-02", "id": "k", "by": "A",
               "against": "B", "subject": "korting", "summary": "terug", "amount": "1M"}]
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0
    assert akkoord("--db", store, "--views", views, "positions").status == 0  # caught up
    new = write_log(tmp_path, [stance("A", "topic:t0", "oppose", "2025-07-03")], name="new.json")
    assert akkoord("--db", store, "import", new).status == 0  # the views named above lag

    caught_up = catch_up_in_a_process(store, views)

    # the statements kept in the views serve: the domain and the library stay unimported
    assert caught_up["imported"] == []
    # the log's row and the stance's, not a statement for every table of every view
    assert filled_tables(caught_up["ran"]) == {"log", "stances"}
    positions = akkoord("--db", store, "--views", views, "positions", "--json").json()
    assert {(p["stakeholder"], p["subject"], p["stance"]) for p in positions} >= {
        ("A", "topic:t0", "oppose")}


def test_statements_kept_for_other_code_or_spoilt_are_made_again(akkoord, tmp_path):
    store, views = tmp_path / "events.db", tmp_path / "views.db"
    assert akkoord("--db", store, "import", write_log(tmp_path, [opening(), party("A")])).status == 0
    assert akkoord("--db", store, "--views", views, "positions").status == 0
    (kept,) = (tmp_path / "cache" / "akkoord").glob("statements-*.json")
    # as other code keeps its own: one in use, one not read for a month
    other, old = kept.with_name("statements-0123.json"), kept.with_name("statements-4567.json")
    for path in (other, old):
        path.write_text(kept.read_text(encoding="utf-8"), encoding="utf-8")
    month_ago = time.time() - 30 * 24 * 3600
    os.utime(old, (month_ago, month_ago))
    kept.write_text('{"fingerprint": ', encoding="utf-8")  # a write cut short
    new = write_log(tmp_path, [stance("A", "topic:t", "support")], name="new.json")
    assert akkoord("--db", store, "import", new).status == 0

    caught_up = catch_up_in_a_process(store, views)

    assert "akkoord.domain.negotiation" in caught_up["imported"]  # made again
    assert filled_tables(caught_up["ran"]) == {"log", "stances"}
    assert sorted(path.name for path in kept.parent.glob("statements-*.json")) == sorted(
        [kept.name, other.name])
    assert json.loads(kept.read_text(encoding="utf-8"))["statements"]["log"]
    positions = akkoord("--db", store, "--views", views, "positions", "--json").json()
    assert [(p["stakeholder"], p["stance"]) for p in positions] == [("A", "support")]


def steps_of_catching_up_one_stance(akkoord, directory: Path, history: int) -> int:
    """SQLite's virtual-machine steps to catch up one stance after ``history`` stances of ten
    parties (each subject held by all ten, once each)."""
    from akkoord.projections.catchup import SQLiteStore, ViewStore

    directory.mkdir()
    store, views = directory / "events.db", directory / "views.db"
    events = [opening(date="2025-01-10"), *(party(f"P{n}", date="2025-01-10") for n in range(10))]
    events += [stance(f"P{n % 10}", f"topic:t{n // 10}", ("support", "oppose", "neutral")[n % 3],
                      "2025-02-01") for n in range(history)]
    assert akkoord("--db", store, "import", write_log(directory, events)).status == 0
    assert akkoord("--db", store, "--views", views, "positions").status == 0
    new = write_log(directory, [stance("P1", "topic:t0", "demand", "2025-02-02")], name="new.json")
    assert akkoord("--db", store, "import", new).status == 0
    caught_up = ViewStore(views)
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    caught_up.conn.set_progress_handler(count, 20)
    caught_up.catch_up(SQLiteStore(store))
    caught_up.close()
    return steps[0] * 20


def test_catching_up_one_stance_costs_as_much_on_a_store_ten_times_larger(akkoord, tmp_path):
    small = steps_of_catching_up_one_stance(akkoord, tmp_path / "small", 200)
    large = steps_of_catching_up_one_stance(akkoord, tmp_path / "large", 2000)
    # the same rows written and read, found through indexes one level deeper at most
    assert large < 1.3 * small, (small, large)
