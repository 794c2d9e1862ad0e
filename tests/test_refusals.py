"""Every refusal of the log format: exit 2, a message naming the event and the reason, nothing stored."""

from __future__ import annotations

import pytest

from conftest import basic_dossier, count_events, opening, party, revision, write_log
from tier import import_file, memory_app, refusal_of, stored

D = "2025-07-01"


def commitment(id="c1", **extra):
    return {"type": "commitment_made", "date": D, "id": id, "by": "A", "to": "B", "what": "w",
            "due": "2025-10-06", **extra}


def claim(id="k1", **extra):
    return {"type": "claim_lodged", "date": D, "id": id, "by": "A", "against": "C",
            "subject": "s", "summary": "x", **extra}


def position(subject="proposal", **extra):
    return {"type": "position_taken", "date": D, "stakeholder": "A", "subject": subject,
            "stance": "support", "summary": "s", **extra}


def budget_line(**line):
    return {"type": "budget_changed", "date": D, "budget": [{"party": "RIJK", **line}]}


def item(**extra):
    return {"id": "x", "purpose": "p", "recipient": "B",
            "amounts": [{"year": 2025, "amount": 1000}], **extra}


# (events appended after a good first event, the reason the message must give)
REFUSED_EVENTS = {
    "unknown type": ([{"type": "rumour_heard", "date": D}], "unknown event type 'rumour_heard'"),
    "missing type": ([{"date": D}], "missing required field 'type'"),
    "missing date": ([{"type": "meeting_held", "id": "m"}], "missing required field 'date'"),
    "missing required field": ([{"type": "stakeholder_registered", "date": D, "id": "Q",
                                 "kind": "council"}], "missing required field 'name'"),
    "field of the wrong type": ([revision(2, proposed_by="A")], "proposed_by must be a list"),
    "text given a number": ([party("Q", name=12)], "name must be non-empty text"),
    "unreal date": ([party("Q", date="2025-02-30")], "'2025-02-30' is not a real date"),
    "date in another notation": ([party("Q", date="27-06-2025")], "YYYY-MM-DD"),
    "enum value not in the table": ([party("Q", kind="club")], "kind must be one of"),
    "stance not in the table": ([position(stance="maybe")], "stance must be one of"),
    "amount zero": ([budget_line(year=2025, amount=0)], "must be positive"),
    "amount negative": ([budget_line(year=2025, amount=-5)], "must be positive"),
    "amount negative string": ([budget_line(year=2025, amount="-5M")], "is not an amount"),
    "amount fractional in euros": ([budget_line(year=2025, amount="1.2345k")], "not a whole number of euros"),
    "amount a float": ([budget_line(year=2025, amount=2.5)], "must be whole euros"),
    "amount not a number": ([budget_line(year=2025, amount="veel")], "is not an amount"),
    "amount a boolean": ([budget_line(year=2025, amount=True)], "must be whole euros"),
    "period until before from": ([budget_line(**{"from": 2027, "until": 2026, "amount": 5})], "until 2026 lies before from 2027"),
    "period with year and from": ([budget_line(**{"from": 2027, "year": 2026, "amount": 5})], "year or from, not both"),
    "unknown stakeholder": ([commitment(by="Z")], "stakeholder 'Z' is not registered"),
    "unknown recipient of an item": ([revision(2, items=[item(recipient="Z")])], "stakeholder 'Z' is not registered"),
    "unknown item": ([position(subject="item:nope")], "item 'nope' is in no revision"),
    "unknown revision": ([position(subject="proposal:r7")], "revision 7 does not exist"),
    "subject of no kind": ([position(subject="vote:x")], "subject 'vote:x' must be proposal, "
                           "proposal:rN, item:ID, claim:ID or topic:SLUG"),
    "subject naming nothing": ([position(subject="item")], "subject 'item' must be proposal, "
                               "proposal:rN, item:ID, claim:ID or topic:SLUG"),
    "agreement on unknown revision": ([{"type": "agreement_reached", "date": D, "revision": 3,
                                        "parties": ["A"]}], "revision 3 does not exist"),
    "unknown claim": ([{"type": "claim_settled", "date": D, "id": "nope", "outcome": "granted"}], "claim 'nope' does not exist"),
    "unknown commitment": ([{"type": "commitment_fulfilled", "date": D, "id": "nope"}], "commitment 'nope' does not exist"),
    "unknown ref": ([{"type": "event_retracted", "date": D, "retracts": "nope", "reason": "r"}], "ref 'nope' does not exist"),
    "unknown meeting": ([{"type": "meeting_held", "date": D, "id": "nope"}], "meeting 'nope' is not scheduled"),
    "second registration": ([party("A")], "stakeholder 'A' is already registered"),
    "second commitment with an id": ([commitment(), commitment()], "commitment 'c1' already exists"),
    "second claim with an id": ([claim(), claim()], "claim 'k1' already exists"),
    "duplicate ref": ([party("Q", ref="r"), party("R", ref="r")], "ref 'r' is already used"),
    "revision skipping a number": ([revision(3)], "revision 3 does not follow revision 1"),
    "revision repeating a number": ([revision(1)], "revision 1 does not follow revision 1"),
    "item ids repeating": ([revision(2, items=[item(), item()])], "item id 'x' repeats"),
    "fulfilling a fulfilled commitment": ([commitment(), {"type": "commitment_fulfilled", "date": D, "id": "c1"},
                                           {"type": "commitment_fulfilled", "date": D, "id": "c1"}],
                                          "commitment 'c1' is not open (fulfilled)"),
    "rescheduling a withdrawn commitment": ([commitment(), {"type": "commitment_withdrawn", "date": D, "id": "c1", "reason": "r"},
                                             {"type": "commitment_rescheduled", "date": D, "id": "c1", "due": "2026-01-01", "reason": "r"}],
                                            "commitment 'c1' is not open (withdrawn)"),
    "withdrawing a withdrawn commitment": ([commitment(), {"type": "commitment_withdrawn", "date": D, "id": "c1", "reason": "r"},
                                            {"type": "commitment_withdrawn", "date": D, "id": "c1", "reason": "r"}],
                                           "commitment 'c1' is not open (withdrawn)"),
    "settling a claim twice": ([claim(), {"type": "claim_settled", "date": D, "id": "k1", "outcome": "granted"},
                                {"type": "claim_settled", "date": D, "id": "k1", "outcome": "rejected"}],
                               "claim 'k1' is already settled (granted)"),
    "opening twice": ([opening()], "already opened"),
    "unknown field": ([party("Q", nmae="typo")], "unknown field 'nmae'"),
    "a position no store holds": (
        [{"type": "event_retracted", "date": D, "retracts_position": 10**30, "reason": "r"}],
        "retracts_position 1000000000000000000000000000000 is too large: at most "
        "9223372036854775807"),
    "a revision number no store holds": (
        [{"type": "agreement_reached", "date": D, "revision": -(10**19), "parties": ["A"]}],
        "revision -10000000000000000000 is too large"),
    "a key's fixed amount no store holds": (
        [{"type": "distribution_key_recorded", "date": D, "id": "k", "method": "formula",
          "title": "t", "weights": {"inwoners": 1}, "fixed": 2**63,
          "regions": [{"id": "a", "name": "A", "inwoners": 1}, {"id": "b", "name": "B", "inwoners": 2}]}],
        "fixed 9223372036854775808 is too large: at most 9223372036854775807"),
}


