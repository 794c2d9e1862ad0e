"""Read models: SQLite tables of facts, kept by catching up with the event store.

Every row is one fact with the position of the event it came from, its effective ``date`` and,
once a retraction is recorded, ``retracted_at`` (the retraction's position). That makes every
view bitemporal: the answer for ``--as-of DATE --known-at POSITION`` is a filter on the same
rows, so time travel needs no replay. Views are disposable: ``rebuild`` drops them and reads
the events again; otherwise each view catches up from the position it has recorded, and writes
its rows and that position in one transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from domain.negotiation import EVENT_TYPES
from domain.negotiation import Negotiation as N
from interchange.logformat import record_of
from projections.summaries import stakeholders_named, summary

Row = dict[str, Any]
Handler = Callable[[Any, Row], Iterable[tuple[str, Row]]]

BATCH = 2000
FACT_COLUMNS = {"negotiation": str, "position": int, "date": str, "retracted_at": int}


@dataclass
class View:
    """A group of tables kept together, with the position it has processed."""

    name: str
    version: int
    tables: dict[str, dict[str, type]]
    handlers: dict[str, Handler]
    indexes: list[tuple[str, list[str]]] = field(default_factory=list)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _periods(amounts: Iterable[Any]) -> str:
    return _json([[a.amount, a.period.first, a.period.last] for a in amounts])


# -- the views ----------------------------------------------------------------------------------


def _log(event: Any, base: Row) -> Iterator[tuple[str, Row]]:
    yield "log", {
        **base,
        "recorded_at": event.timestamp.isoformat(),
        "recorded_by": event.recorded_by,
        "type": event.TYPE,
        "ref": event.ref,
        "summary": summary(event),
        "data": _json(record_of(event)),
    }
    for party in sorted(stakeholders_named(event)):
        yield "log_parties", {"position": base["position"], "stakeholder": party}


LOG = View(
    name="log",
    version=1,
    tables={
        "log": {**FACT_COLUMNS, "recorded_at": str, "recorded_by": str, "type": str,
                "ref": str, "summary": str, "data": str},
        "log_parties": {"position": int, "stakeholder": str},
    },
    handlers=dict.fromkeys(EVENT_TYPES, _log),
    indexes=[("log", ["negotiation", "ref"]), ("log_parties", ["stakeholder", "position"])],
)


def _dossier_opened(event: N.Opened, base: Row) -> Iterator[tuple[str, Row]]:
    yield "dossiers", {**base, "title": event.title, "aggregate_id": str(event.originator_id)}
    yield from _budget(event, base)


def _budget(event: Any, base: Row) -> Iterator[tuple[str, Row]]:
    for order, line in enumerate(event.budget):
        yield "budget_lines", {**base, "line": order, "party": line.party, "purpose": line.purpose,
                               "amount": line.amount, "first_year": line.period.first,
                               "last_year": line.period.last}
    if not event.budget:
        # An empty envelope is still the latest budget.
        yield "budget_lines", {**base, "line": -1, "party": None, "purpose": None, "amount": 0,
                               "first_year": None, "last_year": None}


def _stakeholder(event: N.StakeholderRegistered, base: Row) -> Iterator[tuple[str, Row]]:
    yield "stakeholders", {**base, "id": event.id, "name": event.name, "kind": event.kind.value,
                           "description": event.description, "member_of": event.member_of}


def _meeting(event: N.MeetingScheduled, base: Row) -> Iterator[tuple[str, Row]]:
    yield "meetings", {**base, "id": event.id, "title": event.title,
                       "scheduled_for": event.scheduled_for.isoformat(),
                       "participants": _json(list(event.participants)),
                       "agenda": _json(list(event.agenda or ()))}


def _meeting_held(event: N.MeetingHeld, base: Row) -> Iterator[tuple[str, Row]]:
    yield "meetings_held", {**base, "id": event.id}


DOSSIER = View(
    name="dossier",
    version=1,
    tables={
        "dossiers": {**FACT_COLUMNS, "title": str, "aggregate_id": str},
        "budget_lines": {**FACT_COLUMNS, "line": int, "party": str, "purpose": str, "amount": int,
                         "first_year": int, "last_year": int},
        "stakeholders": {**FACT_COLUMNS, "id": str, "name": str, "kind": str, "description": str,
                         "member_of": str},
        "meetings": {**FACT_COLUMNS, "id": str, "title": str, "scheduled_for": str,
                     "participants": str, "agenda": str},
        "meetings_held": {**FACT_COLUMNS, "id": str},
    },
    handlers={
        N.Opened.TYPE: _dossier_opened,
        N.BudgetChanged.TYPE: _budget,
        N.StakeholderRegistered.TYPE: _stakeholder,
        N.MeetingScheduled.TYPE: _meeting,
        N.MeetingHeld.TYPE: _meeting_held,
    },
    indexes=[("budget_lines", ["negotiation", "position"]), ("stakeholders", ["negotiation"]),
             ("meetings", ["negotiation"])],
)


def _revision(event: N.ProposalRevised, base: Row) -> Iterator[tuple[str, Row]]:
    yield "revisions", {**base, "revision": event.revision, "status": event.status.value,
                        "proposed_by": _json(list(event.proposed_by)),
                        "rationale": event.rationale}
    for order, item in enumerate(event.items):
        yield "revision_items", {**base, "revision": event.revision, "item_order": order,
                                 "item_id": item.id, "purpose": item.purpose,
                                 "recipient": item.recipient, "amounts": _periods(item.amounts),
                                 "distribution": item.distribution,
                                 "conditions": _json(list(item.conditions))}


def _agreement(event: N.AgreementReached, base: Row) -> Iterator[tuple[str, Row]]:
    yield "agreements", {**base, "revision": event.revision, "parties": _json(list(event.parties)),
                         "summary": event.summary}


PROPOSAL = View(
    name="proposal",
    version=1,
    tables={
        "revisions": {**FACT_COLUMNS, "revision": int, "status": str, "proposed_by": str,
                      "rationale": str},
        "revision_items": {**FACT_COLUMNS, "revision": int, "item_order": int, "item_id": str,
                           "purpose": str, "recipient": str, "amounts": str,
                           "distribution": str, "conditions": str},
        "agreements": {**FACT_COLUMNS, "revision": int, "parties": str, "summary": str},
    },
    handlers={N.ProposalRevised.TYPE: _revision, N.AgreementReached.TYPE: _agreement},
    indexes=[("revisions", ["negotiation", "revision"]), ("revision_items", ["position"]),
             ("agreements", ["negotiation", "revision"])],
)


def _stance(event: N.PositionTaken, base: Row) -> Iterator[tuple[str, Row]]:
    yield "stances", {**base, "stakeholder": event.stakeholder, "subject": event.subject,
                      "stance": event.stance.value, "summary": event.summary,
                      "points": _json(list(event.points or ()))}


POSITIONS = View(
    name="positions",
    version=1,
    tables={"stances": {**FACT_COLUMNS, "stakeholder": str, "subject": str, "stance": str,
                        "summary": str, "points": str}},
    handlers={N.PositionTaken.TYPE: _stance},
    indexes=[("stances", ["negotiation", "stakeholder", "subject"])],
)


def _claim(event: N.ClaimLodged, base: Row) -> Iterator[tuple[str, Row]]:
    yield "claims", {**base, "id": event.id, "by": event.by, "against": event.against,
                     "subject": event.subject, "summary": event.summary, "amount": event.amount}


def _settlement(event: N.ClaimSettled, base: Row) -> Iterator[tuple[str, Row]]:
    yield "claim_settlements", {**base, "id": event.id, "outcome": event.outcome.value,
                                "amount": event.amount, "summary": event.summary}


CLAIMS = View(
    name="claims",
    version=1,
    tables={
        "claims": {**FACT_COLUMNS, "id": str, "by": str, "against": str, "subject": str,
                   "summary": str, "amount": int},
        "claim_settlements": {**FACT_COLUMNS, "id": str, "outcome": str, "amount": int,
                              "summary": str},
    },
    handlers={N.ClaimLodged.TYPE: _claim, N.ClaimSettled.TYPE: _settlement},
    indexes=[("claims", ["negotiation", "id"]), ("claim_settlements", ["negotiation", "id"])],
)


def _commitment(event: N.CommitmentMade, base: Row) -> Iterator[tuple[str, Row]]:
    yield "commitments", {**base, "id": event.id, "by": event.by, "to_parties": _json(list(event.to)),
                          "what": event.what, "due": event.due.isoformat() if event.due else None}


def _commitment_update(event: Any, base: Row) -> Iterator[tuple[str, Row]]:
    due = getattr(event, "due", None)
    detail = getattr(event, "reason", None) or getattr(event, "evidence", None)
    yield "commitment_updates", {**base, "id": event.id, "type": event.TYPE,
                                 "due": due.isoformat() if due else None, "detail": detail}


COMMITMENTS = View(
    name="commitments",
    version=1,
    tables={
        "commitments": {**FACT_COLUMNS, "id": str, "by": str, "to_parties": str, "what": str,
                        "due": str},
        "commitment_updates": {**FACT_COLUMNS, "id": str, "type": str, "due": str, "detail": str},
    },
    handlers={
        N.CommitmentMade.TYPE: _commitment,
        N.CommitmentFulfilled.TYPE: _commitment_update,
        N.CommitmentRescheduled.TYPE: _commitment_update,
        N.CommitmentWithdrawn.TYPE: _commitment_update,
    },
    indexes=[("commitments", ["negotiation", "id"]), ("commitment_updates", ["negotiation", "id"])],
)


def _alignment(event: N.AlignmentDeclared, base: Row) -> Iterator[tuple[str, Row]]:
    yield "alignments", {**base, "parties": _json(list(event.parties)), "toward": event.toward,
                         "summary": event.summary}


def _role(event: N.RoleAssigned, base: Row) -> Iterator[tuple[str, Row]]:
    yield "roles", {**base, "task": event.task, "stakeholder": event.stakeholder,
                    "role": event.role.value, "summary": event.summary}


RELATIONS = View(
    name="relations",
    version=1,
    tables={
        "alignments": {**FACT_COLUMNS, "parties": str, "toward": str, "summary": str},
        "roles": {**FACT_COLUMNS, "task": str, "stakeholder": str, "role": str, "summary": str},
    },
    handlers={N.AlignmentDeclared.TYPE: _alignment, N.RoleAssigned.TYPE: _role},
    indexes=[("alignments", ["negotiation"]), ("roles", ["negotiation"])],
)

VIEWS: tuple[View, ...] = (LOG, DOSSIER, PROPOSAL, POSITIONS, CLAIMS, COMMITMENTS, RELATIONS)
