"""Corrections that hold, as a property: for any valid sequence and any retractable event X in it,
the sequence with X retracted leaves the views and the events the dossier would refuse next as
the same sequence without X would. Run in memory (the application on ``POPO`` persistence, views
in an in-memory SQLite), so hundreds of sequences take seconds."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
import pytest

from test_properties import NEGOTIATION, _answers, dossiers
from tier import memory_app
from akkoord.domain.errors import Refusal
from akkoord.domain.negotiation import EVENT_TYPES, Negotiation
from akkoord.interchange.logformat import entry_from_record
from akkoord.projections.catchup import ViewStore
from akkoord.projections.axes import Axes


def _decides(events: list[dict[str, Any]]) -> Negotiation | None:
    """The dossier after the events, or None if it refuses one of them."""
    first = entry_from_record(events[0])
    dossier = Negotiation.open(NEGOTIATION, recorded_by="p", **first.fields)
    try:
        for event in events[1:]:
            entry = entry_from_record(event)
            dossier.record(entry.type, recorded_by="p", **entry.fields)
    except Refusal:
        return None
    return dossier


def _probes(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An event touching each thing the sequence names: its parties, commitments, claims,
    meetings, items, revisions and refs."""
    on = max(e["date"] for e in events)
    ids = {kind: sorted({e["id"] for e in events if e["type"] == kind and "id" in e})
           for kind in ("stakeholder_registered", "commitment_made", "claim_lodged", "meeting_scheduled")}
    items = sorted({i["id"] for e in events if e["type"] == "proposal_revised" for i in e["items"]})
    revisions = max((e["revision"] for e in events if e["type"] == "proposal_revised"), default=0)
    refs = sorted({e["ref"] for e in events if e.get("ref")})
    probes: list[dict[str, Any]] = []
    for party in ids["stakeholder_registered"]:
        probes.append({"type": "stakeholder_registered", "date": on, "id": party, "name": "n", "kind": "other"})
        probes.append({"type": "role_assigned", "date": on, "task": "t", "stakeholder": party, "role": "regie"})
    for commitment in ids["commitment_made"]:
        probes.append({"type": "commitment_fulfilled", "date": on, "id": commitment})
        probes.append({"type": "commitment_made", "date": on, "id": commitment, "by": "X", "to": "X", "what": "w"})
    for claim in ids["claim_lodged"]:
        probes.append({"type": "claim_settled", "date": on, "id": claim, "outcome": "granted"})
        probes.append({"type": "position_taken", "date": on, "stakeholder": "X", "subject": f"claim:{claim}",
                       "stance": "support", "summary": "s"})
    for meeting in ids["meeting_scheduled"]:
        probes.append({"type": "meeting_held", "date": on, "id": meeting})
    for item in items:
        probes.append({"type": "position_taken", "date": on, "stakeholder": "X", "subject": f"item:{item}",
                       "stance": "support", "summary": "s"})
    for number in range(1, revisions + 2):
        probes.append({"type": "proposal_revised", "date": on, "revision": number, "status": "draft",
                       "proposed_by": ["X"], "items": []})
        probes.append({"type": "agreement_reached", "date": on, "revision": number, "parties": ["X"]})
    for ref in refs:
        probes.append({"type": "event_retracted", "date": on, "retracts": ref, "reason": "r"})
        probes.append({"type": "meeting_held", "date": on, "id": "none", "ref": ref})
    return probes


def _refusals(dossier: Negotiation, probes: list[dict[str, Any]]) -> list[str | None]:
    """Why the dossier would refuse each probe next (None: it would record it). A party X is
    registered first, so that probes fail for what they name, not for their speaker."""
    dossier = copy.deepcopy(dossier)
    on = probes[0]["date"] if probes else "2025-01-01"
    helper = entry_from_record({"type": "stakeholder_registered", "date": on, "id": "X", "name": "X",
                                "kind": "other"})
    dossier.record(helper.type, recorded_by="p", **helper.fields)
    return [dossier.refusal(entry.type, recorded_by="p", **entry.fields)
            for entry in map(entry_from_record, probes)]