@pytest.mark.parametrize("case", sorted(REFUSED_EVENTS))
def test_refused_event_stores_nothing_and_names_event_and_reason(case, tmp_path):
    """Decided in memory, worded as the command line words it (its wiring: the test below)."""
    app = memory_app()
    import_file(app, write_log(tmp_path, basic_dossier(), name="base.json"))
    before = stored(app)
    bad_events, reason = REFUSED_EVENTS[case]
    good = [party("G")]
    path = write_log(tmp_path, good + bad_events, name="bad.json")
    refusal = refusal_of(app, path)
    assert refusal is not None
    bad_index = len(good) + len(bad_events) - 1
    assert f"events[{bad_index}]" in refusal
    assert str(path) in refusal
    assert reason in refusal
    assert stored(app) == before


@pytest.mark.parametrize("case", ["unknown stakeholder", "amount zero", "opening twice"])
def test_a_refused_event_exits_2_through_the_command_line(case, akkoord, store, tmp_path):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier(), name="base.json")).status == 0
    before = count_events(store)
    bad_events, reason = REFUSED_EVENTS[case]
    path = write_log(tmp_path, [party("G"), *bad_events], name="bad.json")
    result = akkoord("--db", store, "import", path)
    assert result.status == 2
    assert f"events[{len(bad_events)}]" in result.err and str(path) in result.err
    assert reason in result.err and "Traceback" not in result.err
    assert count_events(store) == before


