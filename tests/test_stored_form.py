"""Stored form 2: an import's later events refer to its first event's source and origin.

Within one insert (one import), an event whose source or origin equals the first event's stores
``{"_type_": "akkoord.SourceOf" | "akkoord.OriginOf", "_data_": VERSION}`` instead of the value
(``application.notation``). Every reader must see what it saw when each event stored its own
values: here the same events stored both ways are read by each reader and compared byte for byte.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from conftest import REPO, basic_dossier, party, write_log
from akkoord.application.notation import StoredEventMapper, _views_read
from akkoord.bootstrap import open_store
from akkoord.domain.negotiation import EVENT_TYPES

sys.path.insert(0, str(REPO / "benchmarks"))
import generate  # noqa: E402

SOURCE_OF = '"source":{"_type_":"akkoord.SourceOf","_data_":1}'
ORIGIN_OF = '"origin":{"_type_":"akkoord.OriginOf","_data_":1}'


def states(store: Path) -> list[str]:
    with sqlite3.connect(store) as connection:
        return [row[0].decode("utf-8") for row in connection.execute(
            "SELECT state FROM stored_events ORDER BY rowid")]


def average_length(store: Path) -> float:
    with sqlite3.connect(store) as connection:
        return connection.execute("SELECT avg(length(state)) FROM stored_events").fetchone()[0]


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    path = tmp_path / "dossier.json"
    with path.open("w", encoding="utf-8") as stream:
        generate.write_log(stream, generate.dossier_events(400, seed=3))
    return path


@pytest.fixture
def old_way(monkeypatch: pytest.MonkeyPatch):
    """Runs a command with every event storing its own values (stored form 1)."""

    def run(call):
        with monkeypatch.context() as patch:
            patch.setattr(StoredEventMapper, "refers", False)
            return call()

    return run


def stored_the_old_way(store: Path, copy: Path) -> None:
    """A copy of the store whose events each store their own source and origin: the same events
    (timestamps and all) as read through the application, written again one by one."""
    shutil.copyfile(store, copy)
    app = open_store(store).app
    with sqlite3.connect(copy) as connection:
        rows = connection.execute("SELECT rowid, originator_id, originator_version, topic, state "
                                  "FROM stored_events").fetchall()
        for rowid, dossier, version, topic, state in rows:
            event = app.mapper.to_domain_event(StoredEvent(UUID(dossier), version, topic, state))
            connection.execute("UPDATE stored_events SET state = ? WHERE rowid = ?",
                               (app.mapper.to_stored_event(event).state, rowid))
    assert all("akkoord.SourceOf" not in s and "akkoord.OriginOf" not in s for s in states(copy))


def test_an_import_stores_its_source_and_origin_once(akkoord, store, tmp_path, generated, old_way):
    assert akkoord("--db", store, "import", generated).status == 0
    found = states(store)
    first, *middle, last = found
    assert '"source":{"_type_":"akkoord.Source","_data_":{"document":' in first
    assert '"origin":{"_type_":"akkoord.FileOrigin","_data_":{"name":"dossier.json"' in first
    assert SOURCE_OF in middle[200] and ORIGIN_OF in middle[200]
    # The last carries the digest of the file's events: its origin is its own, in full.
    assert SOURCE_OF in last and ORIGIN_OF not in last
    assert '"events_sha256":"' in last
    referring = sum(ORIGIN_OF in state for state in found)
    assert referring == len(found) - 2
    old = tmp_path / "old.db"
    assert old_way(lambda: akkoord("--db", old, "import", generated)).status == 0
    assert not any("akkoord.OriginOf" in state for state in states(old))
    assert average_length(store) < average_length(old) - 200
    for path in (store, old):
        assert akkoord("--db", path, "verify").status == 0


def test_an_event_with_a_source_of_its_own_stores_it(akkoord, store, tmp_path):
    own = {"document": "Eigen verslag", "page": "3"}
    events = [*basic_dossier()[:3], party("D", source=own), party("E")]
    path = write_log(tmp_path, events, extra={"source": {"document": "Notulen"}})
    assert akkoord("--db", store, "import", path).status == 0
    found = states(store)
    assert '"document":"Eigen verslag"' in found[3] and SOURCE_OF not in found[3]
    assert ORIGIN_OF in found[3]  # the same file all the same
    assert SOURCE_OF in found[1] and SOURCE_OF in found[2]
    shown = akkoord("--db", store, "log", "--position", "4", "--json").json()
    assert shown["data"]["source"] == own
    shown = akkoord("--db", store, "log", "--position", "5", "--json").json()
    assert shown["data"]["source"] == {"document": "Notulen"}


def test_events_recorded_without_a_file_have_no_origin_to_refer_to(akkoord, store, tmp_path):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    assert akkoord("--db", store, "record", "stakeholder_registered", "--negotiation",
                   "test-dossier", "--date", "2025-07-01", "--id", "Q", "--name", "Party Q",
                   "--kind", "council").status == 0
    recorded = states(store)[-1]
    assert '"origin":null' in recorded and '"source":null' in recorded
    shown = akkoord("--db", store, "log", "--position", "6", "--json").json()
    assert shown["origin"] is None


def test_the_log_of_one_event_in_the_middle_shows_its_file_and_source(
        akkoord, store, tmp_path, generated):
    assert akkoord("--db", store, "import", generated).status == 0
    old = tmp_path / "old.db"
    stored_the_old_way(store, old)
    assert SOURCE_OF in states(store)[199] and ORIGIN_OF in states(store)[199]
    for shown_as in ((), ("--json",)):
        new_log = akkoord("--db", store, "log", "--position", "200", *shown_as)
        old_log = akkoord("--db", old, "log", "--position", "200", *shown_as)
        assert new_log.status == old_log.status == 0
        if shown_as:
            entry = new_log.json()
            assert entry["origin"]["name"] == "dossier.json"
            assert len(entry["origin"]["sha256"]) == 64
            assert entry["data"]["source"]["document"]
            old_entry = old_log.json()
            assert entry.pop("stored")["bytes"] < old_entry.pop("stored")["bytes"] - 200
            assert entry == old_entry
        else:
            assert "imported from dossier.json (SHA-256 " in new_log.out
            # the same but for the stored bytes and their hashes
            differing = [(a, b) for a, b in zip(new_log.out.splitlines(), old_log.out.splitlines())
                         if a != b]
            assert all(a.startswith(("stored as", "leaf hash", "chain")) for a, _b in differing)
    every = akkoord("--db", store, "log", "--json", "--limit", "1000").json()
    assert every == akkoord("--db", old, "log", "--json", "--limit", "1000").json()
    assert {entry["origin"]["name"] for entry in every} == {"dossier.json"}


def test_exports_are_those_of_the_same_events_stored_the_old_way(
        akkoord, store, tmp_path, generated):
    assert akkoord("--db", store, "import", generated).status == 0
    assert akkoord("--db", store, "import", write_log(
        tmp_path, [party("Q"), party("R")], name="more.json",
        negotiation="benchmark-dossier")).status == 0
    old = tmp_path / "old.db"
    stored_the_old_way(store, old)
    for format in ("yaml", "jsonl"):
        new_export, old_export = tmp_path / f"new.{format}", tmp_path / f"old.{format}"
        assert akkoord("--db", store, "export", "--format", format, "-o", new_export).status == 0
        assert akkoord("--db", old, "export", "--format", format, "-o", old_export).status == 0
        assert new_export.read_bytes() == old_export.read_bytes()
    lines = (tmp_path / "new.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line).get("sourcefile") for line in lines} == {"dossier.json", "more.json"}


def test_a_second_import_of_the_same_file_is_refused(akkoord, store, tmp_path):
    path = write_log(tmp_path, [*basic_dossier(), party("D"), party("E")])
    assert akkoord("--db", store, "import", path).status == 0
    assert ORIGIN_OF in states(store)[3]
    # Read back from the events (the dossier is too young for a snapshot): the import is known
    # by the digest its last event carries, and where it began by the first's origin.
    again = akkoord("--db", store, "import", path)
    assert again.status == 2
    assert "already recorded in this dossier" in again.err
    assert "at positions 1-7" in again.err


def test_a_store_written_before_still_reads_and_verifies(akkoord, example_store, tmp_path):
    before = states(example_store)
    assert not any("akkoord.OriginOf" in state or "akkoord.SourceOf" in state for state in before)
    shown = akkoord("--db", example_store, "log", "--position", "3", "--json").json()
    assert akkoord("--db", example_store, "verify").status == 0
    # New imports into it refer within themselves only; the old events read as they did.
    path = write_log(tmp_path, [party("Q"), party("R"), party("S")], name="more.json",
                     negotiation="weerbaarheid-2025")
    assert akkoord("--db", example_store, "import", path).status == 0
    after = states(example_store)
    assert after[:len(before)] == before
    assert '"akkoord.OriginOf"' in after[-2] and '"akkoord.OriginOf"' not in after[-3]
    assert akkoord("--db", example_store, "log", "--position", "3", "--json").json() == shown
    assert akkoord("--db", example_store, "verify").status == 0
    assert akkoord("--db", example_store, "export", "-o", tmp_path / "x.yaml").status == 0


def test_the_views_sql_never_meets_a_reference():
    """A field the views' SQL reads from the stored JSON is stored in full (the distribution key's
    source), and the SQL that every event's row is made with reads neither field."""
    from akkoord.projections.views import VIEWS

    read = {name for name, cls in EVENT_TYPES.items() if _views_read(cls)}
    assert read == {"distribution_key_recorded"}
    for view in VIEWS:
        assert not {column.split(".")[0] for column in view.every_event.values()} & {
            "source", "origin"}


