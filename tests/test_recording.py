"""Recording without writing a file (``record``), deciding without storing (``import --check``),
the registers of parties and meetings, and a first import that never costs another's store."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import (
    EXAMPLE_SOURCE,
    REPO,
    basic_dossier,
    count_events,
    opening,
    party,
    write_log,
)

POSITION = {"type": "position_taken", "date": "2025-06-28", "stakeholder": "A",
            "subject": "item:noodsteunpunten", "stance": "conditional",
            "summary": "Alleen met structureel geld", "points": ["structureel", "2027"],
            "ref": "a-standpunt", "note": "uit het verslag",
            "source": {"document": "verslag", "page": "3"}}
POSITION_OPTIONS = ["record", "position_taken", "--negotiation", "test-dossier",
                    "--date", "2025-06-28", "--stakeholder", "A",
                    "--subject", "item:noodsteunpunten", "--stance", "conditional",
                    "--summary", "Alleen met structureel geld",
                    "--points", "structureel", "--points", "2027",
                    "--ref", "a-standpunt", "--note", "uit het verslag",
                    "--source-document", "verslag", "--source-page", "3"]
READINGS = (["positions"], ["status"], ["stakeholders"], ["meetings"], ["proposal"],
            ["graph", "--format", "json"])


def everything_shown(akkoord, store: Path) -> dict[str, object]:
    shown: dict[str, object] = {}
    for reading in READINGS:
        result = akkoord("--db", store, *reading, "--json") if reading[0] != "graph" else \
            akkoord("--db", store, *reading)
        assert result.status == 0, (reading, result.err)
        shown[" ".join(reading)] = json.loads(result.out)
    # When and from which file (none, for a record) it was recorded differ, by nature.
    shown["log"] = [{k: v for k, v in entry.items() if k not in ("recorded_at", "origin")}
                    for entry in akkoord("--db", store, "log", "--json").json()]
    return shown


def test_a_recorded_event_gives_the_views_a_one_event_file_gives(akkoord, tmp_path):
    by_file, by_command = tmp_path / "file.db", tmp_path / "command.db"
    for store in (by_file, by_command):
        assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    one_event = write_log(tmp_path, [POSITION], name="one.yaml")
    assert akkoord("--db", by_file, "import", one_event).status == 0
    result = akkoord("--db", by_command, *POSITION_OPTIONS)
    assert result.status == 0, result.err
    assert "position_taken recorded in test-dossier at position 6" in result.out
    assert everything_shown(akkoord, by_command) == everything_shown(akkoord, by_file)
    origins = [e["origin"] for e in akkoord("--db", by_file, "log", "--json").json()[-1:]]
    assert origins[0]["name"] == "one.yaml"
    assert akkoord("--db", by_command, "log", "--json").json()[-1]["origin"] is None


def test_record_help_lists_every_type_and_each_type_explains_every_field(akkoord):
    from akkoord.domain.negotiation import EVENT_TYPES
    from akkoord.domain.schema import fields_of

    listing = akkoord("record", "--help")
    assert listing.status == 0
    for event_type in EVENT_TYPES:
        assert f"  {event_type} " in listing.out
    for event_type, event_class in EVENT_TYPES.items():
        shown = akkoord("record", event_type, "--help")
        assert shown.status == 0
        text = " ".join(shown.out.split())
        for spec in fields_of(event_class):
            if not spec.implied:
                option = "--" + spec.name.replace("_", "-")
                assert f"{option} " in text, (event_type, option)
                assert ("; required" if spec.required else "; optional") in text
    assert "one of support, conditional, oppose, demand, neutral" in " ".join(
        akkoord("record", "position_taken", "--help").out.split())


@pytest.mark.parametrize("options, reason", [
    (["--stance", "maybe"], "stance must be one of support, conditional"),
    (["--stakeholder", "NOBODY"], "NOBODY"),
    (["--date", "2025-02-30"], "is not a real date"),
])
def test_a_refused_record_stores_nothing_and_names_the_reason(akkoord, store, tmp_path, options,
                                                               reason):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    before = count_events(store)
    arguments = list(POSITION_OPTIONS)
    for option, value in zip(options[::2], options[1::2]):
        arguments[arguments.index(option) + 1] = value
    result = akkoord("--db", store, *arguments)
    assert result.status == 2
    assert result.err.startswith("akkoord: record position_taken: ")
    assert reason in result.err and "(nothing stored)" in result.err
    assert "Traceback" not in result.err
    assert count_events(store) == before


def test_record_opens_a_dossier_with_its_budget_given_as_yaml_and_json(akkoord, store):
    result = akkoord("--db", store, "record", "negotiation_opened", "--negotiation", "nieuw",
                     "--date", "2025-06-27", "--title", "Nieuw dossier",
                     "--budget", "{party: RIJK, from: 2027, amount: 70M}",
                     "--budget", '{"party": "JENV", "year": 2025, "amount": 10000000}')
    assert result.status == 0, result.err
    proposal_budget = akkoord("--db", store, "log", "--json").json()[0]["data"]["budget"]
    assert proposal_budget == [{"party": "RIJK", "from": 2027, "amount": 70_000_000},
                               {"party": "JENV", "year": 2025, "amount": 10_000_000}]


def test_a_refused_first_record_creates_no_store(akkoord, store):
    result = akkoord("--db", store, "record", "stakeholder_registered", "--negotiation", "nieuw",
                     "--date", "2025-06-27", "--id", "A", "--name", "A", "--kind", "council")
    assert result.status == 2
    assert "its first event must be negotiation_opened" in result.err
    assert list(store.parent.glob(f"*{store.name}*")) == []


# -- import --check ---------------------------------------------------------------------------


def test_check_decides_a_new_store_and_creates_nothing(akkoord, store, tmp_path):
    result = akkoord("--db", store, "import", EXAMPLE_SOURCE, "--check")
    assert result.status == 0, result.err
    assert "would store 28 events in weerbaarheid-2025" in result.out
    assert "9 stakeholder_registered" in result.out
    assert list(store.parent.glob(f"*{store.name}*")) == []
    assert not (tmp_path / "cache").exists() or list((tmp_path / "cache").rglob("views-*")) == []


def test_check_decides_each_file_after_the_ones_before_it_and_stores_nothing(akkoord, store,
                                                                             tmp_path):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    before = count_events(store)
    first = write_log(tmp_path, [party("D")], name="first.json")
    needs_first = write_log(tmp_path, [{**POSITION, "stakeholder": "D"}], name="second.json")
    refused = write_log(tmp_path, [party("E"), party("D")], name="again.json")  # D: by first
    result = akkoord("--db", store, "import", first, needs_first, "--check", "--json")
    assert result.status == 0, result.err
    assert [(r["events"], r["refused"]) for r in result.json()] == [(1, None), (1, None)]
    result = akkoord("--db", store, "import", first, refused, "--check")
    assert result.status == 2
    assert f"{refused}: events[1]" in result.err and "(would not be stored)" in result.err
    assert f"{first}: would store 1 events" in result.out
    assert count_events(store) == before
    assert akkoord("--db", store, "import", needs_first, "--check").status == 2  # D not stored


# -- the registers ----------------------------------------------------------------------------


def test_meetings_are_scheduled_held_or_past_and_status_shows_the_past_ones(akkoord,
                                                                            example_store):
    meetings = {m["id"]: m["state"] for m in
                akkoord("--db", example_store, "meetings", "--json", "--as-of", "2025-07-01").json()}
    assert set(meetings.values()) == {"scheduled"}
    later = akkoord("--db", example_store, "meetings", "--json", "--as-of", "2025-12-31").json()
    assert {m["state"] for m in later} == {"past"}
    status = akkoord("--db", example_store, "status", "--json", "--as-of", "2025-12-31").json()
    assert {m["id"] for m in status["meetings"]} == {m["id"] for m in later}
    held = write_log(example_store.parent, [
        {"type": "meeting_held", "date": "2025-07-09", "id": later[0]["id"]}],
        negotiation="weerbaarheid-2025")
    assert akkoord("--db", example_store, "import", held).status == 0
    after = {m["id"]: m for m in
             akkoord("--db", example_store, "meetings", "--json", "--as-of", "2025-12-31").json()}
    assert after[later[0]["id"]]["state"] == "held"
    assert after[later[0]["id"]]["held_on"] == "2025-07-09"
    shown = akkoord("--db", example_store, "meetings", "--as-of", "2025-12-31").out
    assert "held" in shown and "past" in shown and "scheduled for" in shown


def test_stakeholders_lists_each_registered_party(akkoord, example_store):
    parties = akkoord("--db", example_store, "stakeholders", "--json").json()
    assert {"id", "name", "kind", "member_of", "date"} <= set(parties[0])
    assert len(parties) == 9
    known_early = akkoord("--db", example_store, "stakeholders", "--json", "--known-at", "3").json()
    assert [p["id"] for p in known_early] == [p["id"] for p in parties[:len(known_early)]]
    assert 0 < len(known_early) < 9
    table = akkoord("--db", example_store, "stakeholders").out
    assert "registered on" in table and parties[0]["id"] in table


def test_version(akkoord):
    from akkoord import __version__

    result = akkoord("--version")
    assert result.status == 0
    assert result.out.strip() == f"akkoord {__version__}"


# -- a new store is created only to commit ---------------------------------------------------


def test_a_refused_first_import_never_removes_what_another_writer_stored(tmp_path):
    """Writer A imports a large file that is refused at its last event; while A decides, writer
    B imports a small valid file into the same new path. B's events stay."""
    from akkoord.bootstrap import open_store
    from akkoord.domain.errors import EventRefused
    from akkoord.interchange.logformat import read_log_file

    store = tmp_path / "shared.db"
    large = write_log(tmp_path, [opening()] + [party(f"P{i}") for i in range(3000)]
                      + [party("P0")], name="large.json", negotiation="groot")
    small = write_log(tmp_path, basic_dossier(), name="small.json", negotiation="klein")
    writer_b: list[subprocess.CompletedProcess[str]] = []

    def large_file_with_b_importing_before_its_last_event():
        entries = list(read_log_file(str(large)).entries)
        for index, entry in enumerate(entries):
            if index == len(entries) - 1 and not writer_b:
                writer_b.append(subprocess.run(
                    [sys.executable, "-m", "akkoord.cli.main", "--db", str(store), "import",
                     str(small)], capture_output=True, text=True, cwd=REPO))
            yield entry

    class Reread:
        def __iter__(self):
            return large_file_with_b_importing_before_its_last_event()

    with open_store(store, create=True) as writer_a, pytest.raises(EventRefused):
        writer_a.record("groot", Reread(), "writer-a")
    assert writer_b[0].returncode == 0, writer_b[0].stderr
    assert "5 events stored" in writer_b[0].stdout
    assert count_events(store) == 5
    assert [p.name for p in tmp_path.glob(".shared.db*")] == []  # no private file left


