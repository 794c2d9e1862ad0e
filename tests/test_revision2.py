"""Every refusal that revision 2 of the log format adds (corrections that hold, dates in their
order, a file imported twice): a message naming the file, the event and the reason, and the store
unchanged. Decided in memory (the fast tier); a few go through the command line for its wiring
(exit 2)."""

from __future__ import annotations

import pytest

from conftest import basic_dossier, count_events, party, revision, write_log
from tier import import_file, memory_app, refusal_of, stored

D = "2025-07-01"


def meeting(id="m1", date=D, **extra):
    return {"type": "meeting_scheduled", "date": date, "id": id, "title": "t",
            "scheduled_for": "2025-07-09", "participants": ["A"], **extra}


def held(id="m1", date="2025-07-09"):
    return {"type": "meeting_held", "date": date, "id": id}


def retract(target=None, date=D, position=None, **extra):
    event = {"type": "event_retracted", "date": date, "reason": "in error", **extra}
    if target is not None:
        event["retracts"] = target
    if position is not None:
        event["retracts_position"] = position
    return event


def commitment(id="c1", date=D, **extra):
    return {"type": "commitment_made", "date": date, "id": id, "by": "A", "to": "B",
            "what": "w", **extra}


def position(subject, date=D):
    return {"type": "position_taken", "date": date, "stakeholder": "A", "subject": subject,
            "stance": "support", "summary": "s"}


def item(id):
    return {"id": id, "purpose": "p", "recipient": "B", "amounts": [{"year": 2025, "amount": 1000}]}


# (events after the basic dossier, whose last is refused; the reason the message gives[; what is
# stored with the basic dossier first, at positions 6, 7, …]).
# The basic dossier is opened on 2025-06-27 with parties A, B, C and revision 1, all that day.
REVISION_2_REFUSALS = {
    # -- corrections that hold
    "held after its scheduling was retracted": (
        [meeting(ref="m"), retract("m"), held()], "meeting 'm1' is not scheduled"),
    "position on an item only in a retracted revision": (
        [revision(2, items=[item("x")], date=D, ref="r2"), retract("r2"), position("item:x")],
        "item 'x' is in no revision"),
    "a retracted registration leaves the party unregistered": (
        [party("Q", date=D, ref="q"), retract("q"), commitment(by="Q")],
        "stakeholder 'Q' is not registered"),
    "a retracted commitment leaves nothing to fulfil": (
        [commitment(ref="c"), retract("c"),
         {"type": "commitment_fulfilled", "date": D, "id": "c1"}],
        "commitment 'c1' does not exist"),
    "the retracted latest revision's number is free again": (
        [revision(2, date=D, ref="r2"), retract("r2"), revision(3, date=D)],
        "revision 3 does not follow revision 1"),
    "a retracted claim cannot be settled": (
        [{"type": "claim_lodged", "date": D, "id": "k1", "by": "A", "against": "B",
          "subject": "s", "summary": "s", "ref": "k"}, retract("k"),
         {"type": "claim_settled", "date": D, "id": "k1", "outcome": "granted"}],
        "claim 'k1' does not exist"),
    "retracts and retracts_position both": (
        [meeting(ref="m"), retract("m", position=6)], "not both and not neither"),
    "neither retracts nor retracts_position": ([retract()], "not both and not neither"),
    "a retraction retracted": (
        [meeting(ref="m"), retract("m", ref="oops"), retract("oops")],
        "'oops' is itself a retraction"),
    "a retraction retracted by position": (
        [retract(position=7)], "7 is itself a retraction", [meeting(ref="m"), retract("m")]),
    "retracted twice by position": (
        [retract(position=6), retract(position=6)], "6 is already retracted", [meeting()]),
    "a retraction by position, dated before what it retracts": (
        [retract(position=6, date="2025-07-04")],
        "6 is dated 2025-07-05, after this retraction's date 2025-07-04",
        [meeting(date="2025-07-05")]),
    "the opening retracted": ([retract(position=1)], "negotiation_opened, which cannot be retracted"),
    "retracted before it happened": (
        [meeting(ref="m", date="2025-07-05"), retract("m", date="2025-07-04")],
        "is dated 2025-07-05, after this retraction's date 2025-07-04"),
    "a position that holds no event": ([retract(position=99)], "no event of this dossier is stored at position 99"),
    # -- dates in their order
    "dated before the opening": ([party("Q", date="2025-06-26")],
                                 "date 2025-06-26 lies before the dossier was opened (2025-06-27)"),
    "fulfilled before it was made": (
        [commitment(date="2025-07-05"), {"type": "commitment_fulfilled", "date": "2025-07-04", "id": "c1"}],
        "commitment 'c1' is made on 2025-07-05, after this event's date 2025-07-04"),
    "held before it was scheduled": (
        [meeting(date="2025-07-05"), held(date="2025-07-04")],
        "meeting 'm1' is scheduled on 2025-07-05, after this event's date 2025-07-04"),
    "a position on a revision dated after it": (
        [revision(2, date="2025-07-05"), position("proposal:r2", date="2025-07-04")],
        "revision 2 is dated 2025-07-05, after this event's date 2025-07-04"),
    "a position on an item proposed after it": (
        [revision(2, items=[item("x")], date="2025-07-05"), position("item:x", date="2025-07-04")],
        "item 'x' is first proposed on 2025-07-05, after this event's date 2025-07-04"),
    "a party named before it was registered": (
        [party("Q", date="2025-07-05"), commitment(by="Q", date="2025-07-04")],
        "stakeholder 'Q' is registered on 2025-07-05, after this event's date 2025-07-04"),
    "a claim settled before it was lodged": (
        [{"type": "claim_lodged", "date": "2025-07-05", "id": "k1", "by": "A", "against": "B",
          "subject": "s", "summary": "s"},
         {"type": "claim_settled", "date": "2025-07-04", "id": "k1", "outcome": "granted"}],
        "claim 'k1' is lodged on 2025-07-05, after this event's date 2025-07-04"),
    "an agreement on a revision dated after it": (
        [revision(2, date="2025-07-05"),
         {"type": "agreement_reached", "date": "2025-07-04", "revision": 2, "parties": ["A"]}],
        "revision 2 is dated 2025-07-05, after this event's date 2025-07-04"),
    "a commitment due before it was made": (
        [commitment(due="2025-06-30")], "due 2025-06-30 lies before this event's date 2025-07-01"),
    "a deadline moved to before the move": (
        [commitment(), {"type": "commitment_rescheduled", "date": "2025-07-05", "id": "c1",
                        "due": "2025-07-04", "reason": "r"}],
        "due 2025-07-04 lies before this event's date 2025-07-05"),
    "a meeting scheduled for before the scheduling": (
        [meeting(date="2025-07-10")], "scheduled_for 2025-07-09 lies before this event's date 2025-07-10"),
}


