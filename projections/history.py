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
from akkoord.domain.written import covers
from akkoord.projections.axes import LATEST, Axes, NotFound
from akkoord.projections.queries import Queries
from akkoord.projections.records import TIMELINE
from akkoord.projections.views import naming_positions

SUBJECT = re.compile(r"^(?:(item|commitment|claim|meeting|topic|proposal):)?([A-Za-z0-9][A-Za-z0-9._-]*)$")
REVISED = "proposal_revised"
Positions = tuple[str, list[Any]]  # SQL selecting positions, and its parameters


def _of(negotiation: str, table: str, condition: str = "", *params: Any) -> Positions:
    """The positions of the events with a fact in that view table meeting the condition (the
    fact tables hold every event of their types, retracted ones too, with its fields as
    columns)."""
    where = f" AND {condition}" if condition else ""
    return f"SELECT position FROM [{table}] WHERE negotiation = ?{where}", [negotiation, *params]


def _either(*selections: Positions) -> Positions:
    return (" UNION ALL ".join(sql for sql, _params in selections),
            [param for _sql, params in selections for param in params])


def _selection(kind: str | None, name: str, negotiation: str) -> Positions:
    """The events about a subject (a party's and an item's aside), found in the fact tables."""
    def of(table: str, condition: str = "", *params: Any) -> Positions:
        return _of(negotiation, table, condition, *params)

    if kind is None:  # the proposal as a whole: opening, budgets, revisions, agreements, stances
        return _either(of("dossiers"), of("budget_lines"), of("revisions"), of("agreements"),
                       # the stances on a revision (proposal:rN), by the (dossier, subject) index
                       of("stances", "subject >= 'proposal:r' AND subject < 'proposal:s'"))
    if kind == "commitment":
        return _either(of("commitments", "id = ?", name), of("commitment_updates", "id = ?", name))
    if kind == "claim":
        return _either(of("claims", "id = ?", name), of("claim_settlements", "id = ?", name),
                       of("stances", "subject = ?", f"claim:{name}"))
    if kind == "meeting":
        return _either(of("meetings", "id = ?", name), of("meetings_held", "id = ?", name))
    if kind == "topic":
        return of("stances", "subject = ?", f"topic:{name}")
    revision = _revision_number(name)
    return _either(of("revisions", "revision = ?", revision),
                   of("agreements", "revision = ?", revision),
                   of("stances", "subject = ?", f"proposal:r{revision}"))


def _about_item(queries: Queries, negotiation: str, axes: Axes,
                item: str) -> tuple[Positions, dict[int, str]]:
    """The revisions that hold the item or drop it, agreements on those, stances on the item;
    and what each of those revisions did to the item (added, kept, removed).

    Which revisions those are is decided on the views' rows (revision_items says which hold
    the item) before any event is read, so a history costs its own entries, not every revision.
    """
    known, as_of = _axes(axes)
    holding = {position for (position,) in queries.db.execute(
        "SELECT position FROM revision_items WHERE negotiation = ? AND item_id = ?",
        [negotiation, item])}
    rows = queries.db.execute(
        "SELECT position, revision, retracted_at FROM revisions "
        "WHERE negotiation = ? AND position <= ? AND date <= ? ORDER BY position",
        [negotiation, known, as_of]).fetchall()
    changes: dict[int, str] = {}
    first_held: dict[int, int] = {}  # revision number -> position of its first holding revision
    previous_held = False
    for position, revision, retracted_at in rows:
        held = position in holding
        if held:
            first_held.setdefault(revision, position)
        if held or previous_held:
            changes[position] = ("removed" if not held else "added" if not previous_held else "kept")
        if retracted_at is None or retracted_at > known:  # a retracted revision changes nothing
            previous_held = bool(held)
    # An agreement counts once the revision number it names held the item.
    agreements = [position for position, revision in queries.db.execute(
        "SELECT position, revision FROM agreements WHERE negotiation = ? AND position <= ? "
        "AND date <= ?", [negotiation, known, as_of]) if first_held.get(revision, position) < position]
    return _either(("SELECT value FROM json_each(?)", [json.dumps(sorted(changes) + agreements)]),
                   _of(negotiation, "stances", "subject = ?", f"item:{item}")), changes


def _axes(axes: Axes) -> tuple[int, str]:
    """The last position and the last date visible (every retracted fact included)."""
    return (axes.known_at if axes.known_at is not None else LATEST,
            axes.as_of.isoformat() if axes.as_of is not None else "9999-12-31")


def _revision_number(name: str) -> int:
    if not (name.startswith("r") and name[1:].isdigit()):
        raise NotFound(_("a revision is written proposal:rN, not proposal:{name}")
                       .format(name=name))
    return int(name[1:])