def test_a_first_import_into_a_store_another_writer_created_meanwhile_goes_into_that_store(
        tmp_path):
    from akkoord.bootstrap import open_store
    from akkoord.interchange.logformat import read_log_file

    store = tmp_path / "shared.db"
    mine = read_log_file(str(write_log(tmp_path, basic_dossier(), name="mine.json",
                                       negotiation="mijn"))).entries
    theirs = read_log_file(str(write_log(tmp_path, basic_dossier(), name="theirs.json",
                                         negotiation="hun"))).entries

    class TheirsFirst:
        def __iter__(self):
            if not store.exists():
                with open_store(store, create=True) as other:
                    other.record("hun", theirs, "other")
            return iter(mine)

    with open_store(store, create=True) as writer:
        positions = writer.record("mijn", TheirsFirst(), "me")
    assert positions == [6, 7, 8, 9, 10]
    assert count_events(store) == 10


def test_an_empty_events_list_creates_no_store(akkoord, store, tmp_path):
    result = akkoord("--db", store, "import", write_log(tmp_path, []))
    assert result.status == 0
    assert "0 events stored" in result.out
    assert list(store.parent.glob(f"*{store.name}*")) == []


def test_import_reads_standard_input(akkoord, store, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(EXAMPLE_SOURCE.read_bytes())))
    result = akkoord("--db", store, "import", "-")
    assert result.status == 0, result.err
    assert "28 events stored in weerbaarheid-2025" in result.out
    assert count_events(store) == 28


