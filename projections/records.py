"""Stored events as records of the log format, read with ``json`` alone.

The readers that show events as recorded (``log``, ``history``) read a page of stored events and
turn each into the record ``export`` writes and ``log --json`` gives as ``data``. Building the
domain's event objects for that would load the event-sourcing library and the domain model at
every start; the stored JSON holds all a record needs. A value object, date or enum is stored as
``{"_type_": NAME, "_data_": VALUE}`` (``application.notation``): a date stays its ISO text, an
enum its value, and a value object becomes the mapping the log format writes for it. A source
or origin stored as a reference to its import's first event (stored form 2) is read from that
event (``stored_states``).

What a record holds of each event type, and in which order, is the event class's declaration
(``domain.records.record_of``); ``FIELDS`` is that declaration as plain data, and
``tests/test_records.py`` holds it to the domain's, type by type and event by event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from akkoord.domain.errors import ReferenceBroken
from akkoord.domain.written import CARRIED_FIELDS, SOURCE_KEYS

# The fields every event has that a record writes, in the record's order.
COMMON = ("ref", "source", "note")
# Each event type's own fields in the record's order (the order of the class's declaration),
# without those the dossier implies; "?" marks a list the record leaves out when it is empty.
FIELDS: dict[str, tuple[str, ...]] = {
    "negotiation_opened": ("title", "budget"),
    "budget_changed": ("budget",),
    "stakeholder_registered": ("id", "name", "kind", "description", "member_of"),
    "proposal_revised": ("revision", "status", "proposed_by", "rationale", "items"),
    "position_taken": ("stakeholder", "subject", "stance", "summary", "points?"),
    "claim_lodged": ("id", "by", "against", "subject", "summary", "amount"),
    "claim_settled": ("id", "outcome", "amount", "summary"),
    "alignment_declared": ("parties", "toward", "summary"),
    "role_assigned": ("task", "stakeholder", "role", "summary"),
    "commitment_made": ("id", "by", "to", "what", "due"),
    "commitment_fulfilled": ("id", "evidence"),
    "commitment_rescheduled": ("id", "due", "reason"),
    "commitment_withdrawn": ("id", "reason"),
    "meeting_scheduled": ("id", "title", "scheduled_for", "participants", "agenda?"),
    "meeting_held": ("id",),
    "agreement_reached": ("revision", "parties", "summary"),
    "event_retracted": ("retracts", "retracts_position", "reason"),
    "distribution_key_recorded": ("id", "method", "title", "regions", "weights", "fixed"),
    "distribution_key_retired": ("id", "reason"),
}
EVENT_TYPE_NAMES = tuple(FIELDS)
# The fields a timeline of an event's subject (``history``) shows, by type (the class's TIMELINE).
TIMELINE: dict[str, tuple[str, ...]] = {
    "proposal_revised": ("revision", "status", "proposed_by"),
    "position_taken": ("stakeholder", "subject", "stance"),
    "claim_settled": ("outcome", "amount"),
    "commitment_made": ("due",),
    "commitment_rescheduled": ("due",),
    "agreement_reached": ("revision", "parties"),
}


def _period(period: dict[str, Any]) -> dict[str, int]:
    """A period ({first, last}) as the log format writes it: year, or from [and until]."""
    first, last = period["first"], period["last"]
    if first == last:
        return {"year": first}
    return {"from": first} if last is None else {"from": first, "until": last}


def _budget_line(line: dict[str, Any]) -> dict[str, Any]:
    kept = {name: line[name] for name in ("party", "purpose", "amount") if line[name] is not None}
    return {**kept, **line["period"]}


def _item(item: dict[str, Any]) -> dict[str, Any]:
    found = {"id": item["id"], "purpose": item["purpose"], "recipient": item["recipient"],
             "amounts": item["amounts"]}
    if item["distribution"] is not None:
        found["distribution"] = item["distribution"]
    if item["conditions"]:
        found["conditions"] = list(item["conditions"])
    return found


def _decimal(text: str) -> Any:
    from decimal import Decimal

    return Decimal(text)


# How each stored value object reads as the log format writes it (its fields already read).
VALUES = {
    "akkoord.Period": _period,
    "akkoord.Amount": lambda amount: {"amount": amount["amount"], **amount["period"]},
    "akkoord.BudgetLine": _budget_line,
    "akkoord.ProposalItem": _item,
    "akkoord.Source": lambda source: {key: source[key] for key in SOURCE_KEYS
                                      if source.get(key) is not None},
    "akkoord.FileOrigin": dict,
    "decimal_str": _decimal,
    "set": sorted,
}


class _Reference(NamedTuple):
    """A stored source or origin that is its import's first event's, of that version."""

    field: str
    version: int


VALUES.update({name: lambda version, field=field: _Reference(field, version)
               for field, name in CARRIED_FIELDS.items()})


def _unwrapped(found: dict[str, Any]) -> Any:
    """A stored value as plain JSON: a date, time or enum as its text or value, a value object
    as its mapping in the log format."""
    if len(found) == 2 and "_type_" in found and "_data_" in found:
        convert = VALUES.get(found["_type_"])
        return found["_data_"] if convert is None else convert(found["_data_"])
    return found


_DECODER = json.JSONDecoder(object_hook=_unwrapped)


def stored_state(state: bytes | str,
                 carrier: Callable[[int], Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """An event's stored JSON with every value plain (see ``_unwrapped``); a reference resolved
    with ``carrier``, the ``stored_state`` of the dossier's event of a version."""
    found = _DECODER.decode(state if isinstance(state, str) else state.decode("utf-8"))
    for field in CARRIED_FIELDS:
        reference = found.get(field)
        if type(reference) is _Reference:
            if carrier is None:
                raise ValueError("the state refers to its import's first event: a carrier is "
                                 "needed")
            value = carrier(reference.version).get(field)
            if value is None or type(value) is _Reference:
                raise ReferenceBroken(reference.version, field, "?")
            found[field] = value
    return found


def stored_states(rows: Mapping[int, tuple[Any, bytes | str]],
                  read_carrier: Callable[[Any, int], bytes | str | None]) -> dict[int, dict[str, Any]]:
    """The ``stored_state`` of each event (position -> (dossier id as stored, state)), with its
    references resolved: each carrier is read once (``read_carrier(dossier id, version)``, by the
    store's primary key) for the whole page."""
    carriers: dict[tuple[Any, int], dict[str, Any]] = {}

    def carrier_of(dossier: Any) -> Callable[[int], Mapping[str, Any]]:
        def carrier(version: int) -> Mapping[str, Any]:
            key = (dossier, version)
            if key not in carriers:
                state = read_carrier(dossier, version)
                if state is None:
                    raise ReferenceBroken(version, "source/origin", dossier)
                carriers[key] = stored_state(state)
            return carriers[key]

        return carrier

    return {position: stored_state(state, carrier_of(dossier))
            for position, (dossier, state) in rows.items()}


def record(event_type: str, state: dict[str, Any]) -> dict[str, Any]:
    """The event as a record of the log format, from its ``stored_state``."""
    found: dict[str, Any] = {"type": event_type, "date": state["date"]}
    for name in COMMON:
        if state.get(name) is not None:
            found[name] = state[name]
    for name in FIELDS.get(event_type, ()):
        dropped_when_empty = name.endswith("?")
        name = name.rstrip("?")
        value = state.get(name)
        if value is None or (dropped_when_empty and value == []):
            continue
        found[name] = value
    return found