def history(queries: Queries, negotiation: str, subject: str, axes: Axes,
            limit: int | None = None, offset: int = 0) -> dict[str, Any]:
    """The entries about the subject from ``offset`` on (at most ``limit``), and ``count``: how
    many the whole history holds. The entries are chosen, ordered and counted in SQL, and only
    those of the page are read from the store."""
    match = SUBJECT.match(subject)
    if match is None:
        raise NotFound(_("{subject!r} is not a subject: use item:ID, commitment:ID, claim:ID, "
                         "meeting:ID, topic:SLUG, proposal, proposal:rN or a party's id").format(subject=subject))
    kind, name = match.groups()
    queries.dossier(negotiation, axes)
    whole_proposal = kind is None and name == "proposal"
    changes: dict[int, str] = {}
    if kind is None and not whole_proposal:
        naming, times = naming_positions()
        positions: Positions = (naming, [name] * times)
    elif kind == "item":
        positions, changes = _about_item(queries, negotiation, axes, name)
    else:
        positions = _selection(kind, name, negotiation)
    # A moved deadline shows what it moved from: a commitment's page (a handful of events) is
    # read from the start of its history.
    first = 0 if kind == "commitment" else offset
    entries, count = queries.timeline(
        axes, negotiation, positions, None if limit is None else offset + limit - first, first)
    if not count:
        raise NotFound(_("nothing is recorded about {subject!r} in {negotiation!r} at that point")
                       .format(subject=subject, negotiation=negotiation))
    result: dict[str, Any] = {"negotiation": negotiation, "subject": subject, "entries": entries}
    if kind == "item":
        for entry in entries:
            if entry["type"] == REVISED:
                entry["item_change"] = changes[entry["position"]]
        result["years"] = _amounts_per_revision(
            entries, name, _years(queries, negotiation, axes, "i.item_id = ?", name))
    elif whole_proposal or kind == "proposal":
        result["years"] = _totals_per_revision(entries, _years(
            queries, negotiation, axes, *(() if whole_proposal else
                                          ("i.revision = ?", _revision_number(name)))))
    due = None
    for entry in entries:
        entry["detail"] = _detail(entry)
        if kind == "commitment" and "due" in entry["detail"] and not entry["retracted_by"]:
            # A deadline moved: the history shows from what to what.
            entry["detail"]["due_before"], due = due, entry["detail"]["due"]
    result["entries"] = entries[offset - first:]
    result["count"] = count
    return result


def _years(queries: Queries, negotiation: str, axes: Axes, condition: str = "",
           *params: Any) -> list[int]:
    """The years the amounts of the visible revisions touch (those items meeting the condition),
    as ``year_range`` counts them: the columns of a history's amounts, the same on every page."""
    first, last = "json_extract(a.value, '$[1]')", "json_extract(a.value, '$[2]')"
    # A retracted revision stays in the history, so its amounts count.
    row = queries.db.execute(
        f"SELECT min({first}), max(CASE WHEN {last} IS NULL THEN {first} "
        f"ELSE max({first}, {last} + 1) END) "
        "FROM revision_items AS i, json_each(i.amounts) AS a "
        "WHERE i.negotiation = ? AND i.position <= ? AND i.date <= ?"
        + (f" AND {condition}" if condition else ""),
        [negotiation, *_axes(axes), *params]).fetchone()
    return [] if row[0] is None else list(range(row[0], row[1] + 1))


def _amounts(periods: list[dict[str, Any]]) -> list[tuple[int, int, int | None]]:
    """Amounts of the log format ({amount, year | from [, until]}) as (amount, first, last)."""
    return [(a["amount"], a.get("year", a.get("from")), a.get("year", a.get("until")))
            for a in periods]


def _by_year(amounts: list[tuple[int, int, int | None]], years: list[int]) -> dict[str, int]:
    return {str(y): sum(a for a, first, last in amounts if covers(first, last, y)) for y in years}


def _amounts_per_revision(entries: list[dict[str, Any]], item: str, years: list[int]) -> list[int]:
    """Adds ``by_year`` to each revision entry: the item's amounts over the years of its history."""
    for entry in entries:
        if entry["type"] == REVISED:
            entry["by_year"] = _by_year(next((_amounts(i["amounts"]) for i in entry["data"]["items"]
                                              if i["id"] == item), []), years)
    return years


def _totals_per_revision(entries: list[dict[str, Any]], years: list[int]) -> list[int]:
    """Adds ``total`` to each revision entry: the sum of its items over the years of the history."""
    for entry in entries:
        if entry["type"] == REVISED:
            entry["total"] = _by_year([a for i in entry["data"]["items"]
                                       for a in _amounts(i["amounts"])], years)
    return years


def _detail(entry: dict[str, Any]) -> dict[str, Any]:
    """The facts of the entry that a timeline of its subject shows (its class declares which)."""
    data = entry["data"]
    return {name: data.get(name) for name in TIMELINE.get(entry["type"], ())}
