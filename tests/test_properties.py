"""Property tests: views caught up in steps equal a full rebuild, and both time axes equal a store
that only ever held the events before that point."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akkoord.application.service import Akkoord
from akkoord.bootstrap import open_store
from akkoord.domain.errors import Refusal
from akkoord.domain.negotiation import Negotiation
from akkoord.interchange.logformat import entry_from_record
from akkoord.projections.catchup import ViewStore
from akkoord.projections.axes import Axes, NotFound
from akkoord.projections.queries import Queries
from akkoord.projections.views import VIEWS

NEGOTIATION = "generated"
START = date(2025, 1, 1)
ITEM_IDS = ("noodsteunpunten", "versterking", "jenv", "pilots")


class DossierModel:
    """What the generator knows of the dossier, so that every event it draws is valid."""

    def __init__(self) -> None:
        self.parties: list[str] = []
        self.revision = 0
        self.standing_revisions: list[int] = []
        self.items: set[str] = set()
        self.commitments: dict[str, str] = {}
        self.claims: dict[str, str] = {}
        self.meetings: list[str] = []
        self.retractable: dict[str, tuple[str, str | None]] = {}
        self.counter = 0

    def new_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


def _amounts(draw: Any) -> list[dict[str, Any]]:
    amounts = []
    for _ in range(draw(st.integers(1, 2))):
        first = draw(st.integers(2025, 2028))
        amount = draw(st.integers(1, 50)) * 1_000_000
        shape = draw(st.sampled_from(["year", "from", "until"]))
        if shape == "year":
            amounts.append({"year": first, "amount": amount})
        elif shape == "from":
            amounts.append({"from": first, "amount": amount})
        else:
            amounts.append({"from": first, "until": first + draw(st.integers(0, 3)), "amount": amount})
    return amounts


def _next_event(draw: Any, model: DossierModel, day: date) -> dict[str, Any]:
    d = day.isoformat()
    moves = ["party"]
    if model.parties:
        moves += ["revision", "commitment", "claim", "meeting", "role", "budget", "position"]
    if len(model.parties) >= 2:
        moves.append("alignment")
    if any(s == "open" for s in model.commitments.values()):
        moves += ["commitment_end", "commitment_end"]
    if any(s == "open" for s in model.claims.values()):
        moves.append("claim_settled")
    if model.meetings:
        moves.append("meeting_held")
    if model.standing_revisions and model.parties:
        moves.append("agreement")
    if model.retractable:
        moves.append("retraction")
    move = draw(st.sampled_from(moves))
    pick = lambda options: draw(st.sampled_from(sorted(options)))  # noqa: E731
    ref = model.new_id("ref-")
    if move == "party":
        party = model.new_id("P")
        model.parties.append(party)
        model.retractable[ref] = ("party", party)
        return {"type": "stakeholder_registered", "date": d, "id": party, "name": party,
                "kind": draw(st.sampled_from(["council", "region", "ministry", "other"])), "ref": ref}
    if move == "revision":
        model.revision += 1
        model.standing_revisions.append(model.revision)
        ids = draw(st.lists(st.sampled_from(ITEM_IDS), min_size=1, max_size=3, unique=True))
        model.items.update(ids)
        model.retractable[ref] = ("revision", str(model.revision))
        return {"type": "proposal_revised", "date": d, "revision": model.revision,
                "status": draw(st.sampled_from(["draft", "concept", "definitive"])),
                "proposed_by": [pick(model.parties)], "ref": ref,
                "items": [{"id": i, "purpose": i, "recipient": pick(model.parties),
                           "amounts": _amounts(draw)} for i in ids]}
    if move == "position":
        subjects = ["topic:navo-norm", "topic:bdur"] + [f"item:{i}" for i in model.items]
        subjects += [f"claim:{c}" for c in model.claims]
        if model.standing_revisions:
            subjects += ["proposal", f"proposal:r{pick(model.standing_revisions)}"]
        model.retractable[ref] = ("other", None)
        return {"type": "position_taken", "date": d, "stakeholder": pick(model.parties),
                "subject": pick(subjects), "ref": ref,
                "stance": draw(st.sampled_from(["support", "conditional", "oppose", "demand", "neutral"])),
                "summary": "s"}
    if move == "commitment":
        cid = model.new_id("c")
        model.commitments[cid] = "open"
        model.retractable[ref] = ("commitment", cid)
        due = day + timedelta(days=draw(st.integers(0, 120)))
        return {"type": "commitment_made", "date": d, "id": cid, "by": pick(model.parties),
                "to": [pick(model.parties)], "what": "w", "due": due.isoformat(), "ref": ref}
    if move == "commitment_end":
        cid = pick(c for c, s in model.commitments.items() if s == "open")
        end = draw(st.sampled_from(["commitment_fulfilled", "commitment_rescheduled", "commitment_withdrawn"]))
        event = {"type": end, "date": d, "id": cid, "ref": ref}
        if end == "commitment_rescheduled":
            event.update(due=(day + timedelta(days=30)).isoformat(), reason="r")
            model.retractable[ref] = ("other", None)
        else:
            if end == "commitment_withdrawn":
                event["reason"] = "r"
            model.commitments[cid] = end
            model.retractable[ref] = ("commitment_end", cid)
        return event
    if move == "claim":
        kid = model.new_id("k")
        model.claims[kid] = "open"
        model.retractable[ref] = ("claim", kid)
        return {"type": "claim_lodged", "date": d, "id": kid, "by": pick(model.parties),
                "against": pick(model.parties), "subject": "s", "summary": "s", "ref": ref,
                "amount": draw(st.integers(1, 30)) * 100_000}
    if move == "claim_settled":
        kid = pick(k for k, s in model.claims.items() if s == "open")
        model.claims[kid] = "settled"
        model.retractable[ref] = ("claim_end", kid)
        return {"type": "claim_settled", "date": d, "id": kid, "ref": ref,
                "outcome": draw(st.sampled_from(["granted", "partially_granted", "rejected", "withdrawn"]))}
    if move == "meeting":
        mid = model.new_id("m")
        model.meetings.append(mid)
        model.retractable[ref] = ("other", None)
        return {"type": "meeting_scheduled", "date": d, "id": mid, "title": "t", "ref": ref,
                "scheduled_for": (day + timedelta(days=10)).isoformat(), "participants": [pick(model.parties)]}
    if move == "meeting_held":
        model.retractable[ref] = ("other", None)
        return {"type": "meeting_held", "date": d, "id": pick(model.meetings), "ref": ref}
    if move == "agreement":
        model.retractable[ref] = ("other", None)
        return {"type": "agreement_reached", "date": d, "revision": pick(model.standing_revisions),
                "parties": [pick(model.parties)], "ref": ref}
    if move == "alignment":
        parties = draw(st.lists(st.sampled_from(model.parties), min_size=2, max_size=3, unique=True))
        model.retractable[ref] = ("other", None)
        return {"type": "alignment_declared", "date": d, "parties": parties, "summary": "s", "ref": ref}
    if move == "role":
        model.retractable[ref] = ("other", None)
        return {"type": "role_assigned", "date": d, "task": "bevolkingszorg", "stakeholder": pick(model.parties),
                "role": draw(st.sampled_from(["primary", "regie", "support"])), "ref": ref}
    if move == "budget":
        model.retractable[ref] = ("other", None)
        return {"type": "budget_changed", "date": d, "budget": [
            {"party": "RIJK", "amount": draw(st.integers(1, 90)) * 1_000_000, "from": draw(st.integers(2025, 2028))}],
            "ref": ref}
    # A retraction: the generator forgets what the retracted event established.
    target = pick(model.retractable)
    kind, key = model.retractable.pop(target)
    if kind == "party":
        # Retract a registration only while nothing else names the party, to keep later draws valid.
        model.parties.remove(key)
    elif kind == "revision":
        model.standing_revisions.remove(int(key))
    elif kind == "commitment":
        model.commitments.pop(key)
    elif kind == "commitment_end":
        if key in model.commitments:
            model.commitments[key] = "open"
    elif kind == "claim":
        model.claims.pop(key)
    elif kind == "claim_end":
        if key in model.claims:
            model.claims[key] = "open"
    return {"type": "event_retracted", "date": d, "retracts": target, "reason": "in error"}


@st.composite
def dossiers(draw: Any, max_events: int = 40, retractions: bool = True) -> list[dict[str, Any]]:
    """A valid sequence: the model proposes plausible events, the domain itself keeps those it
    accepts (so the generator never drifts from the rules)."""
    model = DossierModel()
    day = START
    events = [{"type": "negotiation_opened", "date": day.isoformat(), "title": "t",
               "budget": [{"party": "RIJK", "from": 2027, "amount": "70M"}]}]
    dossier = _decided(events[0])
    for _ in range(draw(st.integers(1, max_events))):
        day += timedelta(days=draw(st.integers(0, 20)))
        before = copy.deepcopy(model)
        event = _next_event(draw, model, day)
        if event["type"] == "event_retracted" and not retractions:
            model = before
            continue
        try:
            entry = entry_from_record(event)
            dossier.record(entry.type, recorded_by="generator", **entry.fields)
        except Refusal:
            model = before
            continue
        events.append(event)
    return events


def _decided(opening: dict[str, Any]) -> Negotiation:
    entry = entry_from_record(opening)
    return Negotiation.open(NEGOTIATION, recorded_by="generator", **entry.fields)


def _store(path: Path) -> Akkoord:
    return open_store(path, create=True).app


def _record(app: Akkoord, events: list[dict[str, Any]]) -> None:
    app.record(NEGOTIATION, [entry_from_record(e) for e in events], "property-test")


def _tables(views: ViewStore) -> dict[str, list[tuple]]:
    return {
        table: sorted(tuple(row.values()) for row in views.db[table].rows)
        for view in VIEWS for table in view.tables
    }


def _answers(queries: Queries, axes: Axes, keep_positions: bool = True) -> dict[str, Any]:
    def attempt(function: Any) -> Any:
        try:
            return function()
        except NotFound as error:
            return f"not found: {error}"
    answers = {
        "proposal": attempt(lambda: queries.proposal(NEGOTIATION, axes)),
        "commitments": queries.commitments(NEGOTIATION, axes),
        "claims": queries.claims(NEGOTIATION, axes),
        "positions": queries.positions(NEGOTIATION, axes),
        "meetings": queries.meetings(NEGOTIATION, axes),
        "stakeholders": queries.stakeholders(NEGOTIATION, axes),
        "alignments": queries.alignments(NEGOTIATION, axes),
        "roles": queries.roles(NEGOTIATION, axes),
    }
    if keep_positions:
        answers["log"] = [{k: v for k, v in e.items() if k != "recorded_at"}
                          for e in queries.log(axes, NEGOTIATION)]
        return answers
    return _without_positions(answers)


def _without_positions(value: Any) -> Any:
    """Positions differ between a store and one holding a subset of its events; facts do not."""
    if isinstance(value, dict):
        return {k: _without_positions(v) for k, v in value.items()
                if k not in ("position", "sources", "retracted_at", "retracted_by")}
    if isinstance(value, list):
        return [_without_positions(v) for v in value]
    return value


PROPERTY_SETTINGS = settings(max_examples=25, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                    HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(events=dossiers(), data=st.data())
def test_catching_up_in_steps_equals_a_full_rebuild(tmp_path_factory, events, data):
    directory = tmp_path_factory.mktemp("steps")
    app = _store(directory / "events.db")
    cuts = sorted(data.draw(st.sets(st.integers(1, len(events) - 1), max_size=4))) if len(events) > 1 else []
    stepwise = ViewStore(directory / "stepwise.sqlite")
    for start, stop in zip([0, *cuts], [*cuts, len(events)]):
        _record(app, events[start:stop])
        if data.draw(st.booleans()):
            stepwise.catch_up(app)
    stepwise.catch_up(app)
    rebuilt = ViewStore(directory / "rebuilt.sqlite")
    rebuilt.rebuild(app)
    assert _tables(stepwise) == _tables(rebuilt)
    assert _answers(stepwise.queries(), Axes()) == _answers(rebuilt.queries(), Axes())


@PROPERTY_SETTINGS
@given(events=dossiers(), data=st.data())
def test_known_at_equals_a_store_that_held_only_that_prefix(tmp_path_factory, events, data):
    directory = tmp_path_factory.mktemp("known")
    position = data.draw(st.integers(1, len(events)))
    full, prefix = _store(directory / "full.db"), _store(directory / "prefix.db")
    _record(full, events)
    _record(prefix, events[:position])
    full_views, prefix_views = ViewStore(directory / "full.sqlite"), ViewStore(directory / "prefix.sqlite")
    full_views.catch_up(full)
    prefix_views.catch_up(prefix)
    assert (_answers(full_views.queries(), Axes(known_at=position))
            == _answers(prefix_views.queries(), Axes()))


@PROPERTY_SETTINGS
@given(events=dossiers(), data=st.data())
def test_as_of_equals_a_store_that_held_only_the_events_up_to_that_date(tmp_path_factory, events, data):
    directory = tmp_path_factory.mktemp("asof")
    last_day = date.fromisoformat(events[-1]["date"])
    as_of = START + timedelta(days=data.draw(st.integers(0, (last_day - START).days)))
    # A retraction corrects the record, not the world: it counts whatever its own date.
    held = [e for e in events if date.fromisoformat(e["date"]) <= as_of]
    held_refs = {e.get("ref") for e in held}
    held += [e for e in events if e["type"] == "event_retracted" and e not in held
             and e["retracts"] in held_refs]
    full, earlier = _store(directory / "full.db"), _store(directory / "earlier.db")
    _record(full, events)
    _record(earlier, held)
    full_views, earlier_views = ViewStore(directory / "full.sqlite"), ViewStore(directory / "earlier.sqlite")
    full_views.catch_up(full)
    earlier_views.catch_up(earlier)
    assert (_answers(full_views.queries(), Axes(as_of=as_of), keep_positions=False)
            == _answers(earlier_views.queries(), Axes(as_of=as_of), keep_positions=False))
