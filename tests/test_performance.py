"""What the performance work must not change: answers, atomic files, quiet pipes.

No timing is asserted here; benchmarks/run.py measures.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from conftest import count_events, write_log

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import generate  # noqa: E402

READERS = (["proposal"], ["positions"], ["claims"], ["commitments"], ["status"], ["log"],
           ["log", "--stakeholder", "P001"], ["proposal", "--as-of", "2022-06-01"],
           ["commitments", "--known-at", "700"], ["log", "--known-at", "900"])


def generated(directory: Path, name: str, events: list[dict]) -> Path:
    path = directory / name
    with path.open("w", encoding="utf-8") as stream:
        generate.write_log(stream, iter(events))
    return path


def answers(akkoord, store: Path, views: Path) -> list:
    return [akkoord("--db", store, "--views", views, *reader, "--json").json()
            for reader in READERS]


@pytest.fixture
def dossier_events() -> list[dict]:
    """A generated dossier of 1,500 events: every event type, retractions included."""
    events = list(generate.dossier_events(1500, seed=7))
    assert any(event["type"] == "event_retracted" for event in events)
    return events


def test_views_caught_up_piece_by_piece_answer_as_a_rebuild(akkoord, tmp_path, dossier_events):
    store, views = tmp_path / "events.db", tmp_path / "views.db"
    for number, start in enumerate(range(0, len(dossier_events), 400)):
        part = generated(tmp_path, f"part{number}.json", dossier_events[start:start + 400])
        assert akkoord("--db", store, "import", part).status == 0
        akkoord("--db", store, "--views", views, "status", "--json")  # catch up in between
    incremental = answers(akkoord, store, views)
    assert akkoord("--db", store, "--views", views, "rebuild").status == 0
    assert answers(akkoord, store, views) == incremental
    assert any(entry["retracted_by"] for entry in incremental[5])


def test_views_read_through_the_application_answer_as_views_read_from_the_file(
        akkoord, tmp_path, dossier_events, monkeypatch):
    """An encrypted or PostgreSQL store is read through the recorder and staged; same views."""
    store = tmp_path / "events.db"
    akkoord("--db", store, "import", generated(tmp_path, "all.json", dossier_events))
    from_file = answers(akkoord, store, tmp_path / "file-views.db")
    from akkoord.projections import catchup

    monkeypatch.setattr(catchup.SQLiteStore, "holds_plain_json", lambda self, views: False)
    monkeypatch.setattr(catchup, "BATCH", 300)
    assert answers(akkoord, store, tmp_path / "app-views.db") == from_file


def test_a_large_json_file_is_stored_as_a_stream_and_whole(akkoord, tmp_path, monkeypatch,
                                                           dossier_events):
    from akkoord.application import service
    from akkoord.store import chain

    monkeypatch.setattr(service, "STREAM_CHUNK", 100)
    monkeypatch.setattr(chain, "BATCH", 64)  # the chain is written in many pages, as at scale
    store = tmp_path / "events.db"
    result = akkoord("--db", store, "import", generated(tmp_path, "big.json", dossier_events),
                     "--json")
    assert result.status == 0, result.err
    assert result.json()[0]["positions"] == [1, 1500]
    assert count_events(store) == 1500
    log = akkoord("--db", store, "log", "--json").json()
    assert [entry["data"]["type"] for entry in log] == [e["type"] for e in dossier_events]
    # Chained as inserted, the chain is the one verify recomputes from the stored events.
    assert akkoord("--db", store, "verify").status == 0


def test_a_refusal_late_in_a_streamed_file_stores_nothing_of_it(akkoord, tmp_path, monkeypatch,
                                                                dossier_events):
    from akkoord.application import service

    monkeypatch.setattr(service, "STREAM_CHUNK", 100)
    store = tmp_path / "events.db"
    akkoord("--db", store, "import", generated(tmp_path, "first.json", dossier_events[:50]))
    more = dossier_events[50:] + [{"type": "commitment_fulfilled", "date": "2030-01-01",
                                   "id": "no-such-commitment"}]
    result = akkoord("--db", store, "import", generated(tmp_path, "more.json", more))
    assert result.status == 2
    assert f"events[{len(more) - 1}]" in result.err and "no-such-commitment" in result.err
    assert count_events(store) == 50
    assert akkoord("--db", store, "verify").status == 0  # the refused events' links went too


def test_a_json_file_with_events_before_its_header_still_imports(akkoord, tmp_path):
    events = list(generate.dossier_events(80, seed=3))
    path = tmp_path / "events-first.json"
    path.write_text(json.dumps({"events": events, "negotiation": "n", "format": "akkoord/1",
                                "source": {"document": "Verslag"}}), encoding="utf-8")
    store = tmp_path / "events.db"
    assert akkoord("--db", store, "import", path).status == 0
    log = akkoord("--db", store, "log", "--json").json()
    assert len(log) == 80 and log[-1]["data"]["source"] == {"document": "Verslag"}


def test_invalid_json_in_a_streamed_file_is_refused_whole(akkoord, tmp_path):
    path = tmp_path / "broken.json"
    text = generated(tmp_path, "ok.json", list(generate.dossier_events(60))).read_text()
    path.write_text(text.replace('"type": "position_taken"', '"type" "position_taken"', 1))
    store = tmp_path / "events.db"
    result = akkoord("--db", store, "import", path)
    assert result.status == 2 and "not valid JSON" in result.err
    assert count_events(store) == 0


def test_piped_import_and_rebuild_show_no_progress(akkoord, tmp_path, dossier_events):
    store = tmp_path / "events.db"
    imported = akkoord("--db", store, "import", generated(tmp_path, "all.json", dossier_events))
    rebuilt = akkoord("--db", store, "rebuild")
    assert imported.status == rebuilt.status == 0
    assert imported.err == rebuilt.err == ""
    assert imported.out.count("\n") == 1 and rebuilt.out.count("\n") == 1


def test_progress_shows_on_a_terminal_and_not_with_json(akkoord, tmp_path, monkeypatch,
                                                        dossier_events):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    path = generated(tmp_path, "all.json", dossier_events)
    shown = akkoord("--db", tmp_path / "a.db", "import", path)
    assert "importing" in shown.err and "1.500 events" in shown.err
    quiet = akkoord("--db", tmp_path / "b.db", "import", path, "--json")
    assert quiet.err == "" and quiet.json()[0]["events"] == 1500


def test_views_of_an_older_layout_are_rebuilt(akkoord, example_store, tmp_path):
    views = tmp_path / "views.db"
    before = akkoord("--db", example_store, "--views", views, "proposal", "--json").json()
    with sqlite3.connect(views) as connection:
        connection.execute("UPDATE tracking SET version = 1")
    assert akkoord("--db", example_store, "--views", views, "proposal", "--json").json() == before


def test_events_are_stored_in_the_notation_of_the_example_store(example_store):
    """Stored events keep their bytes: each event of the committed store, decoded and encoded
    again by today's code, is what was stored."""
    from akkoord.bootstrap import open_store

    app = open_store(example_store).app
    try:
        stored = app.recorder.select_notifications(start=1, limit=1000)
        assert stored
        for notification in stored:
            event = app.mapper.to_domain_event(notification)
            assert app.mapper.to_stored_event(event).state == notification.state
    finally:
        app.close()