def test_a_distribution_key_keeps_its_source_in_full(akkoord, store, tmp_path):
    key = {"type": "distribution_key_recorded", "date": "2025-06-27", "id": "gelijk",
           "method": "shares", "title": "given shares",
           "regions": [{"id": f"R{n}", "name": f"R {n}", "weight": n} for n in (1, 2)]}
    path = write_log(tmp_path, [*basic_dossier(), key], extra={"source": {"document": "Notulen"}})
    assert akkoord("--db", store, "import", path).status == 0
    found = states(store)
    assert SOURCE_OF in found[-2] and SOURCE_OF not in found[-1]
    assert '"source":{"_type_":"akkoord.Source","_data_":{"document":"Notulen"' in found[-1]
    # the views' SQL reads the key's source from the stored JSON as it stands
    views = tmp_path / "views.db"
    assert akkoord("--db", store, "--views", views, "log").status == 0
    with sqlite3.connect(views) as connection:
        (source,), = connection.execute("SELECT source FROM distribution_keys").fetchall()
    assert json.loads(source)["document"] == "Notulen"


def test_a_postgresql_store_stores_and_resolves_the_references(
        akkoord, postgres_store, store, tmp_path, generated):
    import psycopg

    assert akkoord("--db", postgres_store, "import", generated).status == 0
    with psycopg.connect(postgres_store) as connection:
        found = [bytes(row[0]).decode("utf-8") for row in connection.execute(
            "SELECT state FROM akkoord_events ORDER BY notification_id")]
    assert SOURCE_OF in found[199] and ORIGIN_OF in found[199]
    assert sum(ORIGIN_OF in state for state in found) == len(found) - 2
    entry = akkoord("--db", postgres_store, "log", "--position", "200", "--json").json()
    assert entry["origin"]["name"] == "dossier.json" and len(entry["origin"]["sha256"]) == 64
    assert entry["data"]["source"]["document"]
    # What the CloudEvents say of each event is what a SQLite store of the same file says.
    assert akkoord("--db", store, "import", generated).status == 0
    exported = []
    for target in (postgres_store, store):
        export = tmp_path / "export.jsonl"
        assert akkoord("--db", target, "export", "--format", "jsonl", "-o", export).status == 0
        exported.append([{name: line.get(name) for name in ("data", "sourcefile", "id")}
                         for line in map(json.loads, export.read_text("utf-8").splitlines())])
    assert exported[0] == exported[1]
    assert {line["sourcefile"] for line in exported[0]} == {"dossier.json"}
    assert akkoord("--db", postgres_store, "verify").status == 0
    again = akkoord("--db", postgres_store, "import", generated)
    assert again.status == 2 and "already recorded in this dossier" in again.err


@pytest.mark.parametrize("command", [["log", "--position", "7"], ["log"],
                                     ["export", "--format", "yaml"]])
def test_a_reference_to_an_event_deleted_outside_akkoord_is_named_not_a_traceback(
        akkoord, store, tmp_path, command):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier())).status == 0
    more = write_log(tmp_path, [party("Q"), party("R"), party("S")], name="more.json")
    assert akkoord("--db", store, "import", more).status == 0
    with sqlite3.connect(store) as connection:  # the second import's first event, 7 refers to it
        connection.execute("DELETE FROM stored_events WHERE rowid = 6")
    result = akkoord("--db", store, *command)
    assert result.status == 2, result.err
    assert "takes its source/origin from the event of version 6" in result.err
    assert "akkoord verify says where" in result.err and "Traceback" not in result.err