def test_a_file_imported_before_is_refused_by_check_and_import_unless_again(akkoord, store,
                                                                           tmp_path):
    # Positions may be taken again, so only the repetition of the file refuses it.
    follow_up = write_log(tmp_path, [{k: v for k, v in POSITION.items() if k != "ref"},
                                     {**POSITION, "ref": None, "stakeholder": "B"}],
                          name="follow-up.yaml")
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    assert akkoord("--db", store, "import", follow_up).status == 0
    before = count_events(store)
    for arguments in (["--check"], []):
        result = akkoord("--db", store, "import", follow_up, *arguments)
        assert result.status == 2, arguments
        assert "already recorded" in result.err and "positions 6-7" in result.err
    assert count_events(store) == before
    assert akkoord("--db", store, "import", follow_up, "--check", "--again").status == 0
    assert count_events(store) == before
    result = akkoord("--db", store, "import", follow_up, "--again")
    assert result.status == 0, result.err
    assert count_events(store) == before + 2


def test_standard_input_is_read_once(akkoord, store):
    result = akkoord("--db", store, "import", "-", "-")
    assert result.status == 2
    assert "standard input (-) can be read only once" in result.err


@pytest.mark.parametrize("number, reason", [
    ("123456789012345678901234", "'123456789012345678901234' is too large for a whole number"),
    ("１２", "'１２' is not a whole number"),
])
def test_a_whole_number_the_store_cannot_hold_is_refused_by_name(akkoord, store, tmp_path, number,
                                                                 reason):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    before = count_events(store)
    result = akkoord("--db", store, "record", "event_retracted", "--negotiation", "test-dossier",
                     "--date", "2025-06-27", "--retracts-position", number, "--reason", "r")
    assert result.status == 2, result.err
    assert reason in result.err and "Traceback" not in result.err
    assert count_events(store) == before


