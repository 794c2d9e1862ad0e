"""Provenance: every figure leads to the events behind it; one event shown whole; one thing's history."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import basic_dossier, party, revision, write_log

MEMO = "Update Voorjaarsnota en weerbaarheid n.a.v. Veiligheidsberaad 27 juni 2025"


def numbers(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, dict):
        return [n for inner in value.values() for n in numbers(inner)]
    if isinstance(value, list):
        return [n for inner in value for n in numbers(inner)]
    return []


def test_every_number_of_the_example_proposal_leads_to_the_memos_events(akkoord, example_store):
    proposal = akkoord("--db", example_store, "proposal", "--json").json()
    sources = proposal["sources"]
    traced: dict[str, list[int]] = {}
    for key, value in proposal.items():
        if key in ("sources", "items") or not numbers(value):
            continue
        assert sources.get(key), f"{key} has numbers but no sources"
        traced[key] = sources[key]
    assert set(traced) == {"revision", "years", "total", "budget", "unallocated"}
    for item in proposal["items"]:
        assert numbers(item["by_year"]) and item["sources"]
        traced[f"item {item['id']}"] = item["sources"]
    for figure, positions in traced.items():
        for position in positions:
            event = akkoord("--db", example_store, "log", "--position", str(position), "--json").json()
            assert event["data"]["source"]["document"] == MEMO, figure
            assert event["type"] in ("proposal_revised", "negotiation_opened"), figure
            if figure.startswith("item "):
                assert figure[5:] in [i["id"] for i in event["data"]["items"]]


def test_register_rows_carry_their_sources(akkoord, example_store):
    for register in ("commitments", "claims", "positions"):
        rows = akkoord("--db", example_store, register, "--json").json()
        assert rows and all(row["sources"] for row in rows), register
    commitment = akkoord("--db", example_store, "commitments", "--json").json()[0]
    event = akkoord("--db", example_store, "log", "--position", str(commitment["sources"][0]),
                    "--json").json()
    assert event["type"] == "commitment_made" and event["data"]["id"] == commitment["id"]


def test_log_position_shows_one_event_whole_with_what_it_changed(akkoord, example_store):
    proposal = akkoord("--db", example_store, "proposal", "--json").json()
    position = proposal["sources"]["revision"][0]
    event = akkoord("--db", example_store, "log", "--position", str(position), "--json").json()
    assert event["position"] == position and event["type"] == "proposal_revised"
    assert event["recorded_by"] == "akkoord-example" and event["date"] == "2025-06-27"
    assert event["recorded_at"] and event["data"]["items"][0]["id"] == "noodsteunpunten"
    assert event["stored"]["leaf_holds"] and event["stored"]["version"] == position
    changed = {c["figure"]: (c["before"], c["after"]) for c in event["changes"]}
    assert changed["proposal.total.2027"] == (None, 70_000_000)
    assert changed["proposal.items.noodsteunpunten.by_year.2025"] == (None, 5_000_000)
    text = akkoord("--db", example_store, "log", "--position", str(position)).out
    assert f"position {position}: proposal_revised" in text and "recorded" in text
    assert "amount: 35000000" in text and "+ proposal" in text


def test_log_position_of_a_later_revision_shows_the_figures_it_moved(akkoord, store, tmp_path):
    second = revision(2, items=[{"id": "noodsteunpunten", "purpose": "p", "recipient": "B",
                                 "amounts": [{"year": 2025, "amount": "6M"},
                                             {"from": 2027, "amount": "35M"}]}])
    assert akkoord("--db", store, "import", write_log(tmp_path, [*basic_dossier(), second])).status == 0
    changes = akkoord("--db", store, "log", "--position", "6", "--json").json()["changes"]
    moved = {c["figure"]: (c["before"], c["after"]) for c in changes}
    assert moved["proposal.items.noodsteunpunten.by_year.2025"] == (5_000_000, 6_000_000)
    assert moved["proposal.revision"] == (1, 2)
    assert "proposal.items.noodsteunpunten.by_year.2027" not in moved
    out = akkoord("--db", store, "log", "--position", "6").out
    assert "~ proposal.items.noodsteunpunten.by_year.2025: 5000000 -> 6000000" in out


def test_log_position_that_is_not_there_is_a_usage_error(akkoord, example_store):
    assert akkoord("--db", example_store, "log", "--position", "999").status == 2
    assert akkoord("--db", example_store, "log", "--position", "20", "--known-at", "10").status == 2


def test_history_of_an_item_in_the_example_lists_revision_1_with_its_amounts(akkoord, example_store):
    result = akkoord("--db", example_store, "history", "item:noodsteunpunten", "--json").json()
    revisions = [e for e in result["entries"] if e["type"] == "proposal_revised"]
    assert len(revisions) == 1
    assert revisions[0]["detail"] == {"revision": 1, "status": "draft",
                                      "proposed_by": ["JENV", "VNG", "RCDV"]}
    assert revisions[0]["by_year"] == {"2025": 5_000_000, "2026": 10_000_000, "2027": 35_000_000}
    stances = [e for e in result["entries"] if e["type"] == "position_taken"]
    assert [(s["detail"]["stakeholder"], s["detail"]["stance"]) for s in stances] == [("VB", "conditional")]
    text = akkoord("--db", example_store, "history", "item:noodsteunpunten").out
    assert "€ 35.000.000" in text and "revision 1 (draft) proposed by JENV, VNG, RCDV" in text


def amounts(first: str, later: str) -> list[dict[str, Any]]:
    return [{"year": 2025, "amount": first}, {"from": 2026, "amount": later}]


@pytest.fixture
def dossier_with_a_past(akkoord, store, tmp_path) -> Any:
    """Revisions that change, then drop, an item; a moved deadline; a retracted stance."""
    events = [
        *basic_dossier(),  # positions 1-5: revision 1 holds noodsteunpunten 5M (2025), 35M (2027+)
        {"type": "position_taken", "date": "2025-07-01", "stakeholder": "B", "ref": "b-oppose",
         "subject": "item:noodsteunpunten", "stance": "oppose", "summary": "te weinig"},
        revision(2, date="2025-07-10", items=[{"id": "noodsteunpunten", "purpose": "p",
                                               "recipient": "B", "amounts": amounts("6M", "40M")}]),
        {"type": "commitment_made", "date": "2025-07-10", "id": "c1", "by": "C", "to": "A",
         "what": "uitwerken", "due": "2025-09-01"},
        {"type": "commitment_rescheduled", "date": "2025-08-20", "id": "c1", "due": "2025-10-01",
         "reason": "meer tijd"},
        {"type": "event_retracted", "date": "2025-08-21", "retracts": "b-oppose",
         "reason": "verkeerd genoteerd"},
        revision(3, date="2025-09-01", items=[{"id": "anders", "purpose": "q", "recipient": "B",
                                               "amounts": amounts("1M", "2M")}]),
    ]
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0
    return store


def test_history_of_an_item_shows_each_revision_with_its_amounts_and_when_it_went(akkoord, dossier_with_a_past):
    result = akkoord("--db", dossier_with_a_past, "history", "item:noodsteunpunten", "--json").json()
    entries = [(e["position"], e["type"], e.get("item_change"), e.get("by_year")) for e in result["entries"]]
    assert result["years"] == [2025, 2026, 2027]
    assert entries == [
        (5, "proposal_revised", "added", {"2025": 5_000_000, "2026": 0, "2027": 35_000_000}),
        (6, "position_taken", None, None),
        (7, "proposal_revised", "kept", {"2025": 6_000_000, "2026": 40_000_000, "2027": 40_000_000}),
        (10, "event_retracted", None, None),
        (11, "proposal_revised", "removed", {"2025": 0, "2026": 0, "2027": 0}),
    ]
    stance = result["entries"][1]
    assert stance["retracted_by"] == 10 and stance["date"] == "2025-07-01"


def test_history_on_both_time_axes(akkoord, dossier_with_a_past):
    known = akkoord("--db", dossier_with_a_past, "history", "item:noodsteunpunten", "--json",
                    "--known-at", "9").json()["entries"]
    assert [e["position"] for e in known] == [5, 6, 7]
    assert known[1]["retracted_by"] is None  # the retraction was not yet recorded
    as_of = akkoord("--db", dossier_with_a_past, "history", "item:noodsteunpunten", "--json",
                    "--as-of", "2025-07-05").json()["entries"]
    assert [e["position"] for e in as_of] == [5, 6]


def test_history_of_a_commitment_shows_the_deadline_moved(akkoord, dossier_with_a_past):
    result = akkoord("--db", dossier_with_a_past, "history", "commitment:c1", "--json").json()
    assert [(e["type"], e["detail"]) for e in result["entries"]] == [
        ("commitment_made", {"due": "2025-09-01", "due_before": None}),
        ("commitment_rescheduled", {"due": "2025-10-01", "due_before": "2025-09-01"}),
    ]
    text = akkoord("--db", dossier_with_a_past, "history", "commitment:c1").out
    assert "due 2025-09-01 -> 2025-10-01: meer tijd" in text
    assert "2025-08-20" in text and "test-recorder" in text


def test_history_of_a_party_and_of_the_proposal(akkoord, dossier_with_a_past):
    party_b = akkoord("--db", dossier_with_a_past, "history", "B", "--json").json()["entries"]
    assert [e["type"] for e in party_b][:2] == ["stakeholder_registered", "proposal_revised"]
    assert "position_taken" in [e["type"] for e in party_b]
    proposal = akkoord("--db", dossier_with_a_past, "history", "proposal", "--json").json()
    totals = [e["total"]["2025"] for e in proposal["entries"] if e["type"] == "proposal_revised"]
    assert totals == [5_000_000, 6_000_000, 1_000_000]
    r2 = akkoord("--db", dossier_with_a_past, "history", "proposal:r2", "--json").json()["entries"]
    assert [e["position"] for e in r2] == [7]


@pytest.mark.parametrize("subject", ["item:onbekend", "commitment:nope", "X", "proposal:2", "bad subject"])
def test_history_of_nothing_recorded_is_a_usage_error(akkoord, dossier_with_a_past, subject):
    result = akkoord("--db", dossier_with_a_past, "history", subject)
    assert result.status == 2 and result.err.startswith("akkoord: ")


def test_history_does_not_create_a_store(akkoord, tmp_path):
    assert akkoord("--db", tmp_path / "none.db", "history", "proposal").status == 2
    assert not (tmp_path / "none.db").exists()


def test_a_party_registered_later_has_its_own_history(akkoord, store, tmp_path):
    assert akkoord("--db", store, "import", write_log(tmp_path, [*basic_dossier(), party("D")])).status == 0
    entries = akkoord("--db", store, "history", "D", "--json").json()["entries"]
    assert [(e["position"], e["type"]) for e in entries] == [(6, "stakeholder_registered")]
