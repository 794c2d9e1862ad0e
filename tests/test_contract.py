"""The contract of every event type: stored through the real store, decoded by the library's
mapper as it was given, filling exactly the view rows it declares, and, retracted, leaving the
dossier deciding later events as if it had never been recorded.

Adding an event type means one class in domain/negotiation.py and one row in SAMPLES here.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from conftest import basic_dossier, party, revision
from akkoord.application.service import Akkoord
from akkoord.domain.errors import Refusal
from akkoord.domain.negotiation import EVENT_TYPES, Negotiation
from akkoord.domain.values import FileOrigin
from akkoord.interchange.logformat import entry_from_record
from akkoord.projections.catchup import ViewStore
from akkoord.projections.views import NAMED_PARTIES, VIEWS, fact_tables

NEGOTIATION = "test-dossier"
D = "2025-07-01"
# What the samples build on, after the basic dossier (A, B, C and revision 1, 2025-06-27).
SETUP = [
    {"type": "commitment_made", "date": D, "id": "c0", "by": "A", "to": ["B"], "what": "w"},
    {"type": "claim_lodged", "date": D, "id": "k0", "by": "A", "against": "B", "subject": "s",
     "summary": "s"},
    {"type": "meeting_scheduled", "date": D, "id": "m0", "title": "t", "scheduled_for": "2025-07-09",
     "participants": ["A"]},
    {"type": "distribution_key_recorded", "date": D, "id": "key0", "method": "formula",
     "title": "t", "fixed": 10, "weights": {"inwoners": "0,5"},
     "regions": [{"id": "R1", "name": "Een", "inwoners": 4}, {"id": "R2", "name": "Twee",
                                                             "inwoners": 6}]},
]
BASE = [*basic_dossier(), *SETUP]
SAMPLE_POSITION = len(BASE) + 1
AMOUNTS = '[[1000,2025,2025],[2000,2027,null]]'

# event type -> (the sample, the rows it fills: table -> [columns of each row])
SAMPLES: dict[str, tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]] = {
    "negotiation_opened": (
        {"type": "negotiation_opened", "date": "2025-06-27", "title": "Test dossier",
         "budget": [{"party": "RIJK", "from": 2027, "amount": "70M"},
                    {"party": "JENV", "year": 2025, "amount": "10M"}]},
        {"dossiers": [{"title": "Test dossier"}],
         "budget_lines": [{"line": 0, "party": "RIJK", "amount": 70_000_000, "first_year": 2027,
                           "last_year": None},
                          {"line": 1, "party": "JENV", "amount": 10_000_000, "first_year": 2025,
                           "last_year": 2025}]}),
    "budget_changed": (
        {"type": "budget_changed", "date": D, "budget": [
            {"party": "RIJK", "purpose": "p", "from": 2026, "until": 2028, "amount": 5000}]},
        {"budget_lines": [{"line": 0, "party": "RIJK", "purpose": "p", "amount": 5000,
                           "first_year": 2026, "last_year": 2028}]}),
    "stakeholder_registered": (
        {"type": "stakeholder_registered", "date": D, "id": "Q", "name": "Q.", "kind": "region",
         "description": "d", "member_of": "A"},
        {"stakeholders": [{"id": "Q", "name": "Q.", "kind": "region", "description": "d",
                           "member_of": "A"}]}),
    "proposal_revised": (
        {"type": "proposal_revised", "date": D, "revision": 2, "status": "concept",
         "proposed_by": ["A", "B"], "rationale": "r",
         "items": [{"id": "x", "purpose": "p", "recipient": "C", "distribution": "BDuR",
                    "conditions": ["c"], "amounts": [{"year": 2025, "amount": 1000},
                                                     {"from": 2027, "amount": 2000}]}]},
        {"revisions": [{"revision": 2, "status": "concept", "proposed_by": '["A","B"]',
                        "rationale": "r"}],
         "revision_items": [{"revision": 2, "item_order": 0, "item_id": "x", "purpose": "p",
                             "recipient": "C", "amounts": AMOUNTS, "distribution": "BDuR",
                             "conditions": '["c"]'}]}),
    "position_taken": (
        {"type": "position_taken", "date": D, "stakeholder": "A", "subject": "proposal",
         "stance": "conditional", "summary": "s", "points": ["p"]},
        {"stances": [{"stakeholder": "A", "subject": "proposal:r1", "stance": "conditional",
                      "summary": "s", "points": '["p"]'}]}),
    "claim_lodged": (
        {"type": "claim_lodged", "date": D, "id": "k1", "by": "B", "against": "C", "subject": "s",
         "summary": "t", "amount": "1.5M"},
        {"claims": [{"id": "k1", "by": "B", "against": "C", "subject": "s", "summary": "t",
                     "amount": 1_500_000}]}),
    "claim_settled": (
        {"type": "claim_settled", "date": D, "id": "k0", "outcome": "partially_granted",
         "amount": 700, "summary": "s"},
        {"claim_settlements": [{"id": "k0", "outcome": "partially_granted", "amount": 700,
                                "summary": "s"}]}),
    "alignment_declared": (
        {"type": "alignment_declared", "date": D, "parties": ["A", "B"], "toward": "C",
         "summary": "s"},
        {"alignments": [{"parties": '["A","B"]', "toward": "C", "summary": "s"}]}),
    "role_assigned": (
        {"type": "role_assigned", "date": D, "task": "opvang", "stakeholder": "B", "role": "regie",
         "summary": "s"},
        {"roles": [{"task": "opvang", "stakeholder": "B", "role": "regie", "summary": "s"}]}),
    "commitment_made": (
        {"type": "commitment_made", "date": D, "id": "c1", "by": "A", "to": "C", "what": "w",
         "due": "2025-08-01"},
        {"commitments": [{"id": "c1", "by": "A", "to_parties": '["C"]', "what": "w",
                          "due": "2025-08-01"}]}),
    "commitment_fulfilled": (
        {"type": "commitment_fulfilled", "date": D, "id": "c0", "evidence": "e"},
        {"commitment_updates": [{"id": "c0", "type": "commitment_fulfilled", "due": None,
                                 "detail": "e"}]}),
    "commitment_rescheduled": (
        {"type": "commitment_rescheduled", "date": D, "id": "c0", "due": "2025-09-01",
         "reason": "r"},
        {"commitment_updates": [{"id": "c0", "type": "commitment_rescheduled",
                                 "due": "2025-09-01", "detail": "r"}]}),
    "commitment_withdrawn": (
        {"type": "commitment_withdrawn", "date": D, "id": "c0", "reason": "r"},
        {"commitment_updates": [{"id": "c0", "type": "commitment_withdrawn", "due": None,
                                 "detail": "r"}]}),
    "meeting_scheduled": (
        {"type": "meeting_scheduled", "date": D, "id": "m1", "title": "t",
         "scheduled_for": "2025-07-10", "participants": ["A", "C"], "agenda": ["a"]},
        {"meetings": [{"id": "m1", "title": "t", "scheduled_for": "2025-07-10",
                       "participants": '["A","C"]', "agenda": '["a"]'}]}),
    "meeting_held": (
        {"type": "meeting_held", "date": "2025-07-09", "id": "m0"},
        {"meetings_held": [{"id": "m0"}]}),
    "agreement_reached": (
        {"type": "agreement_reached", "date": D, "revision": 1, "parties": ["A", "B"],
         "summary": "s"},
        {"agreements": [{"revision": 1, "parties": '["A","B"]', "summary": "s"}]}),
    "event_retracted": (
        {"type": "event_retracted", "date": D, "retracts_position": len(BASE), "reason": "r"},
        {}),
    "distribution_key_recorded": (
        {"type": "distribution_key_recorded", "date": D, "id": "key1", "method": "shares",
         "title": "Twee regio's", "regions": [{"id": "R1", "name": "Een", "weight": "1.5"},
                                              {"id": "R2", "name": "Twee", "weight": 3}]},
        {"distribution_keys": [{"id": "key1", "method": "shares", "title": "Twee regio's",
                                "regions": '[{"id":"R1","name":"Een","weight":"1.5"},'
                                           '{"id":"R2","name":"Twee","weight":3}]',
                                "weights": None, "fixed": None}]}),
    "distribution_key_retired": (
        {"type": "distribution_key_retired", "date": D, "id": "key0", "reason": "r"},
        {"distribution_keys_retired": [{"id": "key0", "reason": "r"}]}),
}

# Events whose fate shows what the dossier holds: every one touches something a sample makes.
PROBES = [
    {"type": "distribution_key_retired", "date": D, "id": "key0", "reason": "r"},
    {"type": "distribution_key_retired", "date": D, "id": "key1", "reason": "r"},
    party("Q", date=D), party("R", date=D, member_of="Q"),
    {"type": "commitment_made", "date": D, "id": "c1", "by": "A", "to": "B", "what": "w"},
    {"type": "commitment_fulfilled", "date": D, "id": "c0"},
    {"type": "commitment_fulfilled", "date": D, "id": "c1"},
    {"type": "commitment_rescheduled", "date": D, "id": "c0", "due": "2025-12-01", "reason": "r"},
    {"type": "claim_lodged", "date": D, "id": "k1", "by": "A", "against": "B", "subject": "s",
     "summary": "s"},
    {"type": "claim_settled", "date": D, "id": "k0", "outcome": "granted"},
    {"type": "claim_settled", "date": D, "id": "k1", "outcome": "granted"},
    {"type": "meeting_held", "date": "2025-07-10", "id": "m0"},
    {"type": "meeting_held", "date": "2025-07-10", "id": "m1"},
    {"type": "position_taken", "date": D, "stakeholder": "A", "subject": "item:x", "stance": "support",
     "summary": "s"},
    {"type": "position_taken", "date": D, "stakeholder": "A", "subject": "proposal:r2",
     "stance": "support", "summary": "s"},
    {"type": "position_taken", "date": D, "stakeholder": "A", "subject": "claim:k1",
     "stance": "support", "summary": "s"},
    revision(2, date=D), revision(3, date=D),
    {"type": "agreement_reached", "date": D, "revision": 2, "parties": ["A"]},
    {"type": "stakeholder_registered", "date": D, "id": "S", "name": "S", "kind": "other", "ref": "sample"},
]


def test_every_event_type_has_a_row_in_the_contract():
    assert set(SAMPLES) == set(EVENT_TYPES)


def test_every_declared_row_fills_columns_its_table_has_and_every_table_is_filled():
    # a derived view's tables are filled from the other views' rows, not from events
    tables = {table: columns for view in VIEWS if view.derived_by is None
              for table, columns in view.tables.items()}
    filled = {"log"}
    for event_class in EVENT_TYPES.values():
        assert event_class.__doc__ and event_class.__doc__.strip(), event_class.TYPE
        for row in event_class.ROWS:
            assert row.table in tables, (event_class.TYPE, row.table)
            assert {name for name, _ in row.columns} <= set(tables[row.table]), event_class.TYPE
            filled.add(row.table)
    assert filled == set(tables)


def test_every_field_naming_a_party_is_searched_by_log_stakeholder():
    named = {(table, column) for table, column, _ in NAMED_PARTIES}
    for event_class in EVENT_TYPES.values():
        refers = {spec.name for spec in _fields(event_class) if spec.refers == "stakeholder"}
        for row in event_class.ROWS:
            for column, source in row.columns:
                if source in refers:
                    assert (row.table, column) in named, (event_class.TYPE, column)


def test_every_field_says_what_it_means():
    for event_class in EVENT_TYPES.values():
        for spec in _fields(event_class):
            assert spec.help and "\n" not in spec.help, (event_class.TYPE, spec.name)


def _fields(event_class: type) -> Any:
    from akkoord.domain.schema import fields_of

    return fields_of(event_class)


def _app(path: Path) -> Akkoord:
    return Akkoord(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path),
                        "CREATE_TABLE": "y"})


def _rows_at(views: ViewStore, position: int) -> dict[str, list[dict[str, Any]]]:
    found = {}
    for view in VIEWS:
        for table in fact_tables(view):
            if table == "log":
                continue
            rows = [dict(row) for row in views.db[table].rows_where("position = ?", [position])]
            if rows:
                found[table] = rows
    return found


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_an_event_type_is_stored_decoded_and_projected_as_declared(event_type, tmp_path):
    sample, expected_rows = SAMPLES[event_type]
    app = _app(tmp_path / "events.db")
    if event_type == "negotiation_opened":
        base, position = [], 1
    else:
        base, position = BASE, SAMPLE_POSITION
    if base:
        app.record(NEGOTIATION, [entry_from_record(e) for e in base], "contract")
    assert app.record(NEGOTIATION, [entry_from_record(sample)], "contract") == [position]
    # decoded by the library's mapper: the fields given, as the domain's values
    notification = app.recorder.select_notifications(start=position, limit=1)[0]
    stored = app.mapper.to_domain_event(notification)
    assert type(stored) is EVENT_TYPES[event_type]
    for name, value in entry_from_record(sample).fields.items():
        if name == "subject" and value == "proposal":
            value = "proposal:r1"  # stored resolved
        # (JSON has lists only: an event's own tuple fields come back as lists, the same items)
        assert _tuples(getattr(stored, name)) == value, name
    assert stored.summary_line()
    views = ViewStore(tmp_path / "views.sqlite")
    views.catch_up(app)
    rows = _rows_at(views, position)
    assert rows.keys() == expected_rows.keys()
    for table, wanted in expected_rows.items():
        assert len(rows[table]) == len(wanted), table
        for row, columns in zip(rows[table], wanted):
            assert {k: row[k] for k in columns} == columns, table
            assert row["negotiation"] == NEGOTIATION and row["retracted_at"] is None
    if event_type == "event_retracted":
        retracted = _rows_at(views, len(BASE))
        assert all(row["retracted_at"] == position for rows in retracted.values() for row in rows)


@pytest.mark.parametrize("event_type", sorted(t for t in SAMPLES if EVENT_TYPES[t].RETRACTABLE))
def test_a_retracted_event_leaves_the_dossier_deciding_as_if_it_never_was(event_type, tmp_path):
    sample, _ = SAMPLES[event_type]
    app = _app(tmp_path / "events.db")
    app.record(NEGOTIATION, [entry_from_record(e) for e in BASE], "contract")
    without = app.dossier(NEGOTIATION)
    app.record(NEGOTIATION, [entry_from_record(sample)], "contract")
    app.record(NEGOTIATION, [entry_from_record({"type": "event_retracted", "date": "2025-07-10",
                                                "retracts_position": SAMPLE_POSITION,
                                                "reason": "in error"})], "contract")
    retracted = app.dossier(NEGOTIATION)
    assert _refused(retracted) == _refused(without)
    assert retracted.standing == without.standing  # the sample's version is all it added
    views = ViewStore(tmp_path / "views.sqlite")
    views.catch_up(app)
    assert all(row["retracted_at"] == SAMPLE_POSITION + 1
               for rows in _rows_at(views, SAMPLE_POSITION).values() for row in rows)


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _refused(dossier: Negotiation) -> list[str | None]:
    """For each probe, why the dossier refuses it next (None: it would record it)."""
    answers = []
    for probe in PROBES:
        entry = entry_from_record(probe)
        try:
            copy.deepcopy(dossier).record(entry.type, recorded_by="probe", **entry.fields)
            answers.append(None)
        except Refusal as refusal:
            answers.append(str(refusal))
    return answers


def test_a_dossier_snapshot_of_before_the_registers_is_replayed_instead():
    from tier import memory_app

    app = memory_app()
    app.record(NEGOTIATION, [entry_from_record(e) for e in BASE], "contract")
    old = Negotiation.Snapshot.take(app.dossier(NEGOTIATION))
    state = {k: v for k, v in old.state.items()
             if k not in ("class_version", "standing", "established")}  # the state of before
    app.snapshots.put([Negotiation.Snapshot(originator_id=old.originator_id,
                                            originator_version=old.originator_version,
                                            timestamp=old.timestamp, topic=old.topic, state=state)])
    dossier = app.dossier(NEGOTIATION)
    assert dossier.version == len(BASE) and dossier.holds("meeting", "m0")


@pytest.mark.parametrize("event_type", sorted(set(SAMPLES) - {Negotiation.Opened.TYPE}))
def test_an_entry_recorded_as_one_mapping_is_the_event_its_keywords_make_and_is_left_as_is(
        event_type):
    # An import records each entry's fields as they are (a retry records the same entries again).
    entry = entry_from_record(SAMPLES[event_type][0])
    given = copy.deepcopy(entry.fields)
    # The stored event a retracts_position names: position -> (version, type, date).
    looked_up = {len(BASE): (len(BASE), BASE[-1]["type"], BASE[-1]["date"])}
    by_mapping, by_keywords = _base_dossier(), _base_dossier()
    by_mapping.record_entry(entry.type, entry.fields, recorded_by="contract",
                            origin=FileOrigin("f.json", "0" * 64), looked_up=looked_up)
    assert list(entry.fields.items()) == list(given.items())
    by_keywords.record(entry.type, recorded_by="contract", origin=FileOrigin("f.json", "0" * 64),
                       looked_up=looked_up, **entry.fields)
    made, expected = by_mapping.collect_events()[-1], by_keywords.collect_events()[-1]
    # The state is stored in the order of its declared fields; each event has a timestamp of
    # its own.
    assert list(made.__dict__) == [field.name for field in dataclasses.fields(made)]
    assert ([item for item in made.__dict__.items() if item[0] != "timestamp"]
            == [item for item in expected.__dict__.items() if item[0] != "timestamp"])
    assert by_mapping.version == by_keywords.version == len(BASE) + 1
    assert by_mapping.modified_on == made.timestamp


def _base_dossier() -> Negotiation:
    """BASE decided in memory."""
    first, *rest = (entry_from_record(e) for e in BASE)
    dossier = Negotiation.open(NEGOTIATION, recorded_by="contract", **first.fields)
    for entry in rest:
        dossier.record(entry.type, recorded_by="contract", **entry.fields)
    dossier.collect_events()
    return dossier



def test_an_event_replaced_refuses_a_field_it_lacks_as_the_dataclass_does():
    # (The sample position is on "proposal": the test above sees it replaced in stored order.)
    dossier = _base_dossier()
    entry = entry_from_record(SAMPLES["position_taken"][0])
    dossier.record_entry(entry.type, entry.fields, recorded_by="contract")
    position = dossier.collect_events()[-1]
    assert position.subject == "proposal:r1"
    with pytest.raises(TypeError):
        position.replaced(nope=1)