def test_event_before_the_opening_is_refused(akkoord, store, tmp_path):
    result = akkoord("--db", store, "import", write_log(tmp_path, [party("A")]))
    assert result.status == 2
    assert "events[0]" in result.err and "its first event must be negotiation_opened" in result.err
    assert not store.exists(), "a refused first import leaves no empty store behind"


@pytest.mark.parametrize("document, reason", [
    ({"negotiation": "x", "events": []}, "format must be 'akkoord/1'"),
    ({"format": "akkoord/2", "negotiation": "x", "events": []}, "format must be 'akkoord/1'"),
    ({"format": "akkoord/1", "events": []}, "negotiation (the dossier's slug) is missing"),
    ({"format": "akkoord/1", "negotiation": "x"}, "events must be a list"),
    ({"format": "akkoord/1", "negotiation": "x", "events": {"type": "x"}}, "events must be a list"),
])
def test_refused_file_structure(document, reason, akkoord, store, tmp_path):
    import json

    path = tmp_path / "file.json"
    path.write_text(json.dumps(document))
    result = akkoord("--db", store, "import", path)
    assert result.status == 2
    assert reason in result.err and str(path) in result.err
    assert count_events(store) == 0


def test_yaml_refusal_names_the_line(akkoord, store, tmp_path):
    path = tmp_path / "meeting.yaml"
    path.write_text(
        "format: akkoord/1\n"
        "negotiation: t\n"
        "events:\n"
        "  - type: negotiation_opened\n"
        "    date: 2025-06-27\n"
        "    title: T\n"
        "    budget: []\n"
        "  - type: stakeholder_registered\n"
        "    date: 2025-02-30\n"
        "    id: A\n"
        "    name: A\n"
        "    kind: council\n"
    )
    result = akkoord("--db", store, "import", path)
    assert result.status == 2
    assert "events[1] (line 8, stakeholder_registered)" in result.err
    assert "not a real date" in result.err


def test_yaml_1_2_keeps_no_on_off_as_text(akkoord, store, tmp_path):
    path = tmp_path / "words.yaml"
    path.write_text(
        "format: akkoord/1\nnegotiation: t\nevents:\n"
        "  - {type: negotiation_opened, date: 2025-06-27, title: 'T', budget: []}\n"
        "  - {type: stakeholder_registered, date: 2025-06-27, id: 'NO', name: on, kind: other}\n"
        "  - {type: stakeholder_registered, date: 2025-06-27, id: off, name: yes, kind: other}\n"
    )
    assert akkoord("--db", store, "import", path).status == 0
    names = {e["data"]["id"]: e["data"]["name"] for e in akkoord("--db", store, "log", "--json").json()
             if e["type"] == "stakeholder_registered"}
    assert names == {"NO": "on", "off": "yes"}


def test_malformed_yaml_is_a_clear_refusal(akkoord, store, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("format: akkoord/1\nevents: [\n  - {type: x\n")
    result = akkoord("--db", store, "import", path)
    assert result.status == 2
    assert str(path) in result.err and "is not valid YAML" in result.err
    assert "Traceback" not in result.err


def test_a_refused_second_file_keeps_the_first(akkoord, store, tmp_path):
    first = write_log(tmp_path, basic_dossier(), name="first.json")
    second = write_log(tmp_path, [party("A")], name="second.json")
    result = akkoord("--db", store, "import", first, second)
    assert result.status == 2
    assert "first.json stored" in result.err
    assert count_events(store) == len(basic_dossier())
