"""The derived alignment as a view: running sums that equal the tally, and a stance that touches
only the pairs of the parties holding a stance on its subject."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import opening, party, write_log
from akkoord.bootstrap import open_store
from akkoord.interchange.logformat import entry_from_record
from akkoord.projections import alignment, graph
from akkoord.projections.catchup import SQLiteStore, ViewStore
from akkoord.projections.axes import Axes
from akkoord.projections.queries import Queries

NEGOTIATION = "test-dossier"
START = date(2025, 2, 1)
PARTIES = ("A", "B", "C", "D", "E", "F")
SUBJECTS = ("topic:geld", "topic:taken", "topic:tijd", "topic:regio")
STANCES = ("support", "conditional", "oppose", "demand", "neutral")


def stance(who: str, subject: str, word: str, on: str = "2025-02-01", **extra: Any) -> dict:
    return {"type": "position_taken", "date": on, "stakeholder": who, "subject": subject,
            "stance": word, "summary": f"{who} {word}", **extra}


@st.composite
def stance_histories(draw: Any) -> list[dict[str, Any]]:
    """Stances that change, some recorded late for an earlier date, some retracted."""
    events: list[dict[str, Any]] = []
    refs: dict[str, str] = {}  # ref -> date
    for number in range(draw(st.integers(1, 30))):
        on = (START + timedelta(days=draw(st.integers(0, 40)))).isoformat()
        if refs and draw(st.integers(0, 5)) == 0:
            target = draw(st.sampled_from(sorted(refs)))
            events.append({"type": "event_retracted", "date": max(on, refs.pop(target)),
                           "retracts": target, "reason": "in error"})
            continue
        ref = f"s{number}"
        refs[ref] = on
        events.append(stance(draw(st.sampled_from(PARTIES)), draw(st.sampled_from(SUBJECTS)),
                             draw(st.sampled_from(STANCES)), on, ref=ref))
    return events


def tallied_and_kept(views: ViewStore) -> tuple[Any, Any]:
    queries = Queries(views.conn)
    stances = queries.stance_history(NEGOTIATION, Axes())
    kept = alignment.present(views.conn, NEGOTIATION, graph.ALIGNED_PARTIES)
    # the same graph asked for as known at a position past the last: the tally of the stances
    tallied = graph._derived_alignments(queries, NEGOTIATION, Axes(known_at=10**9), stances)
    return tallied, kept


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(events=stance_histories(), cap=st.integers(2, 7), data=st.data())
def test_the_view_of_alignment_equals_the_tally_however_it_catches_up(
        tmp_path_factory, monkeypatch, events, cap, data):
    monkeypatch.setattr(alignment, "ALIGNED_PARTIES", cap)  # what the view keeps
    monkeypatch.setattr(graph, "ALIGNED_PARTIES", cap)  # what the graph asks for
    # the pairs kept row by row, or made again when a catch-up touches many
    monkeypatch.setattr(alignment, "AFRESH_ABOVE", data.draw(st.sampled_from([1.0, 10.0**9])))
    directory = tmp_path_factory.mktemp("alignment")
    app = open_store(directory / "events.db", create=True).app
    app.record(NEGOTIATION, [entry_from_record(e) for e in
                             [opening(date="2025-01-10"),
                              *(party(p, date="2025-01-10") for p in PARTIES)]], "test")
    views = ViewStore(directory / "views.sqlite")
    cuts = sorted(data.draw(st.sets(st.integers(1, len(events)), max_size=4)))
    for start, stop in zip([0, *cuts], [*cuts, len(events)]):
        if start < stop:
            app.record(NEGOTIATION, [entry_from_record(e) for e in events[start:stop]], "test")
        views.catch_up(app)
        tallied, kept = tallied_and_kept(views)
        assert kept == tallied
    rebuilt = ViewStore(directory / "rebuilt.sqlite")
    rebuilt.rebuild(app)
    assert tallied_and_kept(rebuilt) == (tallied, kept)


@pytest.fixture
def many_parties(akkoord, tmp_path: Path) -> tuple[Path, Path]:
    """Eight parties on four subjects, the views caught up."""
    events = [opening(date="2025-01-10"), *(party(f"P{n}", date="2025-01-10") for n in range(8))]
    events += [stance(f"P{n}", subject, STANCES[(n + i) % 5])
               for n in range(8) for i, subject in enumerate(SUBJECTS) if (n + i) % 3]
    store, views = tmp_path / "events.db", tmp_path / "views.db"
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0
    assert akkoord("--db", store, "--views", views, "graph", "--json").status == 0
    return store, views


def written_by_catching_up(store: Path, views: Path) -> dict[str, set[tuple]]:
    """The rows each table of the alignment view had written or removed while catching up."""
    viewstore = ViewStore(views)
    conn = viewstore.conn
    conn.execute("CREATE TEMP TABLE written (tab TEXT, row TEXT)")
    keys = {"alignment_shared": "a, b, subject", "alignment_pairs": "a, b",
            "alignment_engagement": "party", "alignment_held": "party, subject"}
    for table, key in keys.items():
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            values = " || ',' || ".join(f"{row}.{column.strip()}" for column in key.split(","))
            conn.execute(f"CREATE TEMP TRIGGER {table}_{event.lower()} AFTER {event} ON "
                         f"main.{table} BEGIN INSERT INTO written VALUES ('{table}', {values}); "
                         "END")
    viewstore.catch_up(SQLiteStore(store))
    found: dict[str, set[tuple]] = {table: set() for table in keys}
    for table, row in conn.execute("SELECT tab, row FROM written"):
        found[table].add(tuple(row.split(",")))
    viewstore.close()
    return found


def test_a_stance_touches_only_the_pairs_of_its_party_with_the_holders_of_its_subject(
        akkoord, many_parties, tmp_path):
    store, views = many_parties
    with sqlite3.connect(views) as conn:
        holders = {party for (party,) in conn.execute(
            "SELECT party FROM alignment_held WHERE subject = 'topic:taken'")}
        pairs_before = conn.execute("SELECT count(*) FROM alignment_pairs").fetchone()[0]
    assert "P0" in holders and len(holders) >= 4 and pairs_before > len(holders)
    new = write_log(tmp_path, [stance("P0", "topic:taken", "oppose", "2025-02-02")],
                    name="new.json")
    assert akkoord("--db", store, "import", new).status == 0

    written = written_by_catching_up(store, views)

    others = holders - {"P0"}
    assert written["alignment_shared"] == {(*sorted(("P0", q)), "topic:taken") for q in others}
    assert written["alignment_pairs"] == {tuple(sorted(("P0", q))) for q in others}
    assert written["alignment_engagement"] == set()  # P0 held a stance on it: its count stands
    assert written["alignment_held"] == {("P0", "topic:taken")}
    # on a subject it held no stance on: its count of subjects moves, no one else's
    with sqlite3.connect(views) as conn:
        holders = {party for (party,) in conn.execute(
            "SELECT party FROM alignment_held WHERE subject = 'topic:geld'")}
    assert "P0" not in holders
    new = write_log(tmp_path, [stance("P0", "topic:geld", "support", "2025-02-02")],
                    name="geld.json")
    assert akkoord("--db", store, "import", new).status == 0

    written = written_by_catching_up(store, views)

    assert written["alignment_engagement"] == {("P0",)}
    assert written["alignment_shared"] == {(*sorted(("P0", q)), "topic:geld") for q in holders}
    graph_json = akkoord("--db", store, "--views", views, "graph", "--json").json()
    tally = akkoord("--db", store, "--views", views, "graph", "--json", "--known-at", "999").json()
    assert graph_json["edges"] == tally["edges"]


def test_a_party_that_becomes_one_of_the_most_engaged_brings_its_pairs(akkoord, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setattr(alignment, "ALIGNED_PARTIES", 2)
    monkeypatch.setattr(graph, "ALIGNED_PARTIES", 2)
    events = [opening(date="2025-01-10"), *(party(p, date="2025-01-10") for p in "ABC"),
              stance("A", "topic:geld", "support"), stance("A", "topic:taken", "support"),
              stance("B", "topic:geld", "oppose"), stance("B", "topic:taken", "support"),
              stance("C", "topic:geld", "support")]
    store, views = tmp_path / "events.db", tmp_path / "views.db"
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0

    def pairs() -> list[tuple[str, str]]:
        result = akkoord("--db", store, "--views", views, "graph", "--json")
        return sorted((e["source"], e["target"]) for e in result.json()["edges"]
                      if e["relation"] == "alignment")

    assert pairs() == [("A", "B")]
    more = [stance("C", "topic:taken", "support", "2025-02-03"),
            stance("C", "topic:tijd", "support", "2025-02-03")]
    assert akkoord("--db", store, "import", write_log(tmp_path, more, name="more.json")).status == 0
    assert pairs() == [("A", "C")]  # C now holds three subjects, B two: B leaves
    with sqlite3.connect(views) as conn:
        assert {p for (p,) in conn.execute("SELECT party FROM alignment_parties")} == {"A", "C"}
        assert conn.execute("SELECT count(*) FROM alignment_shared WHERE 'B' IN (a, b)"
                            ).fetchone() == (0,)
