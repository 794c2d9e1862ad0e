"""The negotiation dossier: one aggregate whose events are the record of a negotiation.

The dossier is the consistency boundary: every refusal of the log format is a rule about what
the dossier already holds (registered parties, open commitments, the next revision number), so
one aggregate per dossier lets the domain enforce them all, and lets the store's optimistic
concurrency control refuse a second writer that decided on stale state.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from akkoord.domain.distribution import checked_key
from akkoord.domain.errors import Refusal
from akkoord.domain.schema import check_fields, check_slug, check_value
from akkoord.domain.topics import topic_of
from akkoord.domain.values import (
    BudgetLine,
    ClaimOutcome,
    Euros,
    ProposalItem,
    ProposalStatus,
    Role,
    Source,
    Stance,
    StakeholderKind,
)

DOSSIER_NAMESPACE = uuid5(NAMESPACE_URL, "https://akkoord.invalid/dossier")

ONE_OR_MANY = {"one_or_many": True}
# A field the recorder does not write per event: the dossier's slug comes with the batch.
IMPLIED = {"implied": True}

# event type -> event class, filled as the classes are defined
EVENT_TYPES: dict[str, type[Negotiation.Event]] = {}


def _stable_topic(cls: type, name: str) -> None:
    """Give a class a topic that does not depend on the module it lives in.

    Stored events name their class by topic; pinning topics to the event type means code
    can move without orphaning what is stored (tests pin the list).
    """
    cls.TOPIC = topic_of(name)  # type: ignore[attr-defined]
    register_topic(cls.TOPIC, cls)  # type: ignore[attr-defined]


class Negotiation(Aggregate):
    """A dossier: the record of one negotiation, built up from its events."""

    class Event(Aggregate.Event):
        TYPE: ClassVar[str] = ""
        date: date
        recorded_by: str
        ref: str | None
        source: Source | None
        note: str | None

        def __init_subclass__(cls, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            if cls.__dict__.get("TYPE"):
                EVENT_TYPES[cls.TYPE] = cls
                _stable_topic(cls, cls.TYPE)

        def apply(self, aggregate: Negotiation) -> None:
            if self.ref is not None:
                aggregate.refs[self.ref] = [self.TYPE, self.key]

        @property
        def key(self) -> str | None:
            """The id of the thing this event is about, where it has one."""
            return getattr(self, "id", None)

    @staticmethod
    def create_id(negotiation: str) -> UUID:
        return uuid5(DOSSIER_NAMESPACE, negotiation)

    class Opened(Event, Aggregate.Created):
        TYPE = "negotiation_opened"
        negotiation: str = dataclasses.field(metadata=IMPLIED)
        title: str = dataclasses.field()
        budget: tuple[BudgetLine, ...]

        def apply(self, aggregate: Negotiation) -> None:
            aggregate.negotiation = self.negotiation
            aggregate.title = self.title
            super().apply(aggregate)

    class BudgetChanged(Event):
        TYPE = "budget_changed"
        budget: tuple[BudgetLine, ...]

    class StakeholderRegistered(Event):
        TYPE = "stakeholder_registered"
        id: str
        name: str
        kind: StakeholderKind
        description: str | None
        member_of: str | None

        def apply(self, aggregate: Negotiation) -> None:
            aggregate.stakeholders.add(self.id)
            super().apply(aggregate)

    class ProposalRevised(Event):
        TYPE = "proposal_revised"
        revision: int
        status: ProposalStatus
        proposed_by: tuple[str, ...]
        rationale: str | None
        items: tuple[ProposalItem, ...]

        @property
        def key(self) -> str:
            return str(self.revision)

        def apply(self, aggregate: Negotiation) -> None:
            aggregate.last_revision = self.revision
            aggregate.items.update(item.id for item in self.items)
            super().apply(aggregate)

    class PositionTaken(Event):
        TYPE = "position_taken"
        stakeholder: str
        subject: str
        stance: Stance
        summary: str
        points: tuple[str, ...] | None

    class ClaimLodged(Event):
        TYPE = "claim_lodged"
        id: str
        by: str
        against: str
        subject: str
        summary: str
        amount: Euros | None

        def apply(self, aggregate: Negotiation) -> None:
            aggregate.claims[self.id] = "open"
            super().apply(aggregate)

    class ClaimSettled(Event):
        TYPE = "claim_settled"
        id: str
        outcome: ClaimOutcome
        amount: Euros | None
        summary: str | None

        def apply(self, aggregate: Negotiation) -> None:
            aggregate.claims[self.id] = self.outcome.value
            super().apply(aggregate)

    class AlignmentDeclared(Event):
        TYPE = "alignment_declared"
        parties: tuple[str, ...]
        toward: str | None
        summary: str

    class RoleAssigned(Event):
        TYPE = "role_assigned"
        task: str
        stakeholder: str
        role: Role
        summary: str | None

    class CommitmentMade(Event):
        TYPE = "commitment_made"
        id: str
        by: str
        to: tuple[str, ...] = dataclasses.field(metadata=ONE_OR_MANY)
        what: str = dataclasses.field()
        due: date | None = dataclasses.field()

        def apply(self, aggregate: Negotiation) -> None:
            aggregate.commitments[self.id] = "open"
            super().apply(aggregate)

    class CommitmentFulfilled(Event):
        TYPE = "commitment_fulfilled"
        id: str
        evidence: str | None

        def apply(self, aggregate: Negotiation) -> None:
            aggregate.commitments[self.id] = "fulfilled"
            super().apply(aggregate)

    class CommitmentRescheduled(Event):
        TYPE = "commitment_rescheduled"
        id: str
        due: date
        reason: str

    class CommitmentWithdrawn(Event):
        TYPE = "commitment_withdrawn"
        id: str
        reason: str

        def apply(self, aggregate: Negotiation) -> None:
            aggregate.commitments[self.id] = "withdrawn"
            super().apply(aggregate)

    class MeetingScheduled(Event):
        TYPE = "meeting_scheduled"
        id: str
        title: str
        scheduled_for: date
        participants: tuple[str, ...]
        agenda: tuple[str, ...] | None

        def apply(self, aggregate: Negotiation) -> None:
            aggregate.meetings.add(self.id)
            super().apply(aggregate)

    class MeetingHeld(Event):
        TYPE = "meeting_held"
        id: str

    class AgreementReached(Event):
        TYPE = "agreement_reached"
        revision: int
        parties: tuple[str, ...]
        summary: str | None

        @property
        def key(self) -> str:
            return str(self.revision)

    class EventRetracted(Event):
        TYPE = "event_retracted"
        retracts: str
        reason: str

        @property
        def key(self) -> str:
            return self.retracts

        def apply(self, aggregate: Negotiation) -> None:
            retracted_type, key = aggregate.refs[self.retracts]
            aggregate.retracted_refs.add(self.retracts)
            undo = _UNDO.get(retracted_type)
            if undo is not None and key is not None:
                undo(aggregate, key)
            super().apply(aggregate)

    class DistributionKeyRecorded(Event):
        TYPE = "distribution_key_recorded"
        id: str
        method: str
        title: str
        # The key's data as the log format writes it (domain.distribution checks it).
        regions: tuple[dict, ...]
        weights: dict | None
        fixed: int | None

        def apply(self, aggregate: Negotiation) -> None:
            aggregate.key_states[self.id] = "open"
            super().apply(aggregate)

    class DistributionKeyRetired(Event):
        TYPE = "distribution_key_retired"
        id: str
        reason: str

        def apply(self, aggregate: Negotiation) -> None:
            aggregate.key_states[self.id] = "retired"
            super().apply(aggregate)

    class Snapshot(Aggregate.Snapshot):
        pass

    def __init__(self) -> None:
        self.negotiation = ""
        self.title = ""
        self.stakeholders: set[str] = set()
        self.last_revision = 0
        self.retracted_revisions: set[str] = set()
        self.items: set[str] = set()
        self.claims: dict[str, str] = {}
        self.commitments: dict[str, str] = {}
        self.meetings: set[str] = set()
        self.refs: dict[str, list[str | None]] = {}
        self.retracted_refs: set[str] = set()

    @property
    def key_states(self) -> dict[str, str]:
        """Distribution key id -> "open" or "retired" (kept out of ``__init__`` so that a
        snapshot taken before keys existed reads back)."""
        return self.__dict__.setdefault("distribution_keys", {})

    # -- commands ---------------------------------------------------------------------------

    @classmethod
    def open(cls, negotiation: str, *, recorded_by: str, **fields: Any) -> Negotiation:
        """Opens a dossier: the first event of every negotiation."""
        check_slug("negotiation", negotiation)
        common, own = _split_common(fields)
        own["negotiation"] = negotiation
        check_fields(cls.Opened.TYPE, cls.Opened, own)
        _check_common(common)
        return cls._create(
            cls.Opened,
            id=cls.create_id(negotiation),
            recorded_by=recorded_by,
            **common,
            **own,
        )

    def record(self, event_type: str, *, recorded_by: str, **fields: Any) -> None:
        """Records one event of the given type, if the dossier's rules allow it."""
        event_class = EVENT_TYPES.get(event_type)
        if event_class is None:
            raise Refusal(f"unknown event type {event_type!r}")
        if event_class is Negotiation.Opened:
            raise Refusal(f"dossier {self.negotiation!r} is already opened")
        common, own = _split_common(fields)
        check_fields(event_type, event_class, own)
        _check_common(common)
        if common.get("ref") is not None and common["ref"] in self.refs:
            raise Refusal(f"ref {common['ref']!r} is already used in this dossier")
        check_rules = _RULES.get(event_type)
        if check_rules is not None:
            own = check_rules(self, **own) or own
        self.trigger_event(event_class, recorded_by=recorded_by, **common, **own)

    # -- the rules, one method per event type that has any ----------------------------------

    def _require_party(self, field: str, party: str | None) -> None:
        if party is not None and party not in self.stakeholders:
            raise Refusal(f"{field}: stakeholder {party!r} is not registered")

    def _require_parties(self, field: str, parties: tuple[str, ...] | list[str]) -> None:
        for party in parties:
            self._require_party(field, party)

    def _require_revision(self, revision: int) -> None:
        if not 1 <= revision <= self.last_revision or str(revision) in self.retracted_revisions:
            raise Refusal(f"revision {revision} does not exist")

    def _check_stakeholder_registered(self, *, id: str, member_of: str | None, **_: Any) -> None:
        if id in self.stakeholders:
            raise Refusal(f"stakeholder {id!r} is already registered")
        self._require_party("member_of", member_of)

    def _check_proposal_revised(
        self, *, revision: int, proposed_by: tuple[str, ...], items: tuple[ProposalItem, ...], **_: Any
    ) -> None:
        if revision != self.last_revision + 1:
            raise Refusal(f"revision {revision} does not follow revision {self.last_revision}")
        self._require_parties("proposed_by", proposed_by)
        seen: set[str] = set()
        for item in items:
            check_slug("item id", item.id)
            if item.id in seen:
                raise Refusal(f"item id {item.id!r} repeats in revision {revision}")
            seen.add(item.id)
            self._require_party(f"item {item.id} recipient", item.recipient)

    def _check_position_taken(self, *, stakeholder: str, subject: str, **own: Any) -> dict[str, Any]:
        self._require_party("stakeholder", stakeholder)
        return {**own, "stakeholder": stakeholder, "subject": self._resolve_subject(subject)}

    def _resolve_subject(self, subject: str) -> str:
        """The subject as stored: ``proposal`` becomes the latest revision, ``proposal:rN``."""
        if subject == "proposal":
            # The latest revision not retracted: found from the top, not by listing them all.
            latest = next((n for n in range(self.last_revision, 0, -1)
                           if str(n) not in self.retracted_revisions), None)
            if latest is None:
                raise Refusal("subject 'proposal': no revision of the proposal is recorded yet")
            return f"proposal:r{latest}"
        kind, _, name = subject.partition(":")
        if not name:
            raise Refusal(
                f"subject {subject!r} must be proposal, proposal:rN, item:ID, claim:ID or topic:SLUG"
            )
        if kind == "proposal":
            if not (name.startswith("r") and name[1:].isdigit()):
                raise Refusal(f"subject {subject!r}: a revision is written proposal:rN")
            self._require_revision(int(name[1:]))
        elif kind == "item":
            if name not in self.items:
                raise Refusal(f"subject {subject!r}: item {name!r} is in no revision")
        elif kind == "claim":
            if name not in self.claims:
                raise Refusal(f"subject {subject!r}: claim {name!r} does not exist")
        elif kind == "topic":
            check_slug("topic", name)
        else:
            raise Refusal(
                f"subject {subject!r} must be proposal, proposal:rN, item:ID, claim:ID or topic:SLUG"
            )
        return subject

    def _check_claim_lodged(self, *, id: str, by: str, against: str, **_: Any) -> None:
        if id in self.claims:
            raise Refusal(f"claim {id!r} already exists")
        self._require_party("by", by)
        self._require_party("against", against)

    def _check_claim_settled(self, *, id: str, **_: Any) -> None:
        state = self.claims.get(id)
        if state is None:
            raise Refusal(f"claim {id!r} does not exist")
        if state != "open":
            raise Refusal(f"claim {id!r} is already settled ({state})")

    def _check_alignment_declared(
        self, *, parties: tuple[str, ...], toward: str | None, **_: Any
    ) -> None:
        if len(set(parties)) < 2:
            raise Refusal("parties must name at least 2 different stakeholders")
        self._require_parties("parties", parties)
        self._require_party("toward", toward)

    def _check_role_assigned(self, *, task: str, stakeholder: str, **_: Any) -> None:
        check_slug("task", task)
        self._require_party("stakeholder", stakeholder)

    def _check_commitment_made(self, *, id: str, by: str, to: tuple[str, ...], **_: Any) -> None:
        if id in self.commitments:
            raise Refusal(f"commitment {id!r} already exists")
        if not to:
            raise Refusal("to must name at least one stakeholder")
        self._require_party("by", by)
        self._require_parties("to", to)

    def _require_open_commitment(self, id: str) -> None:
        state = self.commitments.get(id)
        if state is None:
            raise Refusal(f"commitment {id!r} does not exist")
        if state != "open":
            raise Refusal(f"commitment {id!r} is not open ({state})")

    def _check_commitment_fulfilled(self, *, id: str, **_: Any) -> None:
        self._require_open_commitment(id)

    def _check_commitment_rescheduled(self, *, id: str, **_: Any) -> None:
        self._require_open_commitment(id)

    def _check_commitment_withdrawn(self, *, id: str, **_: Any) -> None:
        self._require_open_commitment(id)

    def _check_meeting_scheduled(self, *, participants: tuple[str, ...], **_: Any) -> None:
        self._require_parties("participants", participants)

    def _check_meeting_held(self, *, id: str, **_: Any) -> None:
        if id not in self.meetings:
            raise Refusal(f"meeting {id!r} is not scheduled")

    def _check_agreement_reached(self, *, revision: int, parties: tuple[str, ...], **_: Any) -> None:
        self._require_revision(revision)
        if not parties:
            raise Refusal("parties must name at least one stakeholder")
        self._require_parties("parties", parties)

    def _check_event_retracted(self, *, retracts: str, **_: Any) -> None:
        target = self.refs.get(retracts)
        if target is None:
            raise Refusal(f"retracts: ref {retracts!r} does not exist")
        if target[0] == Negotiation.EventRetracted.TYPE:
            raise Refusal(f"retracts: {retracts!r} is itself a retraction; record the fact again")
        if retracts in self.retracted_refs:
            raise Refusal(f"retracts: {retracts!r} is already retracted")

    def _check_distribution_key_recorded(self, *, id: str, method: str, regions: tuple[Any, ...],
                                         weights: Any, fixed: Any, **own: Any) -> dict[str, Any]:
        check_slug("key id", id)
        if id in self.key_states:
            raise Refusal(f"distribution key {id!r} is already recorded; record a new version "
                          "under another id")
        return {**own, "id": id, **checked_key(method, regions, weights, fixed)}

    def _check_distribution_key_retired(self, *, id: str, **_: Any) -> None:
        state = self.key_states.get(id)
        if state is None:
            raise Refusal(f"distribution key {id!r} is not recorded")
        if state != "open":
            raise Refusal(f"distribution key {id!r} is already retired")


