"""Export: yaml re-imports into identical views; jsonl is CloudEvents 1.0 for other tools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import basic_dossier, opening, party, revision, write_log

POSITION_KEYS = {"position", "retracted_by"}
RECORDING_KEYS = {"recorded_at", "recorded_by", "origin"}  # how an event was recorded, not what it says


def with_positions_mapped(value: Any, mapping: dict[int, int], in_sources: bool = False) -> Any:
    """The view JSON with every event position replaced by the same event's position elsewhere."""
    if isinstance(value, dict):
        return {key: (mapping[inner] if key in POSITION_KEYS and isinstance(inner, int)
                      else with_positions_mapped(inner, mapping, in_sources or key == "sources"))
                for key, inner in value.items() if key not in RECORDING_KEYS}
    if isinstance(value, list):
        return [with_positions_mapped(inner, mapping, in_sources) for inner in value]
    if in_sources and isinstance(value, int) and not isinstance(value, bool):
        return mapping[value]
    return value


def views(akkoord, store: Path, negotiation: str) -> dict[str, Any]:
    """Every view of a dossier, as JSON."""
    def read(*command: str) -> Any:
        result = akkoord("--db", store, *command, "--negotiation", negotiation, "--json")
        assert result.status == 0, result.err
        return result.json()

    log = read("log")
    revisions = [e["data"]["revision"] for e in log if e["type"] == "proposal_revised"]
    found = {name: read(name) for name in ("status", "commitments", "claims", "positions")}
    found["log"] = log
    for number in revisions:
        found[f"proposal r{number}"] = read("proposal", "--revision", str(number))
    if len(revisions) > 1:
        found["diff"] = read("diff", str(revisions[0]), str(revisions[-1]))
    subjects = {"proposal"}
    for entry in log:
        data = entry["data"]
        subjects.update({"stakeholder_registered": [data.get("id")],
                         "commitment_made": [f"commitment:{data.get('id')}"],
                         "claim_lodged": [f"claim:{data.get('id')}"],
                         "proposal_revised": [f"item:{i['id']}" for i in data.get("items", [])],
                         }.get(entry["type"], []))
    for subject in sorted(subjects):
        found[f"history {subject}"] = read("history", subject)
    return found


def positions_of(akkoord, store: Path, negotiation: str) -> list[int]:
    return [e["position"] for e in akkoord("--db", store, "log", "--negotiation", negotiation,
                                           "--json").json()]


def assert_round_trip(akkoord, original: Path, negotiation: str, tmp_path: Path) -> None:
    exported = tmp_path / "exported.yaml"
    assert akkoord("--db", original, "export", "--negotiation", negotiation, "--format", "yaml",
                   "-o", exported).status == 0
    copy = tmp_path / "copy.db"
    # Another dossier first, so the re-imported events land at other positions.
    other = write_log(tmp_path, [opening(), party("Z")], name="other.json", negotiation="ander-dossier")
    assert akkoord("--db", copy, "import", other, exported).status == 0
    mapping = dict(zip(positions_of(akkoord, original, negotiation),
                       positions_of(akkoord, copy, negotiation), strict=True))
    assert any(old != new for old, new in mapping.items())
    before, after = views(akkoord, original, negotiation), views(akkoord, copy, negotiation)
    assert before.keys() == after.keys()
    for name in before:
        assert with_positions_mapped(before[name], mapping) == with_positions_mapped(after[name], {
            p: p for p in mapping.values()}), name


def test_the_example_round_trips_through_yaml_into_identical_views(akkoord, example_store, tmp_path):
    assert_round_trip(akkoord, example_store, "weerbaarheid-2025", tmp_path)


def test_a_dossier_with_retractions_and_settlements_round_trips(akkoord, store, tmp_path):
    events = [
        *basic_dossier(),
        {"type": "budget_changed", "date": "2025-07-01", "budget": [
            {"party": "RIJK", "from": 2027, "until": 2030, "amount": "80M"}]},
        {"type": "claim_lodged", "date": "2025-07-01", "id": "k1", "by": "A", "against": "C",
         "subject": "no", "summary": "on", "amount": "27.7M", "ref": "k1"},
        {"type": "claim_settled", "date": "2025-07-02", "id": "k1", "outcome": "partially_granted",
         "amount": "10M", "ref": "k1-settled"},
        {"type": "event_retracted", "date": "2025-07-03", "retracts": "k1-settled", "reason": "te vroeg"},
        {"type": "commitment_made", "date": "2025-07-01", "id": "c1", "by": "C", "to": ["A", "B"],
         "what": "yes", "due": "2025-09-01", "note": "2025-01-01"},
        {"type": "commitment_rescheduled", "date": "2025-08-01", "id": "c1", "due": "2025-10-01",
         "reason": "off"},
        revision(2, date="2025-07-10", status="concept",
                 items=[{"id": "noodsteunpunten", "purpose": "p", "recipient": "B",
                         "amounts": [{"from": 2025, "until": 2026, "amount": "6M"}],
                         "distribution": "BDuR", "conditions": ["~", "null"]}]),
        {"type": "agreement_reached", "date": "2025-07-20", "revision": 2, "parties": ["A", "B"]},
        {"type": "position_taken", "date": "2025-07-21", "stakeholder": "A", "subject": "proposal",
         "stance": "support", "summary": "akkoord", "points": ["Y", "n"],
         "source": {"document": "Brief", "page": 3}},
    ]
    assert akkoord("--db", store, "import", write_log(tmp_path, events, name="rich.yaml")).status == 0
    assert_round_trip(akkoord, store, "test-dossier", tmp_path)


