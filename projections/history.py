"""The history of one thing in a dossier: every event about it, on both time axes.

A subject is ``item:ID``, ``commitment:ID``, ``claim:ID``, ``meeting:ID``, ``topic:SLUG``,
``proposal`` (every revision, agreement, budget and stance on a revision), ``proposal:rN``, or a
party's id. Each entry carries its effective date, its position and when and by whom it was
recorded; entries are in the order the log format gives facts (effective date, then position).
Retracted events stay in the history, marked with the position of their retraction.
"""

from __future__ import annotations

import json
import re
from typing import Any

from akkoord.i18n import _
from akkoord.domain.negotiation import EVENT_TYPES, Negotiation as N
from akkoord.projections.queries import LATEST, Axes, NotFound, Queries, covers, year_range

SUBJECT = re.compile(r"^(?:(item|commitment|claim|meeting|topic|proposal):)?([A-Za-z0-9][A-Za-z0-9._-]*)$")


def _types(*types: str) -> str:
    return "type IN (" + ", ".join(f"'{t}'" for t in types) + ")"


def _in(table: str, condition: str) -> str:
    """The events with a fact in that view table meeting the condition (the fact tables hold
    every event of their types, retracted ones too, with its fields as columns)."""
    return f"position IN (SELECT position FROM [{table}] WHERE {condition})"


def _selection(kind: str | None, name: str) -> tuple[str, list[Any]]:
    """The log entries about a subject (a party's aside), as a condition on the log table."""
    revisions = _types(N.ProposalRevised.TYPE, N.AgreementReached.TYPE)
    if kind is None:  # the proposal as a whole
        return (f"{revisions} OR {_types(N.Opened.TYPE, N.BudgetChanged.TYPE)} "
                f"OR {_in('stances', 'subject LIKE ?')}", ["proposal:r%"])
    if kind == "commitment":
        return (f"{_in('commitments', 'id = ?')} OR {_in('commitment_updates', 'id = ?')}",
                [name, name])
    if kind == "claim":
        return (f"{_in('claims', 'id = ?')} OR {_in('claim_settlements', 'id = ?')} "
                f"OR {_in('stances', 'subject = ?')}", [name, name, f"claim:{name}"])
    if kind == "meeting":
        return f"{_in('meetings', 'id = ?')} OR {_in('meetings_held', 'id = ?')}", [name, name]
    if kind == "topic":
        return _in("stances", "subject = ?"), [f"topic:{name}"]
    revision = _revision_number(name)
    return (f"{_in('revisions', 'revision = ?')} OR {_in('agreements', 'revision = ?')} "
            f"OR {_in('stances', 'subject = ?')}", [revision, revision, f"proposal:r{revision}"])


def _about_item(queries: Queries, negotiation: str, axes: Axes, item: str) -> list[dict[str, Any]]:
    """The revisions that hold the item or drop it, agreements on those, stances on the item.

    Which revisions those are is decided on the views' rows (revision_items says which hold
    the item) before any event is read, so a history costs its own entries, not every revision.
    """
    known = axes.known_at if axes.known_at is not None else LATEST
    as_of = axes.as_of.isoformat() if axes.as_of is not None else "9999-12-31"
    rows = queries.db.execute(
        "SELECT r.position, r.revision, r.retracted_at, EXISTS (SELECT 1 FROM revision_items AS i "
        "WHERE i.position = r.position AND i.item_id = ?) FROM revisions AS r "
        "WHERE r.negotiation = ? AND r.position <= ? AND r.date <= ? ORDER BY r.position",
        [item, negotiation, known, as_of]).fetchall()
    changes: dict[int, str] = {}
    first_held: dict[int, int] = {}  # revision number -> position of its first holding revision
    previous_held = False
    for position, revision, retracted_at, held in rows:
        if held:
            first_held.setdefault(revision, position)
        if held or previous_held:
            changes[position] = ("removed" if not held else "added" if not previous_held else "kept")
        if retracted_at is None or retracted_at > known:  # a retracted revision changes nothing
            previous_held = bool(held)
    where = (f"position IN (SELECT value FROM json_each(?)) OR "
             f"{_in('agreements', 'revision IN (SELECT value FROM json_each(?))')} OR "
             f"{_in('stances', 'subject = ?')}")
    entries = queries.log(axes, negotiation, where=(where, [
        json.dumps(sorted(changes)), json.dumps(sorted(first_held)), f"item:{item}"]))
    kept = []
    for entry in entries:
        if entry["type"] == N.ProposalRevised.TYPE:
            entry["item_change"] = changes[entry["position"]]
        elif entry["type"] == N.AgreementReached.TYPE:
            if first_held.get(entry["data"]["revision"], entry["position"]) >= entry["position"]:
                continue  # an agreement on that revision number before it held the item
        kept.append(entry)
    return kept