def _split_common(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    common = {
        "date": fields.pop("date", None),
        "ref": fields.pop("ref", None),
        "source": fields.pop("source", None),
        "note": fields.pop("note", None),
    }
    return common, fields


def _check_common(common: dict[str, Any]) -> None:
    if type(common["date"]) is not date:  # the common case settled without a call
        if common["date"] is None:
            raise Refusal("missing required field 'date'")
        check_value("date", common["date"], date)
    if common["ref"] is not None:
        check_value("ref", common["ref"], str)
        check_slug("ref", common["ref"])
    if common["source"] is not None:
        check_value("source", common["source"], Source)
    if common["note"] is not None:
        check_value("note", common["note"], str)


def _forget(collection: str) -> Any:
    def undo(aggregate: Negotiation, key: str) -> None:
        container = getattr(aggregate, collection)
        if isinstance(container, set):
            container.discard(key)
        else:
            container.pop(key, None)

    return undo


def _reopen(collection: str) -> Any:
    def undo(aggregate: Negotiation, key: str) -> None:
        container = getattr(aggregate, collection)
        if key in container:
            container[key] = "open"

    return undo


def _withdraw_revision(aggregate: Negotiation, key: str) -> None:
    aggregate.retracted_revisions.add(key)


# What a retraction undoes in the dossier's rules: the retracted fact never happened.
_UNDO = {
    Negotiation.StakeholderRegistered.TYPE: _forget("stakeholders"),
    Negotiation.ProposalRevised.TYPE: _withdraw_revision,
    Negotiation.ClaimLodged.TYPE: _forget("claims"),
    Negotiation.ClaimSettled.TYPE: _reopen("claims"),
    Negotiation.CommitmentMade.TYPE: _forget("commitments"),
    Negotiation.CommitmentFulfilled.TYPE: _reopen("commitments"),
    Negotiation.CommitmentWithdrawn.TYPE: _reopen("commitments"),
    Negotiation.DistributionKeyRecorded.TYPE: _forget("key_states"),
    Negotiation.DistributionKeyRetired.TYPE: _reopen("key_states"),
}

# event type -> the method with its rules, looked up once rather than by name per event
_RULES = {event_type: vars(Negotiation)[f"_check_{event_type}"]
          for event_type in EVENT_TYPES if f"_check_{event_type}" in vars(Negotiation)}

_stable_topic(Negotiation, "Negotiation")
_stable_topic(Negotiation.Snapshot, "Negotiation.Snapshot")
