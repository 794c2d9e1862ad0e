"""A store shared by several parties: PostgreSQL, concurrent writers, conflicts refused whole."""

from __future__ import annotations

import contextlib

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE_SOURCE, basic_dossier, example_follow_up, party, revision, write_log

AKKOORD = Path(sys.executable).with_name("akkoord")  # the installed script: real processes
WRITERS, FILES_PER_WRITER, EVENTS_PER_FILE = 4, 30, 5
DATE = "2025-07-09"


def start(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen([str(AKKOORD), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a SQLite file and on a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "shared.db")
    return request.getfixturevalue("postgres_store")


READINGS = [
    ["proposal"], ["proposal", "--revision", "1"], ["diff", "1", "2"], ["positions"], ["claims"],
    ["commitments"], ["commitments", "--as-of", "2025-07-01"], ["status", "--as-of", "2025-07-01"],
    ["positions", "--known-at", "20"], ["log"], ["log", "--stakeholder", "VB"],
]


def test_postgresql_store_answers_every_view_as_sqlite_does(akkoord, postgres_store, tmp_path):
    follow_up = write_log(tmp_path, example_follow_up(), negotiation="weerbaarheid-2025")
    sqlite_store = tmp_path / "events.db"
    for store in (sqlite_store, postgres_store):
        assert akkoord("--db", store, "import", EXAMPLE_SOURCE, follow_up).status == 0
    for reading in READINGS:
        answers = [akkoord("--db", store, *reading, "--json") for store in (sqlite_store, postgres_store)]
        assert [a.status for a in answers] == [0, 0], answers
        in_sqlite, in_postgres = (a.json() for a in answers)
        if reading[0] == "log":  # the moment of recording is the one thing that differs
            for entry in in_sqlite + in_postgres:
                entry.pop("recorded_at")
        assert in_postgres == in_sqlite, reading
    assert akkoord("--db", postgres_store, "rebuild").status == 0
    assert akkoord("--db", postgres_store, "claims", "--json").json() == \
        akkoord("--db", sqlite_store, "claims", "--json").json()


def test_reading_a_database_without_a_store_exits_2_and_creates_nothing(akkoord, postgres_store):
    import psycopg

    result = akkoord("--db", postgres_store, "proposal")
    assert result.status == 2
    assert "holds no akkoord store (akkoord import creates one)" in result.err
    with psycopg.connect(postgres_store) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone()
    assert tables == (0,)


def test_an_unreachable_server_exits_2_without_showing_the_password(akkoord):
    result = akkoord("--db", "postgresql://postgres:geheim@127.0.0.1:1/akkoord", "log")
    assert result.status == 2
    assert "cannot be reached" in result.err and "geheim" not in result.err
    assert "postgresql://postgres:***@127.0.0.1:1/akkoord" in result.err


def writer_files(directory: Path, writer: int) -> list[Path]:
    """FILES_PER_WRITER files of EVENTS_PER_FILE events that refer to each other and to the dossier."""
    files = []
    for number in range(FILES_PER_WRITER):
        name = f"w{writer}-{number}"
        events = [
            party(name.upper(), date=DATE),
            {"type": "position_taken", "date": DATE, "stakeholder": name.upper(),
             "subject": f"topic:{name}", "stance": "support", "summary": "eens"},
            {"type": "commitment_made", "date": DATE, "id": name, "by": name.upper(), "to": "A",
             "what": "doen"},
            {"type": "commitment_fulfilled", "date": DATE, "id": name},
            {"type": "claim_lodged", "date": DATE, "id": name, "by": name.upper(), "against": "B",
             "subject": "geld", "summary": "meer"},
        ]
        assert len(events) == EVENTS_PER_FILE
        files.append(write_log(directory, events, name=f"{name}.json"))
    return files


def test_concurrent_writers_lose_nothing_and_double_nothing(akkoord, shared_store, tmp_path):
    assert akkoord("--db", shared_store, "import", write_log(tmp_path, basic_dossier())).status == 0
    before = akkoord("--db", shared_store, "log", "--json").json()

    writers = [start("--db", shared_store, "import", *writer_files(tmp_path, writer))
               for writer in range(WRITERS)]
    results = [finish(process) for process in writers]

    assert [status for status, _, _ in results] == [0] * WRITERS, [err for _, _, err in results]
    log = akkoord("--db", shared_store, "log", "--json").json()
    new = log[len(before):]
    assert len(new) == WRITERS * FILES_PER_WRITER * EVENTS_PER_FILE == 600
    assert len({entry["position"] for entry in log}) == len(log)
    made = sorted(e["data"]["id"] for e in new if e["type"] == "commitment_made")
    assert made == sorted(f"w{w}-{n}" for w in range(WRITERS) for n in range(FILES_PER_WRITER))
    # each file's events stand together in the global order: no file was stored in pieces
    for index in range(0, len(new), EVENTS_PER_FILE):
        batch = new[index:index + EVENTS_PER_FILE]
        assert [e["type"] for e in batch] == ["stakeholder_registered", "position_taken",
                                              "commitment_made", "commitment_fulfilled",
                                              "claim_lodged"]
        assert len({(e["data"].get("id") or e["data"]["stakeholder"]).lower() for e in batch}) == 1
    fulfilled = akkoord("--db", shared_store, "commitments", "--status", "fulfilled", "--json").json()
    assert len(fulfilled) == WRITERS * FILES_PER_WRITER
    verified = akkoord("--db", shared_store, "verify")
    assert verified.status == 0, verified.out + verified.err
    assert f"{len(log)} events up to position {log[-1]['position']} hold" in verified.out


def test_two_writers_claiming_one_commitment_id_one_wins_the_other_stores_nothing(
        akkoord, shared_store, tmp_path):
    assert akkoord("--db", shared_store, "import", write_log(tmp_path, basic_dossier())).status == 0
    before = len(akkoord("--db", shared_store, "log", "--json").json())
    rivals = []
    for writer in ("A", "B"):
        events = [{"type": "position_taken", "date": DATE, "stakeholder": writer,
                   "subject": "topic:x", "stance": "demand", "summary": f"{writer} eist"},
                  {"type": "commitment_made", "date": DATE, "id": "x", "by": writer, "to": "C",
                   "what": f"toezegging van {writer}"}]
        rivals.append(write_log(tmp_path, events, name=f"{writer}.json"))

    results = [finish(process) for process in
               [start("--db", shared_store, "import", rival) for rival in rivals]]

    assert sorted(status for status, _, _ in results) == [0, 2], results
    status, _, err = next(result for result in results if result[0] == 2)
    assert "commitment 'x' already exists" in err and "nothing of this file was stored" in err
    assert "Traceback" not in err
    log = akkoord("--db", shared_store, "log", "--json").json()[before:]
    assert len(log) == 2
    winner = log[1]["data"]["by"]
    assert [e["data"].get("stakeholder") or e["data"]["by"] for e in log] == [winner, winner]


def commitment_x(directory: Path, by: str) -> Path:
    return write_log(directory, [{"type": "commitment_made", "date": DATE, "id": "x", "by": by,
                                  "to": "C", "what": f"toezegging van {by}"}], name=f"x-{by}.json")


RIVAL_CLAIMS = {  # what two files can both claim, and how the later one is refused
    "commitment": ({"type": "commitment_made", "id": "x", "to": "C", "what": "doen"},
                   "commitment 'x' already exists"),
    "claim": ({"type": "claim_lodged", "id": "x", "against": "C", "subject": "geld",
               "summary": "meer"}, "claim 'x' already exists"),
    "ref": ({"type": "position_taken", "ref": "x", "subject": "topic:x", "stance": "demand",
             "summary": "eis"}, "ref 'x' is already used in this dossier"),
    "next revision": (revision(2, proposed_by=[]), "revision 2 does not follow revision 2"),
}


@pytest.mark.parametrize("claimed", RIVAL_CLAIMS)
def test_a_lost_race_is_decided_again_on_fresh_state_even_with_a_cache_switched_on(
        akkoord, store, tmp_path, monkeypatch, claimed):
    from akkoord.bootstrap import open_store
    from akkoord.domain.errors import EventRefused
    from akkoord.interchange.logformat import read_log_file

    # The library reads these from the environment; a stale cached dossier would lose every retry.
    monkeypatch.setenv("AKKOORD_AGGREGATE_CACHE_MAXSIZE", "10")
    monkeypatch.setenv("AKKOORD_AGGREGATE_CACHE_FASTFORWARD", "n")
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    recorded = len(akkoord("--db", store, "log", "--json").json())
    event, refusal = RIVAL_CLAIMS[claimed]

    def claim_by(party_id: str) -> list:
        by = {"proposed_by": [party_id]} if "revision" in event else {
            "stakeholder" if event["type"] == "position_taken" else "by": party_id}
        log = write_log(tmp_path, [{"date": DATE, **event, **by}], name=f"{party_id}.json")
        return read_log_file(str(log)).entries

    loser, winner = open_store(store).app, open_store(store).app
    decide = loser._decide
    decisions = []

    def decide_while_the_winner_stores_first(*args):
        decided = decide(*args)
        if not decisions:
            winner.record("test-dossier", claim_by("B"), "vng")
        decisions.append(decided)
        return decided

    monkeypatch.setattr(loser, "_decide", decide_while_the_winner_stores_first)
    # The race is forced in one process: the loser must not hold the writers' lock (which makes
    # such a race impossible) while the winner stores, so the safety net under it is what is tested.
    monkeypatch.setattr(loser, "_deciding",
                        lambda negotiation, expected_events: contextlib.nullcontext())
    with pytest.raises(EventRefused, match=refusal):
        loser.record("test-dossier", claim_by("A"), "vb")
    assert len(decisions) == 1  # the retry read the winner's event and refused: no second save
    log = akkoord("--db", store, "log", "--json").json()
    assert [entry["recorded_by"] for entry in log[recorded:]] == ["vng"]


def test_a_store_locked_past_the_timeout_refuses_the_file_without_a_traceback(
        akkoord, store, tmp_path, monkeypatch):
    import sqlite3

    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    monkeypatch.setenv("AKKOORD_SQLITE_LOCK_TIMEOUT", "1")
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = akkoord("--db", store, "import", commitment_x(tmp_path, "A"))
    finally:
        holder.rollback()
        holder.close()
    assert result.status == 2
    assert "could not be written: database is locked (nothing of this file was stored)" in result.err
    assert akkoord("--db", store, "commitments", "--json").json() == []