def test_jsonl_is_one_cloud_event_per_event(akkoord, example_store):
    result = akkoord("--db", example_store, "export", "--format", "jsonl")
    assert result.status == 0
    lines = result.out.splitlines()
    log = akkoord("--db", example_store, "log", "--json").json()
    assert len(lines) == len(log) == 28
    events = [json.loads(line) for line in lines]
    for event, entry in zip(events, log, strict=True):
        assert event["specversion"] == "1.0"
        assert {"id", "source", "type", "time", "data", "position", "recordedby",
                "effectivedate"} <= event.keys()
        assert event["position"] == entry["position"]
        assert event["recordedby"] == "akkoord-example" and event["effectivedate"] == entry["date"]
        assert event["time"] == entry["recorded_at"] == event["recordedat"]
        assert event["data"] == entry["data"] and event["type"] == f"nl.akkoord.{entry['type']}"
        assert event["source"] == "/akkoord/negotiations/weerbaarheid-2025"
    assert len({(e["source"], e["id"]) for e in events}) == 28


def test_export_of_a_store_with_two_dossiers_needs_one_named(akkoord, store, tmp_path):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier()),
                   write_log(tmp_path, [opening()], name="b.json", negotiation="tweede")).status == 0
    refused = akkoord("--db", store, "export")
    assert refused.status == 2 and "--negotiation" in refused.err
    assert akkoord("--db", store, "export", "--negotiation", "nope").status == 2
    lines = akkoord("--db", store, "export", "--negotiation", "tweede", "--format", "jsonl").out
    assert [json.loads(line)["type"] for line in lines.splitlines()] == ["nl.akkoord.negotiation_opened"]


def test_export_never_creates_a_store(akkoord, tmp_path):
    assert akkoord("--db", tmp_path / "none.db", "export").status == 2
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("text", ["no", "on", "Y", "2025-01-01", "123", "null", "~", "a: b", "#x"])
def test_yaml_export_keeps_text_that_other_yaml_readers_would_take_for_something_else(
        akkoord, store, tmp_path, text):
    events = [*basic_dossier(), {"type": "position_taken", "date": "2025-06-28", "stakeholder": "A",
                                 "subject": "topic:t", "stance": "neutral", "summary": text}]
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0
    exported = akkoord("--db", store, "export").out
    from ruamel.yaml import YAML

    for reader in (YAML(typ="safe", pure=True), YAML(typ="rt")):
        reader.version = (1, 1)
        assert reader.load(exported)["events"][-1]["summary"] == text


def yamllint_errors(text: str) -> list[str]:
    from yamllint import linter
    from yamllint.config import YamlLintConfig

    return [f"{p.line}:{p.column} {p.message}" for p in linter.run(text, YamlLintConfig("extends: relaxed"))
            if p.level == "error"]


def test_yamllint_accepts_the_export_of_the_example_and_of_a_richer_dossier(
        akkoord, example_store, store, tmp_path):
    exported = akkoord("--db", example_store, "export")
    assert exported.status == 0 and yamllint_errors(exported.out) == []
    long_text = ("Een lange samenvatting die over meer dan één regel loopt, met   dubbele spaties, "
                 "een regel\n\nen nog een alinea  \n  met inspringing en een dubbele punt: zo. ") * 3
    events = [*basic_dossier(),
              {"type": "position_taken", "date": "2025-06-28", "stakeholder": "A", "subject": "topic:t",
               "stance": "neutral", "summary": long_text, "points": [long_text, "- kort", "no"]},
              {"type": "claim_lodged", "date": "2025-07-01", "id": "k1", "by": "A", "against": "C",
               "subject": "on", "summary": "#niet een opmerking", "amount": "27.7M"}]
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0
    exported = akkoord("--db", store, "export")
    assert exported.status == 0 and yamllint_errors(exported.out) == []
    assert_round_trip(akkoord, store, "test-dossier", tmp_path)
