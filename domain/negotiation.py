"""The negotiation dossier: one aggregate whose events are the record of a negotiation.

The dossier is the consistency boundary: every refusal of the log format is a rule about what
the dossier already holds (registered parties, open commitments, the next revision number), so
one aggregate per dossier lets the domain enforce them all, and lets the store's optimistic
concurrency control refuse a second writer that decided on stale state.

Each event type is one class, and the class is the one place that says what the type means: its
fields (with their help), its rule (``check``), what it establishes in the dossier while it
stands (``establishes``: a retraction takes exactly that away again, so undo needs no table of
its own), its one-line summary (``summary_line``: the line ``domain.summaries`` writes of its
record, there so that the log is read without these classes) and the view rows it fills
(``ROWS``, plain data the projections make their SQL from).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, EventsourcingType
from eventsourcing.utils import register_topic

from akkoord.domain.errors import Refusal
from akkoord.i18n import N_, _, first_paragraph, human_date
from akkoord.i18n.labels import label
from akkoord.domain.schema import (
    AGGREGATE,
    COMMON_FIELDS,
    ELEMENT_INDEX,
    EVENT_TYPE,
    Row,
    check_fields,
    check_slug,
    check_value,
    declared,
    fields_of,
    row,
)
from akkoord.domain.summaries import summary
from akkoord.domain.topics import topic_of
from akkoord.domain.values import (
    BudgetLine,
    ClaimOutcome,
    Euros,
    FileOrigin,
    ProposalItem,
    ProposalStatus,
    Role,
    Source,
    Stance,
    StakeholderKind,
)

DOSSIER_NAMESPACE = uuid5(NAMESPACE_URL, "https://akkoord.invalid/dossier")

# event type -> event class, filled as the classes are defined
EVENT_TYPES: dict[str, type[Negotiation.Event]] = {}

# What the dossier holds, each a register of keys established by the events still standing.
KINDS = ("stakeholder", "revision", "item", "claim", "claim_settled", "commitment",
         "commitment_closed", "meeting", "ref", "distribution_key", "distribution_key_retired")
# How a kind is named in a refusal, and what its absence is called.
MISSING = {
    "stakeholder": N_("stakeholder {key!r} is not registered"),
    "revision": N_("revision {key} does not exist"),
    "claim": N_("claim {key!r} does not exist"),
    "commitment": N_("commitment {key!r} does not exist"),
    "meeting": N_("meeting {key!r} is not scheduled"),
    "item": N_("item {key!r} is in no revision"),
    "ref": N_("ref {key!r} does not exist"),
    "distribution_key": N_("distribution key {key!r} is not recorded"),
}
# The kind that closes a claim or a commitment.
CLOSED_BY = {"claim": "claim_settled", "commitment": "commitment_closed",
             "distribution_key": "distribution_key_retired"}
ESTABLISHED = {
    "stakeholder": N_("stakeholder {key!r} is registered on {on}, after this event's date {date}"),
    "revision": N_("revision {key} is dated {on}, after this event's date {date}"),
    "claim": N_("claim {key!r} is lodged on {on}, after this event's date {date}"),
    "commitment": N_("commitment {key!r} is made on {on}, after this event's date {date}"),
    "meeting": N_("meeting {key!r} is scheduled on {on}, after this event's date {date}"),
    "item": N_("item {key!r} is first proposed on {on}, after this event's date {date}"),
    "ref": N_("ref {key!r} is dated {on}, after this event's date {date}"),
    "distribution_key": N_("distribution key {key!r} is recorded on {on}, after this event's "
                           "date {date}"),
}


def _stable_topic(cls: type, name: str) -> None:
    """Give a class a topic that does not depend on the module it lives in.

    Stored events name their class by topic; pinning topics to the event type means code
    can move without orphaning what is stored (tests pin the list).
    """
    cls.TOPIC = topic_of(name)  # type: ignore[attr-defined]
    register_topic(cls.TOPIC, cls)  # type: ignore[attr-defined]


BUDGET_ROWS = (row("budget_lines", each="budget", line=ELEMENT_INDEX, party="each.party",
                   purpose="each.purpose", amount="each.amount",
                   first_year="each.period.first", last_year="each.period.last",
                   # An empty envelope is still the latest budget.
                   when_empty={"line": -1, "party": None, "purpose": None, "amount": 0,
                               "first_year": None, "last_year": None}),)


class _EventType(type(Aggregate.Event)):  # type: ignore[misc]
    """The library's type of events (every event class a frozen dataclass), with the dataclass's
    ``__init__``, ``__repr__``, ``__eq__`` and ``__hash__`` written once, on ``Negotiation.Event``,
    not generated and compiled for each of its two dozen types: that took half the time Python
    spends loading the domain, and every command that decides pays it."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
        cls = EventsourcingType.__new__(mcs, name, bases, namespace)
        return dataclasses.dataclass(frozen=True, init=False, repr=False, eq=False)(cls)


@functools.cache
def _field_names(event_class: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(event_class))


