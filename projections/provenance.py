"""What one event changed in the views: the views known just before it, and just after it.

Because every view can be asked ``--known-at`` a position, the effect of the event at position N
is the difference between its dossier's views known at N - 1 and known at N (on every effective
date), figure by figure.
"""

from __future__ import annotations

import json
from typing import Any

from akkoord.projections.axes import Axes, NotFound
from akkoord.projections.queries import Queries

# Keys that say where a figure comes from, not what it is.
PROVENANCE_KEYS = frozenset({"sources", "history"})
SINGLE_VIEWS = frozenset({"dossier", "proposal"})


def views_known_at(queries: Queries, negotiation: str, position: int) -> dict[str, Any]:
    """Every view of the dossier as known at ``position``, flattened to {path: value}."""
    axes = Axes(known_at=position)
    try:
        dossier = queries.dossier(negotiation, axes)
    except NotFound:
        return {}
    views: dict[str, Any] = {
        "dossier": {"title": dossier["title"], "budget": {
            str(line["line"]): {key: line[key] for key in
                                ("party", "purpose", "amount", "first_year", "last_year")}
            for line in queries.budget(negotiation, axes)}},
        "stakeholders": {s["id"]: s for s in queries.stakeholders(negotiation, axes)},
        "commitments": {c["id"]: c for c in queries.commitments(negotiation, axes)},
        "claims": {c["id"]: c for c in queries.claims(negotiation, axes)},
        "positions": {f"{p['stakeholder']} on {p['subject']}": p
                      for p in queries.positions(negotiation, axes)},
        "meetings": {m["id"]: m for m in queries.meetings(negotiation, axes)},
        "distribution_keys": {
            key_id: {"method": row["method"], "title": row["title"],
                     "regions": len(json.loads(row["regions"])),
                     "retired": row["retired"]["date"] if row["retired"] else None}
            for key_id, row in queries.distribution_keys(negotiation, axes).items()},
    }
    try:
        proposal = queries.proposal(negotiation, axes)
        proposal["items"] = {item["id"]: item for item in proposal["items"]}
        views["proposal"] = proposal
    except NotFound:
        pass
    return _flatten(views)


def _flatten(value: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if not isinstance(value, dict):
        return {prefix: value}
    flat: dict[tuple[str, ...], Any] = {}
    for key, inner in value.items():
        if key not in PROVENANCE_KEYS:
            flat.update(_flatten(inner, (*prefix, str(key))))
    return flat


def changes(queries: Queries, negotiation: str, position: int) -> list[dict[str, Any]]:
    """Each figure the event at ``position`` changed: its view, row, path, before and after.

    ``row`` is the id of the row in a list view (a commitment's id, a party's id, "VB on
    item:x" for a stance), and null in the proposal and the dossier, which are one thing each.
    """
    before = views_known_at(queries, negotiation, position - 1)
    after = views_known_at(queries, negotiation, position)
    return [
        {"view": path[0], "row": None if path[0] in SINGLE_VIEWS else path[1],
         "figure": ".".join(path), "before": before.get(path), "after": after.get(path)}
        for path in sorted(before.keys() | after.keys(), key=_natural)
        if before.get(path) != after.get(path)
    ]


def _natural(path: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in path)