def _import_started(tmp_path, store):
    """An import of a file large enough to be stopped half-way, once its private store exists."""
    import time

    large = write_log(tmp_path, [opening()] + [party(f"P{i}") for i in range(120_000)],
                      name="large.json")
    process = subprocess.Popen([sys.executable, "-m", "akkoord.cli.main", "--db", str(store),
                                "import", str(large)], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(f".{store.name}.*.new-wal")):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.01)
    return process


def test_an_import_stopped_by_sigterm_leaves_no_store_and_no_private_file(tmp_path):
    import signal

    store = tmp_path / "new.db"
    process = _import_started(tmp_path, store)
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "akkoord: stopped (SIGTERM)" in err and "Traceback" not in err
    assert not store.exists()
    assert [p.name for p in tmp_path.glob(".new.db*")] == []


def test_the_private_file_of_a_killed_import_is_removed_by_the_next_import(akkoord, tmp_path):
    import fcntl
    import signal

    store = tmp_path / "new.db"
    killed = _import_started(tmp_path, store)
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=60)
    left = sorted(p.name for p in tmp_path.glob(".new.db.*"))
    assert left and not store.exists()
    # a private file another import still writes (its lock held) is left alone
    busy = tmp_path / ".new.db.0123456789ab.new"
    busy.write_bytes(b"")
    with busy.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
        assert sorted(p.name for p in tmp_path.glob(".new.db.*")) == [busy.name]
    assert count_events(store) == 5


def test_a_first_import_reaches_the_disk_before_it_takes_the_stores_name(akkoord, store, tmp_path,
                                                                          monkeypatch):
    """Its commits into the private file are not synced one by one (nothing reads that file):
    the file is synced whole before it is given the store's name, and the folder after."""
    import os

    from akkoord import bootstrap

    steps: list[str] = []
    real_fsync, real_link = os.fsync, os.link

    def fsync(descriptor):
        steps.append("folder synced" if os.path.isdir(f"/proc/self/fd/{descriptor}")
                     else "file synced")
        real_fsync(descriptor)

    def link(source, target):
        steps.append("named")
        real_link(source, target)

    monkeypatch.setattr(bootstrap.os, "fsync", fsync)
    monkeypatch.setattr(bootstrap.os, "link", link)
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    assert steps == ["file synced", "named", "folder synced"]
    assert count_events(store) == 5


def test_a_private_file_whose_log_cannot_be_folded_in_is_not_given_the_stores_name(
        akkoord, store, tmp_path, monkeypatch):
    from akkoord import bootstrap

    monkeypatch.setattr(bootstrap, "_log_folded_in", lambda path: False)  # another held it
    result = akkoord("--db", store, "import", write_log(tmp_path, basic_dossier()))
    assert result.status == 2, result.err
    assert "could not be written: its new file is still in use" in result.err
    assert "Traceback" not in result.err
    assert not store.exists()
    assert [p.name for p in tmp_path.glob(f".{store.name}*")] == []


def test_folding_in_a_log_that_another_connection_reads_is_said_to_fail(tmp_path):
    import sqlite3

    from akkoord import bootstrap

    path = str(tmp_path / "held.db")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("CREATE TABLE t (x)")
    reader = sqlite3.connect(path, isolation_level=None, timeout=0)
    reader.execute("BEGIN")
    reader.execute("SELECT * FROM t").fetchall()  # holds a snapshot of the log
    writer.execute("INSERT INTO t VALUES (1)")
    assert bootstrap._log_folded_in(path) is False
    reader.execute("COMMIT")
    assert bootstrap._log_folded_in(path) is True