def _revision_number(name: str) -> int:
    if not (name.startswith("r") and name[1:].isdigit()):
        raise NotFound(_("a revision is written proposal:rN, not proposal:{name}")
                       .format(name=name))
    return int(name[1:])


def history(queries: Queries, negotiation: str, subject: str, axes: Axes) -> dict[str, Any]:
    match = SUBJECT.match(subject)
    if match is None:
        raise NotFound(_("{subject!r} is not a subject: use item:ID, commitment:ID, claim:ID, "
                         "meeting:ID, topic:SLUG, proposal, proposal:rN or a party's id").format(subject=subject))
    kind, name = match.groups()
    queries.dossier(negotiation, axes)
    whole_proposal = kind is None and name == "proposal"
    if kind is None and not whole_proposal:
        entries = queries.log(axes, negotiation, stakeholder=name)
    elif kind == "item":
        entries = _about_item(queries, negotiation, axes, name)
    else:
        entries = queries.log(axes, negotiation, where=_selection(kind, name))
    entries = entries + _retractions_of(queries, negotiation, axes, entries)
    if not entries:
        raise NotFound(_("nothing is recorded about {subject!r} in {negotiation!r} at that point")
                       .format(subject=subject, negotiation=negotiation))
    entries.sort(key=lambda e: (e["date"], e["position"]))
    result: dict[str, Any] = {"negotiation": negotiation, "subject": subject, "entries": entries}
    if kind == "item":
        result["years"] = _amounts_per_revision(entries, name)
    elif whole_proposal or kind == "proposal":
        result["years"] = _totals_per_revision(entries)
    due = None
    for entry in entries:
        entry["detail"] = _detail(entry)
        if kind == "commitment" and "due" in entry["detail"] and not entry["retracted_by"]:
            # A deadline moved: the history shows from what to what.
            entry["detail"]["due_before"], due = due, entry["detail"]["due"]
    return result


def _retractions_of(queries: Queries, negotiation: str, axes: Axes,
                    entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # A retracted entry holds the position of its retraction.
    retractions = sorted({e["retracted_by"] for e in entries if e["retracted_by"]})
    if not retractions:
        return []
    marks = ", ".join("?" * len(retractions))
    return queries.log(axes, negotiation, where=(f"position IN ({marks})", retractions))


def _amounts(periods: list[dict[str, Any]]) -> list[tuple[int, int, int | None]]:
    """Amounts of the log format ({amount, year | from [, until]}) as (amount, first, last)."""
    return [(a["amount"], a.get("year", a.get("from")), a.get("year", a.get("until")))
            for a in periods]


def _by_year(amounts: list[tuple[int, int, int | None]], years: list[int]) -> dict[str, int]:
    return {str(y): sum(a for a, first, last in amounts if covers(first, last, y)) for y in years}


def _amounts_per_revision(entries: list[dict[str, Any]], item: str) -> list[int]:
    """Adds ``by_year`` to each revision entry: the item's amounts over the years it touches."""
    revisions = [e for e in entries if e["type"] == N.ProposalRevised.TYPE]
    amounts = {
        e["position"]: next((_amounts(i["amounts"]) for i in e["data"]["items"] if i["id"] == item), [])
        for e in revisions
    }
    years = year_range([(first, last) for found in amounts.values() for _a, first, last in found])
    for entry in revisions:
        entry["by_year"] = _by_year(amounts[entry["position"]], years)
    return years


def _totals_per_revision(entries: list[dict[str, Any]]) -> list[int]:
    """Adds ``total`` to each revision entry: the sum of its items over the years they touch."""
    revisions = [e for e in entries if e["type"] == N.ProposalRevised.TYPE]
    amounts = {e["position"]: [a for i in e["data"]["items"] for a in _amounts(i["amounts"])]
               for e in revisions}
    years = year_range([(first, last) for found in amounts.values() for _a, first, last in found])
    for entry in revisions:
        entry["total"] = _by_year(amounts[entry["position"]], years)
    return years


def _detail(entry: dict[str, Any]) -> dict[str, Any]:
    """The facts of the entry that a timeline of its subject shows (its class declares which)."""
    data = entry["data"]
    return {name: data.get(name) for name in EVENT_TYPES[entry["type"]].TIMELINE}