def _held(dossier: Negotiation) -> dict[str, dict[str, list[tuple[str, Any]]]]:
    """What the dossier holds, by (date, detail): versions differ between the two sequences."""
    return {kind: {key: [(on, detail) for _version, on, detail in stack]
                   for key, stack in keys.items()} for kind, keys in dossier.standing.items()}


def _stood_on(events: list[dict[str, Any]], index: int) -> bool:
    """Whether a later position is on the revision at ``index``: one naming it, or one on "the
    proposal" taken while it was the latest (stored as on that revision)."""
    if events[index]["type"] != "proposal_revised":
        return False
    number, latest = events[index]["revision"], events[index]["revision"]
    for event in events[index + 1:]:
        if event["type"] == "proposal_revised":
            latest = event["revision"]
        elif event["type"] == "position_taken" and event["subject"] in (
                f"proposal:r{number}", *(["proposal"] if latest == number else [])):
            return True
    return False


def _views(events: list[dict[str, Any]], retraction: dict[str, Any] | None = None) -> dict[str, Any]:
    app = memory_app()
    app.record(NEGOTIATION, [entry_from_record(event) for event in events], "p")
    if retraction is not None:  # apart: a retraction by position names an event stored
        app.record(NEGOTIATION, [entry_from_record(retraction)], "p")
    views = ViewStore(":memory:")
    views.catch_up(app)
    try:
        return _answers(views.queries(), Axes(), keep_positions=False)
    finally:
        views.close()


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(events=dossiers(max_events=20), data=st.data())
def test_a_retracted_event_counts_as_never_recorded(events, data):
    candidates = [index for index, event in enumerate(events)
                  if index and EVENT_TYPES[event["type"]].RETRACTABLE]
    assume(candidates)
    order = data.draw(st.permutations(candidates))
    # X: the first drawn whose absence leaves a valid sequence (nothing later relies on it)
    chosen = next((index for index in order if _decides(events[:index] + events[index + 1:])), None)
    assume(chosen is not None)
    without = events[:chosen] + events[chosen + 1:]
    last = max(e["date"] for e in events)
    retraction = {"type": "event_retracted", "date": last, "retracts_position": chosen + 1,
                  "reason": "recorded in error"}
    app = memory_app()
    app.record(NEGOTIATION, [entry_from_record(event) for event in events], "p")
    # Not yet so: see test_a_position_on_the_proposal_moves_when_its_revision_is_retracted.
    assume(not _stood_on(events, chosen))
    app.record(NEGOTIATION, [entry_from_record(retraction)], "p")
    retracted = app.dossier(NEGOTIATION)
    expected = _decides(without)
    probes = _probes(events)
    assert _refusals(retracted, probes) == _refusals(expected, probes)
    assert _held(retracted) == _held(expected)
    assert _views(events, retraction) == _views(without)


@pytest.mark.xfail(strict=True, reason="known, not mended: a position on 'proposal' is stored as "
                   "on the revision then latest, and stays there when that revision is retracted")
def test_a_position_on_the_proposal_moves_when_its_revision_is_retracted():
    """Revisions 1-3, a position on the proposal (stored as on revision 3), revision 3 retracted:
    in the dossier without revision 3 that position is on revision 2, so the views should say so.
    Refusing the retraction instead would break the log format (a revision with positions on it
    may be retracted: tests/test_browse.py retracts the example's revision 2)."""
    opening = {"type": "negotiation_opened", "date": "2025-01-01", "title": "t",
               "budget": [{"party": "a", "year": 2025, "amount": "1M"}]}
    party = {"type": "stakeholder_registered", "date": "2025-01-01", "id": "a", "name": "A",
             "kind": "other"}
    revisions = [{"type": "proposal_revised", "date": f"2025-01-0{n + 1}", "revision": n,
                  "status": "draft", "proposed_by": ["a"], "items": []} for n in (1, 2, 3)]
    position = {"type": "position_taken", "date": "2025-01-05", "stakeholder": "a",
                "subject": "proposal", "stance": "support", "summary": "s"}
    events = [opening, party, *revisions, position]
    retraction = {"type": "event_retracted", "date": "2025-01-06", "retracts_position": 5,
                  "reason": "recorded in error"}
    without = [opening, party, *revisions[:2], position]
    assert _views(events, retraction) == _views(without)
