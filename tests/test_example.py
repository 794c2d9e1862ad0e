"""The example store: the memo's verdelingsvoorstel, and the store kept in step with its source."""

from __future__ import annotations

from pathlib import Path

from conftest import EXAMPLE_SOURCE, EXAMPLE_STORE


def test_example_proposal_is_the_memos_verdelingsvoorstel(akkoord, example_store):
    proposal = akkoord("--db", example_store, "proposal", "--json").json()
    assert proposal["years"] == [2025, 2026, 2027]
    items = {item["id"]: item["by_year"] for item in proposal["items"]}
    assert items["noodsteunpunten"] == {"2025": 5_000_000, "2026": 10_000_000, "2027": 35_000_000}
    assert items["versterking-veiligheidsregios"] == {"2025": 0, "2026": 0, "2027": 25_000_000}
    assert items["jenv"] == {"2025": 5_000_000, "2026": 10_000_000, "2027": 10_000_000}
    assert proposal["budget"] == {"2025": 10_000_000, "2026": 20_000_000, "2027": 70_000_000}
    assert proposal["unallocated"] == {"2025": 0, "2026": 0, "2027": 0}
    assert proposal["status"] == "draft"


def test_example_proposal_reads_as_euros(akkoord, example_store):
    out = akkoord("--db", example_store, "proposal").out
    assert "€ 35.000.000" in out and "€ 25.000.000" in out and "€ 70.000.000" in out


def test_two_commitments_due_6_october_turn_overdue(akkoord, example_store):
    before = akkoord("--db", example_store, "commitments", "--json", "--as-of", "2025-07-01").json()
    after = akkoord("--db", example_store, "commitments", "--json", "--as-of", "2025-10-07").json()
    due_6_october = [c["id"] for c in before if c["due"] == "2025-10-06"]
    assert len(due_6_october) == 2
    assert {c["id"]: c["status"] for c in before if c["id"] in due_6_october} == dict.fromkeys(due_6_october, "open")
    assert {c["id"]: c["status"] for c in after if c["id"] in due_6_october} == dict.fromkeys(due_6_october, "overdue")


def _history(akkoord, store: Path) -> list[tuple]:
    return [(e["negotiation"], e["type"], e["date"], e["ref"], e["data"])
            for e in akkoord("--db", store, "log", "--json").json()]


def test_committed_example_store_matches_its_source_file(akkoord, example_store, tmp_path):
    fresh = tmp_path / "fresh.db"
    assert akkoord("--db", fresh, "import", EXAMPLE_SOURCE).status == 0
    assert _history(akkoord, example_store) == _history(akkoord, fresh), (
        "events.db.example is out of step with its source; rebuild it with the command in the README")


def test_example_store_is_recorded_by_the_documented_actor(akkoord, example_store):
    recorders = {e["recorded_by"] for e in akkoord("--db", example_store, "log", "--json").json()}
    assert recorders == {"akkoord-example"}
    assert EXAMPLE_STORE.exists()
