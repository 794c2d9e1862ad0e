"""The views: shapes of cli.md, retractions, both time axes, agreements, diff, catch-up and rebuild."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import basic_dossier, count_events, party, revision, write_log

D = "2025-07-01"


def imported(akkoord, store, tmp_path, events, name="log.json"):
    result = akkoord("--db", store, "import", write_log(tmp_path, events, name=name))
    assert result.status == 0, result.err
    return result


def test_json_shapes_of_cli_md(akkoord, example_store):
    proposal = akkoord("--db", example_store, "proposal", "--json").json()
    assert {"negotiation", "revision", "status", "agreed_by", "years", "items", "total", "budget",
            "unallocated"} <= set(proposal)
    for item in proposal["items"]:
        assert {"id", "purpose", "recipient", "distribution", "conditions", "by_year"} <= set(item)
        assert set(item["by_year"]) == {str(y) for y in proposal["years"]}
    commitment = akkoord("--db", example_store, "commitments", "--json").json()[0]
    assert {"id", "by", "to", "what", "due", "status", "history"} <= set(commitment)
    assert isinstance(commitment["to"], list)
    claim = akkoord("--db", example_store, "claims", "--json").json()[0]
    assert {"id", "by", "against", "subject", "amount", "status"} <= set(claim)
    positions = akkoord("--db", example_store, "positions", "--json").json()
    assert {"stakeholder", "subject", "stance", "summary", "date"} <= set(positions[0])
    assert any(p["subject"] == "proposal:r1" for p in positions)
    entry = akkoord("--db", example_store, "log", "--json").json()[0]
    assert {"position", "recorded_at", "recorded_by", "date", "negotiation", "type", "ref",
            "summary", "data"} <= set(entry)
    assert entry["data"]["budget"][0] == {"party": "RIJK", "purpose": "Voorjaarsnota: versterken weerbaarheid",
                                          "amount": 70_000_000, "from": 2027}


def test_retraction_removes_a_fact_from_views_but_not_from_the_log(akkoord, store, tmp_path):
    imported(akkoord, store, tmp_path, basic_dossier() + [
        {"type": "commitment_made", "date": D, "id": "c1", "by": "A", "to": ["B"], "what": "w",
         "ref": "wrong"},
    ])
    imported(akkoord, store, tmp_path, [
        {"type": "event_retracted", "date": D, "retracts": "wrong", "reason": "recorded in error"},
    ], name="fix.json")
    assert akkoord("--db", store, "commitments", "--json").json() == []
    log = akkoord("--db", store, "log", "--json").json()
    made = next(e for e in log if e["type"] == "commitment_made")
    assert made["retracted_by"] == log[-1]["position"]
    before_fix = akkoord("--db", store, "commitments", "--json", "--known-at", str(made["position"])).json()
    assert [c["id"] for c in before_fix] == ["c1"]
    # The id is free again: the corrected fact can be recorded.
    imported(akkoord, store, tmp_path, [
        {"type": "commitment_made", "date": D, "id": "c1", "by": "B", "to": ["A"], "what": "right"},
    ], name="again.json")
    assert [(c["by"], c["what"]) for c in akkoord("--db", store, "commitments", "--json").json()] == [("B", "right")]


def test_retracted_revision_gives_way_to_the_previous_one(akkoord, store, tmp_path):
    imported(akkoord, store, tmp_path, basic_dossier() + [
        revision(2, date=D, ref="r2", items=[{"id": "x", "purpose": "p", "recipient": "B",
                                             "amounts": [{"year": 2025, "amount": "1M"}]}]),
        {"type": "event_retracted", "date": D, "retracts": "r2", "reason": "wrong file"},
    ])
    assert akkoord("--db", store, "proposal", "--json").json()["revision"] == 1
    result = akkoord("--db", store, "proposal", "--revision", "2")
    assert result.status == 2 and "revision 2 does not exist" in result.err


def test_late_transcription_takes_its_place_by_date(akkoord, store, tmp_path):
    imported(akkoord, store, tmp_path, basic_dossier() + [
        {"type": "position_taken", "date": "2025-09-01", "stakeholder": "A", "subject": "topic:x",
         "stance": "oppose", "summary": "later"},
        # recorded after, but happened before: it must not supersede the later stance
        {"type": "position_taken", "date": "2025-08-01", "stakeholder": "A", "subject": "topic:x",
         "stance": "support", "summary": "earlier"},
    ])
    stances = akkoord("--db", store, "positions", "--json").json()
    assert [(p["stance"], p["date"]) for p in stances] == [("oppose", "2025-09-01")]
    as_of = akkoord("--db", store, "positions", "--json", "--as-of", "2025-08-15").json()
    assert [p["stance"] for p in as_of] == ["support"]


def test_the_latest_stance_is_by_date_then_position_and_a_retracted_one_gives_way(
        akkoord, store, tmp_path):
    imported(akkoord, store, tmp_path, basic_dossier() + [
        {"type": "position_taken", "date": "2025-09-01", "stakeholder": "B", "subject": "topic:x",
         "stance": "oppose", "summary": "first that day"},
        {"type": "position_taken", "date": "2025-09-01", "stakeholder": "B", "subject": "topic:x",
         "stance": "support", "summary": "second that day", "ref": "b-later"},
        {"type": "position_taken", "date": "2025-08-01", "stakeholder": "A", "subject": "topic:y",
         "stance": "demand", "summary": "A on y"},
        {"type": "position_taken", "date": "2025-08-01", "stakeholder": "A", "subject": "topic:x",
         "stance": "neutral", "summary": "A on x"},
    ])
    stances = akkoord("--db", store, "positions", "--json").json()
    assert [(p["stakeholder"], p["subject"], p["summary"]) for p in stances] == [
        ("A", "topic:x", "A on x"), ("A", "topic:y", "A on y"), ("B", "topic:x", "second that day")]
    imported(akkoord, store, tmp_path, [
        {"type": "event_retracted", "date": "2025-09-02", "retracts": "b-later", "reason": "wrong"},
    ], name="fix.json")
    stances = akkoord("--db", store, "positions", "--json").json()
    assert [p["summary"] for p in stances if p["stakeholder"] == "B"] == ["first that day"]


def test_commitment_lifecycle_and_status_filter(akkoord, store, tmp_path):
    imported(akkoord, store, tmp_path, basic_dossier() + [
        {"type": "commitment_made", "date": D, "id": "c1", "by": "A", "to": "B", "what": "w", "due": "2025-09-01"},
        {"type": "commitment_rescheduled", "date": "2025-08-20", "id": "c1", "due": "2025-12-01", "reason": "later"},
        {"type": "commitment_made", "date": D, "id": "c2", "by": "B", "to": ["A", "C"], "what": "v"},
        {"type": "commitment_fulfilled", "date": "2025-09-10", "id": "c2", "evidence": "brief"},
    ])
    def states(*extra):
        return {c["id"]: (c["status"], c["due"]) for c in akkoord("--db", store, "commitments", "--json", *extra).json()}
    assert states("--as-of", "2025-08-10") == {"c1": ("open", "2025-09-01"), "c2": ("open", None)}
    assert states("--as-of", "2025-09-05") == {"c1": ("open", "2025-12-01"), "c2": ("open", None)}
    assert states("--as-of", "2025-12-02") == {"c1": ("overdue", "2025-12-01"), "c2": ("fulfilled", None)}
    assert list(states("--as-of", "2025-12-02", "--status", "fulfilled")) == ["c2"]


def test_claims_settle(akkoord, store, tmp_path):
    imported(akkoord, store, tmp_path, basic_dossier() + [
        {"type": "claim_lodged", "date": D, "id": "ptss", "by": "A", "against": "C", "subject": "PTSS",
         "summary": "s", "amount": "27.7M"},
        {"type": "claim_settled", "date": "2025-10-01", "id": "ptss", "outcome": "partially_granted", "amount": "10M"},
    ])
    claims = {c["id"]: c for c in akkoord("--db", store, "claims", "--json").json()}
    assert claims["ptss"]["amount"] == 27_700_000 and claims["ptss"]["status"] == "partially_granted"
    open_then = akkoord("--db", store, "claims", "--json", "--as-of", "2025-09-01").json()
    assert open_then[0]["status"] == "open"


def test_agreement_makes_a_revision_agreed(akkoord, store, tmp_path):
    imported(akkoord, store, tmp_path, basic_dossier() + [
        {"type": "agreement_reached", "date": "2025-10-06", "revision": 1, "parties": ["A", "C"]},
        {"type": "agreement_reached", "date": "2025-10-07", "revision": 1, "parties": ["B", "A"]},
    ])
    proposal = akkoord("--db", store, "proposal", "--json").json()
    assert (proposal["status"], proposal["agreed_by"]) == ("agreed", ["A", "C", "B"])
    assert akkoord("--db", store, "proposal", "--json", "--as-of", "2025-10-05").json()["status"] == "draft"


def test_budget_and_years_follow_the_latest_envelope(akkoord, store, tmp_path):
    imported(akkoord, store, tmp_path, basic_dossier() + [
        {"type": "budget_changed", "date": "2025-09-01",
         "budget": [{"party": "RIJK", "from": 2026, "until": 2028, "amount": "40M"}]},
    ])
    proposal = akkoord("--db", store, "proposal", "--json").json()
    assert proposal["years"] == [2025, 2026, 2027, 2028, 2029]
    assert proposal["budget"] == {"2025": 0, "2026": 40_000_000, "2027": 40_000_000,
                                  "2028": 40_000_000, "2029": 0}
    assert proposal["unallocated"]["2029"] == -35_000_000  # asks more than is on the table: shown
    older = akkoord("--db", store, "proposal", "--json", "--as-of", "2025-08-01").json()
    assert older["budget"]["2027"] == 70_000_000


def test_diff_item_by_item_and_year_by_year(akkoord, store, tmp_path):
    imported(akkoord, store, tmp_path, basic_dossier() + [
        revision(2, date=D, items=[
            {"id": "noodsteunpunten", "purpose": "p", "recipient": "B",
             "amounts": [{"year": 2025, "amount": "5M"}, {"from": 2027, "amount": "30M"}]},
            {"id": "pilots", "purpose": "q", "recipient": "B", "amounts": [{"year": 2026, "amount": "2M"}]},
        ]),
    ])
    diff = akkoord("--db", store, "diff", "1", "2", "--json").json()
    items = {i["id"]: i for i in diff["items"]}
    assert items["noodsteunpunten"]["change"] == "changed"
    assert items["noodsteunpunten"]["by_year"]["2027"] == {"from": 35_000_000, "to": 30_000_000, "delta": -5_000_000}
    assert items["pilots"]["change"] == "added"
    assert items["pilots"]["by_year"]["2026"]["delta"] == 2_000_000
    assert diff["total"]["2027"]["delta"] == -5_000_000
    assert "€ 5.000.000" in akkoord("--db", store, "diff", "1", "2").out


def test_log_filters(akkoord, example_store):
    def types(*extra):
        return [e["type"] for e in akkoord("--db", example_store, "log", "--json", *extra).json()]
    assert set(types("--type", "claim_lodged")) == {"claim_lodged"}
    by_gem = akkoord("--db", example_store, "log", "--json", "--stakeholder", "GEM").json()
    assert {e["type"] for e in by_gem} == {"stakeholder_registered", "role_assigned"}
    assert types("--since", "2025-06-28") == []
    assert len(types("--known-at", "3")) == 3


def test_reading_a_missing_store_exits_2_and_creates_nothing(akkoord, tmp_path):
    for command in ("proposal", "log", "commitments", "claims", "positions", "status", "rebuild"):
        missing = tmp_path / "missing.db"
        result = akkoord("--db", missing, command)
        assert result.status == 2, command
        assert "does not exist" in result.err
        assert not missing.exists()


def test_reading_a_file_that_is_no_store_exits_2(akkoord, tmp_path):
    not_a_store = tmp_path / "notes.db"
    not_a_store.write_text("shopping list")
    result = akkoord("--db", not_a_store, "proposal")
    assert result.status == 2 and "cannot be read" in result.err
    assert not_a_store.read_text() == "shopping list"


def test_reading_commands_never_write_events(akkoord, example_store):
    before = count_events(example_store)
    for command in ("proposal", "log", "commitments", "claims", "positions", "status", "rebuild"):
        assert akkoord("--db", example_store, command).status == 0, command
    assert count_events(example_store) == before


def test_store_from_environment_and_options_after_the_command(akkoord, example_store, monkeypatch):
    monkeypatch.setenv("AKKOORD_DB", str(example_store))
    assert akkoord("proposal", "--json").json()["revision"] == 1
    monkeypatch.delenv("AKKOORD_DB")
    assert akkoord("proposal", "--db", str(example_store), "--json").json()["revision"] == 1


def test_recorder_from_option(akkoord, store, tmp_path):
    akkoord("--db", store, "--as", "griffier", "import", write_log(tmp_path, basic_dossier()))
    assert {e["recorded_by"] for e in akkoord("--db", store, "log", "--json").json()} == {"griffier"}


def test_views_rebuild_when_the_store_is_replaced(akkoord, store, tmp_path):
    imported(akkoord, store, tmp_path, basic_dossier())
    assert len(akkoord("--db", store, "log", "--json").json()) == 5
    store.unlink()
    imported(akkoord, store, tmp_path, basic_dossier()[:3], name="other.json")
    assert len(akkoord("--db", store, "log", "--json").json()) == 3


def test_views_catch_up_after_new_imports(akkoord, store, tmp_path):
    imported(akkoord, store, tmp_path, basic_dossier())
    assert akkoord("--db", store, "positions", "--json").json() == []
    imported(akkoord, store, tmp_path, [
        {"type": "position_taken", "date": D, "stakeholder": "A", "subject": "proposal",
         "stance": "support", "summary": "ja"}], name="more.json")
    assert [p["subject"] for p in akkoord("--db", store, "positions", "--json").json()] == ["proposal:r1"]


def test_several_dossiers_need_a_name(akkoord, store, tmp_path):
    imported(akkoord, store, tmp_path, basic_dossier())
    akkoord("--db", store, "import", write_log(tmp_path, basic_dossier(), name="b.json", negotiation="other"))
    result = akkoord("--db", store, "proposal")
    assert result.status == 2 and "--negotiation" in result.err
    assert akkoord("--db", store, "proposal", "--negotiation", "other", "--json").json()["negotiation"] == "other"
    unknown = akkoord("--db", store, "proposal", "--negotiation", "nope")
    assert unknown.status == 2 and "no dossier 'nope'" in unknown.err


def test_installed_command_gives_no_traceback_for_user_mistakes(tmp_path):
    script = Path(sys.executable).with_name("akkoord")
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: akkoord/1\nnegotiation: t\nevents:\n  - {type: negotiation_opened, date: 2025-13-01}\n")
    for args in (["--db", str(tmp_path / "s.db"), "import", str(broken)],
                 ["--db", str(tmp_path / "missing.db"), "proposal"],
                 ["--db", str(tmp_path / "s.db"), "import", str(tmp_path / "no-such-file.yaml")],
                 ["proposal", "--as-of", "yesterday"]):
        result = subprocess.run([str(script), *args], capture_output=True, text=True,
                                env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_status_shows_the_dossier_at_a_glance(akkoord, example_store):
    status = akkoord("--db", example_store, "status", "--json", "--as-of", "2025-07-01").json()
    assert status["proposal"]["total"]["2027"] == 70_000_000
    assert status["counts"]["commitments"] == 2
    assert status["overdue"] == [] and status["due_soon"] == []
    assert {c["id"] for c in status["claims"]} == {"bdur-korting", "bouwsteen-1", "ptss", "natuurbrandbestrijding"}
    assert [m["scheduled_for"] for m in status["meetings"]] == ["2025-07-09", "2025-10-06"]
    later = akkoord("--db", example_store, "status", "--as-of", "2025-10-07").out
    assert "overdue" in later and "€ 70.000.000" in later
    # Meetings whose date passed without meeting_held stay, marked past (cli.md revision 2).
    assert "Meetings not held:" in later and "  past, not held  " in later


def test_status_counts_leave_out_what_was_retracted_by_then(akkoord, store, tmp_path):
    """The counts are read off the date index less the facts retracted by then: a retracted
    commitment, claim or party counts until the retraction is recorded, and not after it."""
    events = [
        *basic_dossier(),  # positions 1-5
        party("D"),  # 6
        {"type": "commitment_made", "date": "2025-07-01", "id": "c1", "by": "A", "to": "B",
         "what": "iets"},  # 7
        {"type": "commitment_made", "date": "2025-07-01", "id": "c2", "by": "A", "to": "B",
         "what": "nog iets", "ref": "c2"},  # 8
        {"type": "claim_lodged", "date": "2025-07-02", "id": "k1", "by": "B", "against": "C",
         "subject": "s", "summary": "claim"},  # 9
    ]
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0
    retractions = [
        {"type": "event_retracted", "date": "2025-07-03", "retracts": "c2", "reason": "fout"},
        {"type": "event_retracted", "date": "2025-07-03", "retracts_position": 9, "reason": "fout"},
        {"type": "event_retracted", "date": "2025-07-03", "retracts_position": 6, "reason": "fout"},
    ]
    assert akkoord("--db", store, "import", write_log(tmp_path, retractions, name="r.json")).status == 0
    now = akkoord("--db", store, "status", "--json").json()["counts"]
    assert now == {"stakeholders": 3, "commitments": 1, "claims": 0, "meetings": 0}
    before = akkoord("--db", store, "status", "--json", "--known-at", "10").json()["counts"]
    assert before == {"stakeholders": 4, "commitments": 1, "claims": 1, "meetings": 0}
    dated = akkoord("--db", store, "status", "--json", "--known-at", "9",
                    "--as-of", "2025-07-01").json()["counts"]
    assert dated == {"stakeholders": 4, "commitments": 2, "claims": 0, "meetings": 0}