def stored_before_the_case(case, tmp_path):
    """The basic dossier and what the case stores first; the case's events; its reason."""
    events, reason, *earlier = REVISION_2_REFUSALS[case]
    base = basic_dossier() + (earlier[0] if earlier else [])
    return write_log(tmp_path, base, name="base.json"), events, reason


@pytest.mark.parametrize("case", sorted(REVISION_2_REFUSALS))
def test_revision_2_refusal_names_file_event_reason_and_stores_nothing(case, tmp_path):
    app = memory_app()
    base, events, reason = stored_before_the_case(case, tmp_path)
    import_file(app, base)
    before = stored(app)
    path = write_log(tmp_path, events, name="bad.json")
    refusal = refusal_of(app, path)
    assert refusal is not None
    assert f"events[{len(events) - 1}]" in refusal
    assert str(path) in refusal and reason in refusal, refusal
    assert stored(app) == before


@pytest.mark.parametrize("case", ["held after its scheduling was retracted",
                                  "position on an item only in a retracted revision",
                                  "a retraction retracted by position", "dated before the opening"])
def test_revision_2_refusal_exits_2_through_the_command_line(case, akkoord, store, tmp_path):
    base, events, reason = stored_before_the_case(case, tmp_path)
    assert akkoord("--db", store, "import", base).status == 0
    before = count_events(store)
    path = write_log(tmp_path, events, name="bad.json")
    result = akkoord("--db", store, "import", path)
    assert result.status == 2, result.out
    assert f"events[{len(events) - 1}]" in result.err
    assert str(path) in result.err and reason in result.err, result.err
    assert "Traceback" not in result.err
    assert count_events(store) == before


def test_a_late_transcription_that_is_consistent_is_stored(akkoord, store, tmp_path):
    """Recorded late, dated early: allowed, as long as it names nothing dated after it."""
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier(), name="base.json")).status == 0
    later = [meeting(date="2025-07-20", id="m2", scheduled_for="2025-07-30"),
             commitment(date="2025-06-28", due="2025-07-01"), meeting(date="2025-06-28"),
             held(date="2025-07-09"), position("proposal:r1", date="2025-06-27")]
    result = akkoord("--db", store, "import", write_log(tmp_path, later, name="late.json"))
    assert result.status == 0, result.err