class Negotiation(Aggregate):
    """A dossier: the record of one negotiation, built up from its events."""

    # 2: the dossier's state is registers of what stands (earlier snapshots are replayed instead)
    class_version = 2
    # The latest revision standing, kept while the revisions standing do not change: it is asked
    # for every position on the proposal, and a dossier of a million events holds thousands of
    # revisions. A slot, not an attribute, so it is no part of the state (snapshots, equality).
    __slots__ = ("_latest_revision",)

    class Event(Aggregate.Event, metaclass=_EventType):
        """An event of a dossier."""

        TYPE: ClassVar[str] = ""
        # The view rows the event fills (plain data: projections.views makes the SQL of them).
        ROWS: ClassVar[tuple[Row, ...]] = ()
        # Whether a retraction may name it.
        RETRACTABLE: ClassVar[bool] = True
        # The fields a timeline of its subject (akkoord history) shows.
        TIMELINE: ClassVar[tuple[str, ...]] = ()
        date: date
        recorded_by: str
        ref: str | None
        source: Source | None
        note: str | None
        origin: FileOrigin | None

        def __init_subclass__(cls, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            if cls.__dict__.get("TYPE"):
                EVENT_TYPES[cls.TYPE] = cls
                _stable_topic(cls, cls.TYPE)

        # -- what a dataclass would generate for each type (``_EventType``) ---------------------

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            names = _field_names(type(self))
            if len(args) > len(names):
                raise TypeError(f"{type(self).__qualname__}() takes {len(names)} arguments, "
                                f"{len(args)} given")
            given = dict(zip(names, args))
            for name, value in kwargs.items():
                if name in given or name not in names:
                    raise TypeError(f"{type(self).__qualname__}() got "
                                    f"{'multiple values for' if name in given else 'an unexpected'}"
                                    f" argument {name!r}")
                given[name] = value
            missing = [name for name in names if name not in given]
            if missing:
                raise TypeError(f"{type(self).__qualname__}() missing arguments: "
                                f"{', '.join(missing)}")
            object.__setattr__(self, "__dict__", {name: given[name] for name in names})
            self.__post_init__()

        def __repr__(self) -> str:
            fields = ", ".join(f"{name}={getattr(self, name)!r}"
                               for name in _field_names(type(self)))
            return f"{type(self).__qualname__}({fields})"

        def _values(self) -> tuple[Any, ...]:
            return tuple(getattr(self, name) for name in _field_names(type(self)))

        def __eq__(self, other: object) -> bool:
            if other.__class__ is not self.__class__:
                return NotImplemented
            return self._values() == other._values()  # type: ignore[attr-defined]

        def __hash__(self) -> int:
            return hash(self._values())

        # -- the declaration every type fills in ------------------------------------------------

        @classmethod
        def meaning(cls) -> str:
            """What the event type means: the first paragraph of its docstring, on one line (the
            catalog's message for it: the CLI shows it translated)."""
            doc = cls.__dict__.get("__doc__") or ""
            # A dataclass without a docstring is given its signature as one; that explains nothing.
            if doc and not doc.startswith(f"{cls.__name__}("):
                return first_paragraph(doc)
            return cls.TYPE.replace("_", " ")

        def check(self, dossier: Negotiation) -> None:
            """Refuses the event if the dossier's rules forbid it (beyond its fields' types and
            references, which every event has checked)."""

        def establishes(self) -> Iterable[tuple[str, str, Any]]:
            """(kind, key, detail) of what the dossier holds while this event stands."""
            return ()

        def summary_line(self) -> str:
            """One line for the log: what happened, in the words of the dossier (the line of its
            record: domain.summaries holds each type's, for the readers without event classes)."""
            from akkoord.domain.records import record_of  # (which imports this module)

            return summary(record_of(self))

        def resolved(self, dossier: Negotiation) -> Negotiation.Event:
            """The event as stored: a value that depends on the dossier made explicit."""
            return self

        def replaced(self, **changes: Any) -> Negotiation.Event:
            """``dataclasses.replace(self, **changes)`` of an event the dossier made: its state
            copied whole, in the same order, with the changes (one event in eight an import
            resolves)."""
            if not changes.keys() <= self.__dict__.keys():
                return dataclasses.replace(self, **changes)  # refused as the dataclass refuses it
            return _event_of(type(self), {**self.__dict__, **changes})

        # -- shared by every type ---------------------------------------------------------------

        def decide(self, dossier: Negotiation) -> Negotiation.Event:
            """Refuses the event, or returns it as it is to be stored."""
            on = _date_text(self.date)
            if dossier.opened_on and on < dossier.opened_on:
                raise Refusal(_("date {date} lies before the dossier was opened ({opened})")
                              .format(date=human_date(self.date), opened=human_date(dossier.opened_on)))
            standing = dossier.standing
            if self.ref is not None and self.ref in standing["ref"]:
                raise Refusal(_("ref {ref!r} is already used in this dossier").format(ref=self.ref))
            for name, kind, many in _references(type(self)):
                found = getattr(self, name)
                for key in (found if many else (found,)):
                    if key is None:
                        continue
                    # The common case settled here: the thing stands, first established on or
                    # before this date; else ``require`` looks further, or says why not.
                    stack = standing[kind].get(key if type(key) is str else str(key))
                    if not stack or stack[0][1] > on:
                        dossier.require(name, kind, str(key), self.date)
            self.check(dossier)
            return self.resolved(dossier)

        def apply(self, aggregate: Negotiation) -> None:
            aggregate.establish(self)

    @staticmethod
    def create_id(negotiation: str) -> UUID:
        return uuid5(DOSSIER_NAMESPACE, negotiation)

    class Opened(Event, Aggregate.Created):
        """The dossier starts; the budget lines are the money on the table."""

        TYPE = "negotiation_opened"
        ROWS = (row("dossiers", negotiation="negotiation", title="title",
                    aggregate_id=AGGREGATE), *BUDGET_ROWS)
        RETRACTABLE = False
        negotiation: str = declared(N_("the dossier's slug"), implied=True)
        title: str = declared(N_("the negotiation's title"))
        budget: tuple[BudgetLine, ...] = declared(
            N_("the money on the table: {party, purpose?, amount, year | from [, until]} per line "
               "(party need not be a registered stakeholder)"))

        def apply(self, aggregate: Negotiation) -> None:
            aggregate.negotiation = self.negotiation
            aggregate.title = self.title
            aggregate.opened_on = self.date.isoformat()
            super().apply(aggregate)

    class BudgetChanged(Event):
        """Replaces the whole budget envelope."""

        TYPE = "budget_changed"
        ROWS = BUDGET_ROWS
        budget: tuple[BudgetLine, ...] = declared(
            N_("the new envelope, every line: {party, purpose?, amount, year | from [, until]}"))

    class StakeholderRegistered(Event):
        """A party or group that takes part or is spoken of."""

        TYPE = "stakeholder_registered"
        ROWS = (row("stakeholders", id="id", name="name", kind="kind",
                    description="description", member_of="member_of"),)
        id: str = declared(N_("the party's id in this dossier (e.g. VB)"))
        name: str = declared(N_("the party's name"))
        kind: StakeholderKind = declared(N_("what kind of body it is"))
        description: str | None = declared(N_("free text about the party"))
        member_of: str | None = declared(N_("the id of a group it belongs to"),
                                         refers="stakeholder")

        def check(self, dossier: Negotiation) -> None:
            if dossier.holds("stakeholder", self.id):
                raise Refusal(_("stakeholder {id!r} is already registered").format(id=self.id))

        def establishes(self) -> Iterable[tuple[str, str, Any]]:
            yield "stakeholder", self.id, None

    class ProposalRevised(Event):
        """A full new version of the verdelingsvoorstel (all items, not a delta)."""

        TYPE = "proposal_revised"
        TIMELINE = ('revision', 'status', 'proposed_by')
        ROWS = (
            row("revisions", revision="revision", status="status", proposed_by="proposed_by",
                rationale="rationale"),
            row("revision_items", each="items", revision="revision", item_order=ELEMENT_INDEX,
                item_id="each.id", purpose="each.purpose", recipient="each.recipient",
                amounts="each.amounts", distribution="each.distribution",
                conditions="each.conditions"),
        )
        revision: int = declared(N_("the revision's number: 1, 2, 3 … in order"))
        status: ProposalStatus = declared(N_("how far the proposal is"))
        proposed_by: tuple[str, ...] = declared(N_("the ids of the parties proposing it"),
                                                refers="stakeholder")
        rationale: str | None = declared(N_("why this revision"))
        items: tuple[ProposalItem, ...] = declared(
            N_("every item: {id, purpose, recipient, amounts: list of {amount, year | from "
               "[, until]}, distribution?, conditions?}"))

        def check(self, dossier: Negotiation) -> None:
            latest = dossier.latest_revision()
            if self.revision != latest + 1:
                raise Refusal(_("revision {revision} does not follow revision {latest}")
                              .format(revision=self.revision, latest=latest))
            seen: set[str] = set()
            for item in self.items:
                check_slug("item id", item.id)
                if item.id in seen:
                    raise Refusal(_("item id {id!r} repeats in revision {revision}")
                                  .format(id=item.id, revision=self.revision))
                seen.add(item.id)
                dossier.require(f"item {item.id} recipient", "stakeholder", item.recipient,
                                self.date)

        def establishes(self) -> Iterable[tuple[str, str, Any]]:
            yield "revision", str(self.revision), None
            for item in self.items:
                yield "item", item.id, None

    class PositionTaken(Event):
        """What a party says about a subject; a later position on the same subject supersedes
        the earlier one."""

        TYPE = "position_taken"
        TIMELINE = ('stakeholder', 'subject', 'stance')
        ROWS = (row("stances", stakeholder="stakeholder", subject="subject", stance="stance",
                    summary="summary", points="points"),)
        stakeholder: str = declared(N_("the id of the party taking the position"),
                                    refers="stakeholder")
        subject: str = declared(
            N_("what it is about: proposal (the latest revision), proposal:rN, item:ID, claim:ID "
               "or topic:SLUG"))
        stance: Stance = declared(N_("the party's stance"))
        summary: str = declared(N_("what the party says, in one sentence"))
        points: tuple[str, ...] | None = declared(N_("the points it makes, one text each"))

        def check(self, dossier: Negotiation) -> None:
            if self.subject == "proposal":
                if not dossier.latest_revision():
                    raise Refusal(_("subject 'proposal': no revision of the proposal is "
                                    "recorded yet"))
                return
            kind, _colon, name = self.subject.partition(":")
            if not name:
                raise self._wrong_subject()
            if kind == "proposal":
                if not (name.startswith("r") and name[1:].isdigit()):
                    raise Refusal(_("subject {subject!r}: a revision is written proposal:rN")
                                  .format(subject=self.subject))
                dossier.require(f"subject {self.subject!r}", "revision", str(int(name[1:])),
                                self.date)
            elif kind in ("item", "claim"):
                dossier.require(f"subject {self.subject!r}", kind, name, self.date)
            elif kind == "topic":
                check_slug("topic", name)
            else:
                raise self._wrong_subject()

        def _wrong_subject(self) -> Refusal:
            # Made only when refused: a quarter of an import's events are positions.
            return Refusal(_("subject {subject!r} must be proposal, proposal:rN, item:ID, "
                             "claim:ID or topic:SLUG").format(subject=self.subject))

        def resolved(self, dossier: Negotiation) -> Negotiation.Event:
            if self.subject != "proposal":
                return self
            # ``proposal`` is stored as the latest revision standing: proposal:rN.
            return self.replaced(subject=f"proposal:r{dossier.latest_revision()}")

    class ClaimLodged(Event):
        """A financial or other claim one party holds against another."""

        TYPE = "claim_lodged"
        ROWS = (row("claims", id="id", by="by", against="against", subject="subject",
                    summary="summary", amount="amount"),)
        id: str = declared(N_("the claim's id in this dossier"))
        by: str = declared(N_("the id of the party holding the claim"), refers="stakeholder")
        against: str = declared(N_("the id of the party it is held against"), refers="stakeholder")
        subject: str = declared(N_("what the claim is about"))
        summary: str = declared(N_("the claim, in one sentence"))
        amount: Euros | None = declared(N_("the amount claimed, in whole euros (or e.g. \"27.7M\")"))

        def check(self, dossier: Negotiation) -> None:
            if dossier.holds("claim", self.id):
                raise Refusal(_("claim {id!r} already exists").format(id=self.id))

        def establishes(self) -> Iterable[tuple[str, str, Any]]:
            yield "claim", self.id, None

    class ClaimSettled(Event):
        """The end of a claim."""

        TYPE = "claim_settled"
        TIMELINE = ('outcome', 'amount')
        ROWS = (row("claim_settlements", id="id", outcome="outcome", amount="amount",
                    summary="summary"),)
        id: str = declared(N_("the id of the claim settled"), refers="claim")
        outcome: ClaimOutcome = declared(N_("how the claim ended"))
        amount: Euros | None = declared(N_("the amount granted, in whole euros"))
        summary: str | None = declared(N_("the settlement, in one sentence"))

        def check(self, dossier: Negotiation) -> None:
            state = dossier.closing("claim", self.id)
            if state is not None:
                raise Refusal(_("claim {id!r} is already settled ({state})")
                              .format(id=self.id, state=label("claim", state)))

        def establishes(self) -> Iterable[tuple[str, str, Any]]:
            yield "claim_settled", self.id, self.outcome.value

    class AlignmentDeclared(Event):
        """Parties state that they act together."""

        TYPE = "alignment_declared"
        ROWS = (row("alignments", parties="parties", toward="toward", summary="summary"),)
        parties: tuple[str, ...] = declared(N_("the ids of at least 2 parties"),
                                            refers="stakeholder")
        toward: str | None = declared(N_("the id of the party they stand together toward"),
                                      refers="stakeholder")
        summary: str = declared(N_("what they declare, in one sentence"))

        def check(self, dossier: Negotiation) -> None:
            if len(set(self.parties)) < 2:
                raise Refusal(_("parties must name at least 2 different stakeholders"))

    class RoleAssigned(Event):
        """Who does what in a shared task."""

        TYPE = "role_assigned"
        ROWS = (row("roles", task="task", stakeholder="stakeholder", role="role",
                    summary="summary"),)
        task: str = declared(N_("the shared task, a slug (e.g. bevolkingszorg)"))
        stakeholder: str = declared(N_("the id of the party given the role"), refers="stakeholder")
        role: Role = declared(N_("the party's role in the task"))
        summary: str | None = declared(N_("the assignment, in one sentence"))

        def check(self, dossier: Negotiation) -> None:
            check_slug("task", self.task)

    class CommitmentMade(Event):
        """A promise one party makes (a toezegging)."""

        TYPE = "commitment_made"
        TIMELINE = ('due',)
        ROWS = (row("commitments", id="id", by="by", to_parties="to", what="what", due="due"),)
        id: str = declared(N_("the commitment's id in this dossier"))
        by: str = declared(N_("the id of the party that promises"), refers="stakeholder")
        to: tuple[str, ...] = declared(N_("the id (or list of ids) of the parties promised to"),
                                       refers="stakeholder", one_or_many=True)
        what: str = declared(N_("what is promised"))
        due: date | None = declared(N_("the date (YYYY-MM-DD) by which it is due"))

        def check(self, dossier: Negotiation) -> None:
            if dossier.holds("commitment", self.id):
                raise Refusal(_("commitment {id!r} already exists").format(id=self.id))
            if not self.to:
                raise Refusal(_("to must name at least one stakeholder"))
            _due_after(self.due, self.date)

        def establishes(self) -> Iterable[tuple[str, str, Any]]:
            yield "commitment", self.id, None

    class _CommitmentChanged(Event):
        """A change of an open commitment."""

        def check(self, dossier: Negotiation) -> None:
            state = dossier.closing("commitment", self.id)
            if state is not None:
                raise Refusal(_("commitment {id!r} is not open ({state})")
                              .format(id=self.id, state=label("commitment", state)))

    class CommitmentFulfilled(_CommitmentChanged):
        """The promise was kept."""

        TYPE = "commitment_fulfilled"
        ROWS = (row("commitment_updates", id="id", type=EVENT_TYPE, detail="evidence"),)
        id: str = declared(N_("the id of the commitment kept"), refers="commitment")
        evidence: str | None = declared(N_("what shows it was kept"))

        def establishes(self) -> Iterable[tuple[str, str, Any]]:
            yield "commitment_closed", self.id, "fulfilled"

    class CommitmentRescheduled(_CommitmentChanged):
        """A new deadline; the old one stays in the history."""

        TYPE = "commitment_rescheduled"
        TIMELINE = ('due',)
        ROWS = (row("commitment_updates", id="id", type=EVENT_TYPE, due="due", detail="reason"),)
        id: str = declared(N_("the id of the commitment"), refers="commitment")
        due: date = declared(N_("the new date (YYYY-MM-DD) by which it is due"))
        reason: str = declared(N_("why the deadline moves"))

        def check(self, dossier: Negotiation) -> None:
            super().check(dossier)
            _due_after(self.due, self.date)

    class CommitmentWithdrawn(_CommitmentChanged):
        """The promise no longer stands."""

        TYPE = "commitment_withdrawn"
        ROWS = (row("commitment_updates", id="id", type=EVENT_TYPE, detail="reason"),)
        id: str = declared(N_("the id of the commitment withdrawn"), refers="commitment")
        reason: str = declared(N_("why it no longer stands"))

        def establishes(self) -> Iterable[tuple[str, str, Any]]:
            yield "commitment_closed", self.id, "withdrawn"

    class MeetingScheduled(Event):
        """A meeting that will decide or discuss."""

        TYPE = "meeting_scheduled"
        ROWS = (row("meetings", id="id", title="title", scheduled_for="scheduled_for",
                    participants="participants", agenda="agenda"),)
        id: str = declared(N_("the meeting's id in this dossier"))
        title: str = declared(N_("the meeting's title"))
        scheduled_for: date = declared(N_("the date (YYYY-MM-DD) it is to take place"))
        participants: tuple[str, ...] = declared(N_("the ids of the parties taking part"),
                                                 refers="stakeholder")
        agenda: tuple[str, ...] | None = declared(N_("the agenda, one text per point"))

        def check(self, dossier: Negotiation) -> None:
            if self.scheduled_for < self.date:
                raise Refusal(_("scheduled_for {scheduled} lies before this event's date {date}")
                              .format(scheduled=human_date(self.scheduled_for),
                                      date=human_date(self.date)))

        def establishes(self) -> Iterable[tuple[str, str, Any]]:
            yield "meeting", self.id, None

    class MeetingHeld(Event):
        """The meeting took place (on the event's date)."""

        TYPE = "meeting_held"
        ROWS = (row("meetings_held", id="id"),)
        id: str = declared(N_("the id of the meeting held"), refers="meeting")

    class AgreementReached(Event):
        """Those parties agree to that revision of the proposal."""

        TYPE = "agreement_reached"
        TIMELINE = ('revision', 'parties')
        ROWS = (row("agreements", revision="revision", parties="parties", summary="summary"),)
        revision: int = declared(N_("the number of the revision agreed to"), refers="revision")
        parties: tuple[str, ...] = declared(N_("the ids of the parties that agree"),
                                            refers="stakeholder")
        summary: str | None = declared(N_("the agreement, in one sentence"))

        def check(self, dossier: Negotiation) -> None:
            if not self.parties:
                raise Refusal(_("parties must name at least one stakeholder"))

    class EventRetracted(Event):
        """An earlier event was recorded in error; it stays in the history, but the dossier and
        the views treat it as if it had never been recorded."""

        TYPE = "event_retracted"
        RETRACTABLE = False
        retracts: str | None = declared(N_("the ref of the event retracted"))
        retracts_position: int | None = declared(
            N_("the global position of the event retracted, as akkoord log shows it "
               "(instead of retracts)"))
        reason: str = declared(N_("why it was recorded in error"))
        retracts_version: int | None = declared(
            N_("the dossier's version of the event retracted"), implied=True)

        def target(self, dossier: Negotiation) -> tuple[int, str, str, str]:
            """(version, type, date) of the event retracted, and how this event names it."""
            if (self.retracts is None) == (self.retracts_position is None):
                raise Refusal(_("name the event retracted by retracts or by "
                                "retracts_position, not both and not neither"))
            if self.retracts is not None:
                found = dossier.standing_fact("ref", self.retracts)
                if found is None:
                    raise Refusal(_("retracts: ref {ref!r} does not exist")
                                  .format(ref=self.retracts))
                version, (event_type, on) = found
                return version, event_type, on, f"retracts: {self.retracts!r}"
            looked_up = dossier.looked_up.get(self.retracts_position)
            if looked_up is None:
                raise Refusal(_("retracts_position: no event of this dossier is stored at "
                                "position {position}").format(position=self.retracts_position))
            return (*looked_up, f"retracts_position: {self.retracts_position}")

        def check(self, dossier: Negotiation) -> None:
            version, event_type, on, what = self.target(dossier)
            if event_type == Negotiation.EventRetracted.TYPE:
                raise Refusal(_("{what} is itself a retraction; record the fact again")
                              .format(what=what))
            if not EVENT_TYPES[event_type].RETRACTABLE:
                raise Refusal(_("{what} is the {event_type}, which cannot be retracted")
                              .format(what=what, event_type=event_type))
            if str(version) in dossier.retracted:
                raise Refusal(_("{what} is already retracted").format(what=what))
            if _date_text(self.date) < on:
                raise Refusal(_("{what} is dated {on}, after this retraction's date {date}")
                              .format(what=what, on=human_date(on), date=human_date(self.date)))

        def resolved(self, dossier: Negotiation) -> Negotiation.Event:
            return self.replaced(retracts_version=self.target(dossier)[0])

        def apply(self, aggregate: Negotiation) -> None:
            aggregate.withdraw(self.retracts_version, self.originator_version)
            super().apply(aggregate)

    class DistributionKeyRecorded(Event):
        """The key by which an item's amount is divided over regions (the BDuR-systematiek, or
        given shares); an item whose distribution names it is divided by it."""

        TYPE = "distribution_key_recorded"
        ROWS = (row("distribution_keys", id="id", method="method", title="title",
                    regions="regions", weights="weights", fixed="fixed", source="source"),)
        id: str = declared(N_("the key's id, a slug; a new version of a key is a new id"))
        method: str = declared(N_("formula (fixed + weighted maatstaven, the BDuR-systematiek) or "
                                  "shares (given weights)"))
        title: str = declared(N_("the key's title"))
        # The key's data as the log format writes it; domain.distribution checks it.
        regions: tuple[dict, ...] = declared(
            N_("every region: {id, name, and a value per maatstaf of weights (formula) or weight "
               "(shares)}, at least 2"))
        weights: dict | None = declared(
            N_("formula: maatstaf -> euros per unit (decimal text allowed, negative allowed)"))
        fixed: int | None = declared(N_("formula: whole euros every region gets first (may be 0)"))

        def check(self, dossier: Negotiation) -> None:
            check_slug("key id", self.id)
            if dossier.holds("distribution_key", self.id):
                raise Refusal(_("distribution key {id!r} is already recorded; record a new "
                                "version under another id").format(id=self.id))

        def resolved(self, dossier: Negotiation) -> Negotiation.Event:
            # Stored with its numbers exact and in one notation (refused here if they break a
            # rule of a key). Loaded here: few dossiers record a key, and every command that
            # decides would load the arithmetic of keys at its start.
            from akkoord.domain.distribution import checked_key

            return self.replaced(**checked_key(self.method, self.regions, self.weights,
                                               self.fixed))

        def establishes(self) -> Iterable[tuple[str, str, Any]]:
            yield "distribution_key", self.id, None

    class DistributionKeyRetired(Event):
        """The key no longer applies from this event's date."""

        TYPE = "distribution_key_retired"
        ROWS = (row("distribution_keys_retired", id="id", reason="reason"),)
        id: str = declared(N_("the id of the key retired"), refers="distribution_key")
        reason: str = declared(N_("why it no longer applies"))

        def check(self, dossier: Negotiation) -> None:
            if dossier.closing("distribution_key", self.id) is not None:
                raise Refusal(_("distribution key {id!r} is already retired").format(id=self.id))

        def establishes(self) -> Iterable[tuple[str, str, Any]]:
            yield "distribution_key_retired", self.id, "retired"

    class Snapshot(Aggregate.Snapshot):
        pass

    def __init__(self) -> None:
        self.negotiation = ""
        self.title = ""
        self.opened_on = ""
        # kind -> key -> [(version, date, detail), ...]: what the events still standing
        # establish, in recorded order (a key several standing events establish, such as an
        # item in two revisions, holds them all). Tuples, a third smaller than lists (a million
        # events hold some two million); a snapshot writes both as JSON arrays and reads lists.
        self.standing: dict[str, dict[str, list[Sequence[Any]]]] = {kind: {} for kind in KINDS}
        # version -> the (kind, key) pairs it established (to take away when it is retracted)
        self.established: dict[str, Sequence[Sequence[str]]] = {}
        # version of a retracted event -> version of its retraction
        self.retracted: dict[str, int] = {}
        # canonical digest of an imported file's events -> [first, last version, by, at]
        self.imports: dict[str, list[Any]] = {}
        self.import_started: int | None = None

    # Stored events a retraction by position names: position -> (version, type, date), looked
    # up by the application for one decision (an attribute of the class, so never in the state).
    looked_up: ClassVar[Mapping[int, tuple[int, str, str]]] = {}

    def collect_events(self) -> list[Negotiation.Event]:
        """The pending events, in order (the library takes them off the front of the list one
        by one: quadratic in a chunk of thousands of events)."""
        collected = list(self._pending_events)
        self._pending_events.clear()
        return collected

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A dossier snapshot of before the registers cannot be read: replay the events."""
        raise StaleSnapshot()

    # -- what the dossier holds -----------------------------------------------------------------

    def establish(self, event: Negotiation.Event) -> None:
        version, on = event.originator_version, _date_text(event.date)
        made: list[tuple[str, str]] = []
        for kind, key, detail in event.establishes():
            self._stand(kind, key, (version, on, detail))
            made.append((kind, key))
            if kind == "revision":
                self._raise_latest_revision(int(key))
        if event.ref is not None:
            self._stand("ref", event.ref, (version, on, event.TYPE))
            made.append(("ref", event.ref))
        if made:
            self.established[str(version)] = tuple(made)
        origin = event.origin
        if origin is not None:
            if self.import_started is None:
                self.import_started = version
            if origin.events_sha256 is not None:
                self.imports[origin.events_sha256] = [
                    self.import_started, version, event.recorded_by, event.timestamp.isoformat()]
                self.import_started = None

    def _stand(self, kind: str, key: str, entry: tuple[int, str, Any]) -> None:
        register = self.standing[kind]
        stack = register.get(key)
        if stack is None:
            register[key] = [entry]  # room for one: most keys are established once
        else:
            stack.append(entry)

    def withdraw(self, version: int, retraction: int) -> None:
        """Takes away what the event of that version established: it never happened."""
        self.retracted[str(version)] = retraction
        for kind, key in self.established.pop(str(version), ()):
            if kind == "revision":
                self._forget_latest_revision()
            stack = self.standing[kind][key]
            stack[:] = [entry for entry in stack if entry[0] != version]
            if not stack:
                del self.standing[kind][key]

    def holds(self, kind: str, key: str) -> bool:
        return key in self.standing[kind]

    def standing_fact(self, kind: str, key: str) -> tuple[int, tuple[Any, str]] | None:
        """(version, (detail, date)) of the latest standing event that established the key."""
        stack = self.standing[kind].get(key)
        if not stack:
            return None
        version, on, detail = stack[-1]
        return version, (detail, on)

    def require(self, field: str, kind: str, key: str, on: date) -> None:
        """Refuses a reference to a thing that does not stand, or that came about after ``on``."""
        stack = self.standing[kind].get(key)
        if not stack:
            raise Refusal(_("{field}: {problem}").format(
                field=field, problem=_(MISSING[kind]).format(key=key)))
        on_text = _date_text(on)
        # The first entry nearly always is the earliest: the whole stack (which grows with every
        # event on the key) is only looked through when it is later than ``on``.
        first = stack[0][1]
        if first > on_text:
            first = min(entry[1] for entry in stack)
        if first > on_text:
            raise Refusal(_("{field}: {problem}").format(
                field=field, problem=_(ESTABLISHED[kind]).format(
                    key=key, on=human_date(first), date=human_date(on))))

    def closing(self, kind: str, key: str) -> str | None:
        """How the standing claim or commitment was closed (settled, fulfilled, withdrawn),
        counting only what was recorded after it was lodged or made; None while it is open."""
        opened = self.standing[kind][key][-1][0]
        closed = [entry for entry in self.standing[CLOSED_BY[kind]].get(key, ())
                  if entry[0] > opened]
        return closed[-1][2] if closed else None

    def latest_revision(self) -> int:
        """The number of the latest revision standing, 0 before the first."""
        try:
            return self._latest_revision
        except AttributeError:  # not known since the revisions standing last changed
            latest = self._latest_revision = max(map(int, self.standing["revision"]), default=0)
            return latest

    def _raise_latest_revision(self, number: int) -> None:
        # A revision established can only raise the latest: no look through them all (a dossier
        # of many revisions would be quadratic to import).
        with contextlib.suppress(AttributeError):
            if number > self._latest_revision:
                self._latest_revision = number

    def _forget_latest_revision(self) -> None:
        with contextlib.suppress(AttributeError):
            del self._latest_revision

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

    def record(self, event_type: str, *, recorded_by: str,
               looked_up: Mapping[int, tuple[int, str, str]] | None = None, **fields: Any) -> None:
        """Records one event of the given type, if the dossier's rules allow it.

        ``looked_up``: the stored events a ``retracts_position`` names, position -> (version,
        type, date); the dossier knows its events by version, the store by position."""
        origin = fields.pop("origin", None)
        self.record_entry(event_type, fields, recorded_by=recorded_by, origin=origin,
                          looked_up=looked_up)

    def record_entry(self, event_type: str, fields: Mapping[str, Any], *, recorded_by: str,
                     origin: FileOrigin | None = None,
                     looked_up: Mapping[int, tuple[int, str, str]] | None = None) -> None:
        """``record``, with the fields (the common ones a log file gives among them: date, ref,
        source, note) as one mapping, which the dossier reads and leaves as it is: an import
        records every entry of its file this way, and passing them as keywords would copy them
        for every event (a retry records the same entries again)."""
        event = self._decided(event_type, recorded_by, origin, looked_up, fields)
        # What trigger_event does (the library's ``mutate``, then the event pending), for an
        # event made (and checked) first: made by this dossier of its own id and next version,
        # so mutate's checks of those are passed over.
        event.apply(self)
        self.version = event.originator_version
        self.modified_on = event.timestamp
        self._pending_events.append(event)

    def refusal(self, event_type: str, *, recorded_by: str, **fields: Any) -> str | None:
        """Why the dossier would refuse that event next, or None if it would record it (the
        dossier is left as it is)."""
        origin = fields.pop("origin", None)
        try:
            self._decided(event_type, recorded_by, origin, None, fields)
        except Refusal as refused:
            return str(refused)
        return None

    def _decided(self, event_type: str, recorded_by: str, origin: FileOrigin | None,
                 looked_up: Mapping[int, tuple[int, str, str]] | None,
                 fields: Mapping[str, Any]) -> Negotiation.Event:
        event_class = EVENT_TYPES.get(event_type)
        if event_class is None:
            raise Refusal(_("unknown event type {event_type!r}").format(event_type=event_type))
        if event_class is Negotiation.Opened:
            raise Refusal(_("dossier {slug!r} is already opened").format(slug=self.negotiation))
        check_fields(event_type, event_class, fields)
        _check_common(fields)
        # The event's state, made at once in the order it is stored in: the library's fields,
        # the common ones, then the type's own (an optional one left out holds its empty value).
        state = {
            "originator_id": self.id, "originator_version": self.version + 1,
            "timestamp": event_class.create_timestamp(), "date": fields["date"],
            "recorded_by": recorded_by, "ref": fields.get("ref"), "source": fields.get("source"),
            "note": fields.get("note"), "origin": origin,
        }
        for name, empty in _own_fields(event_class):
            state[name] = fields.get(name, empty)
        event = _event_of(event_class, state)
        if looked_up:
            self.looked_up = looked_up
        try:
            return event.decide(self)
        finally:
            self.__dict__.pop("looked_up", None)


@functools.lru_cache(maxsize=100_000)
def _date_text(on: date) -> str:
    """A date's ISO text, one text object per date: the registers keep it with every entry, and
    a dossier of a million events has a few thousand dates (not a million copies of ten
    characters and their 50 bytes of object). Every event's date is compared as this text with
    the dates the dossier holds, once for the opening and once for each reference: looked up
    here, not made again by ``isoformat`` (which costs three look-ups)."""
    return on.isoformat()


def _event_of(event_class: type[Negotiation.Event], state: dict[str, Any]) -> Negotiation.Event:
    """An event of that class holding that state (every field, in declared order), made as the
    library reads a stored event back: the dataclass's ``__init__`` sets each field of the
    frozen event by a call of its own, for every event recorded."""
    event = object.__new__(event_class)
    object.__setattr__(event, "__dict__", state)
    return event


# The fields every event of a dossier after its first begins with, in their declared order.
EVENT_PREFIX = ("originator_id", "originator_version", "timestamp", *COMMON_FIELDS)


@functools.cache
def _own_fields(event_class: type[Negotiation.Event]) -> tuple[tuple[str, Any], ...]:
    """(name, what it holds when left out) of each of the type's own fields, in the order the
    dataclass declares them after the library's and the common ones (``_decided`` sets an
    event's state in that order, the order it is stored in)."""
    own = tuple((spec.name, spec.empty) for spec in fields_of(event_class))
    declared_order = tuple(field.name for field in dataclasses.fields(event_class))
    if declared_order != (*EVENT_PREFIX, *(name for name, _empty in own)):
        raise TypeError(f"{event_class.__name__} declares its fields in another order: "
                        f"{declared_order}")
    return own


class StaleSnapshot(Exception):
    """A snapshot of the dossier in a form of before: the dossier is replayed from its events."""


def _due_after(due: date | None, on: date) -> None:
    if due is not None and due < on:
        raise Refusal(_("due {due} lies before this event's date {date}")
                      .format(due=human_date(due), date=human_date(on)))


_REFERENCES: dict[type, tuple[tuple[str, str, bool], ...]] = {}


def _references(event_class: type) -> tuple[tuple[str, str, bool], ...]:
    """(field, kind, holds a list) of the fields naming things of the dossier (found once)."""
    found = _REFERENCES.get(event_class)
    if found is None:
        found = _REFERENCES[event_class] = tuple(
            (spec.name, spec.refers, spec.empty == ()) for spec in fields_of(event_class)
            if spec.refers is not None)
    return found


def _split_common(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    common = {
        "date": fields.pop("date", None),
        "ref": fields.pop("ref", None),
        "source": fields.pop("source", None),
        "note": fields.pop("note", None),
        "origin": fields.pop("origin", None),
    }
    return common, fields


def _check_common(fields: Mapping[str, Any]) -> None:
    """Refuses a common field a log file gives (date, ref, source, note) that is not of its type
    (``fields`` may hold the event's own fields besides)."""
    on = fields.get("date")
    if type(on) is not date:  # the common case settled without a call
        if on is None:
            raise Refusal(_("missing required field 'date'"))
        check_value("date", on, date)
    ref = fields.get("ref")
    if ref is not None:
        check_value("ref", ref, str)
        check_slug("ref", ref)
    source = fields.get("source")
    if source is not None:
        check_value("source", source, Source)
    note = fields.get("note")
    if note is not None:
        check_value("note", note, str)


# Events stored before a common field existed have none (the stored state lacks the key).
Negotiation.Event.origin = None  # type: ignore[misc]

_stable_topic(Negotiation, "Negotiation")
_stable_topic(Negotiation.Snapshot, "Negotiation.Snapshot")
