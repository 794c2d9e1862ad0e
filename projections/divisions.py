"""An item of the proposal divided over the regions by its distribution key, as the views give it.

The keys' rows come from the ``distribution`` view (``Queries.distribution_key``); the division
itself is ``domain.distribution``'s, in exact arithmetic. Shapes are those of the command line
(cli.md revision 2, ``distribute --json``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from akkoord.domain.distribution import Key, divide, share_text, shares


def key_of(row: dict[str, Any]) -> Key:
    """The key of a row of ``distribution_keys``."""
    weights = json.loads(row["weights"]) if row["weights"] is not None else None
    return Key(id=row["id"], method=row["method"], title=row["title"],
               regions=tuple(json.loads(row["regions"])), weights=weights, fixed=row["fixed"])


def key_source(row: dict[str, Any]) -> dict[str, str] | None:
    """The document the key's figures were read from, as the event's ``source`` names it."""
    if row["source"] is None:
        return None
    return {k: v for k, v in json.loads(row["source"]).items() if v is not None}


def division(row: dict[str, Any], by_year: dict[str, int]) -> dict[str, Any]:
    """The amount of each year of ``by_year`` divided by the key of ``row``: per region its exact
    share and its whole euros per year, which sum to the year's amount exactly."""
    regions = key_of(row).bases()
    exact = shares(regions)
    per_year = {year: divide(amount, regions) for year, amount in by_year.items()}
    return {
        "key": row["id"], "method": row["method"], "title": row["title"],
        "regions": [{"id": r.id, "name": r.name, "share": share_text(exact[r.id]),
                     "by_year": {year: per_year[year][r.id] for year in by_year}}
                    for r in regions],
        "total": dict(by_year),
        "source": key_source(row),
    }


def key_summary(row: dict[str, Any]) -> dict[str, Any]:
    """What the proposal shows of an item's key: how many regions, the largest and smallest share."""
    regions = key_of(row).bases()
    exact = shares(regions)
    # Ties go to the region first in the key's order.
    largest = max(regions, key=lambda r: exact[r.id])
    smallest = min(regions, key=lambda r: exact[r.id])
    return {
        "id": row["id"], "method": row["method"], "title": row["title"],
        "regions": len(regions),
        "largest": {"id": largest.id, "name": largest.name, "share": share_text(exact[largest.id])},
        "smallest": {"id": smallest.id, "name": smallest.name,
                     "share": share_text(exact[smallest.id])},
        "sources": [row["position"]],
    }


def region_changes(before: dict[str, Any] | None, after: dict[str, Any] | None,
                   amount_before: Callable[[int], int], amount_after: Callable[[int], int],
                   years: list[int]) -> list[dict[str, Any]]:
    """What each region gains or loses from one revision of an item to the next, year by year.

    ``before`` and ``after`` are the rows of the item's key in each revision (None: not divided
    there, so the region's figure on that side is null and so is its change).
    """
    sides = []
    names: dict[str, str] = {}
    for row, amount in ((before, amount_before), (after, amount_after)):
        if row is None:
            sides.append(None)
            continue
        regions = key_of(row).bases()
        names.update((r.id, r.name) for r in regions if r.id not in names)
        sides.append({year: divide(amount(year), regions) for year in years})
    changes = []
    for region_id, name in names.items():
        by_year = {}
        for year in years:
            was, now = (None if side is None else side[year].get(region_id, 0) for side in sides)
            by_year[str(year)] = {"from": was, "to": now,
                                  "delta": None if was is None or now is None else now - was}
        changes.append({"id": region_id, "name": name, "by_year": by_year})
    return changes


def percent(share: str) -> str:
    """An exact share ``p/q`` as a person reads it: a percentage to two decimals, rounded."""
    hundredths = round(Fraction(share) * 10_000)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"
