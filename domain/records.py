"""An event as plain values (text, numbers, lists, mappings): a record of the log format.

One mapping serves ``export``, the ``data`` of ``log --json``, CloudEvents and ``history``; it
lives beside the declarations it reads, so that the views (``projections``) and the file formats
(``interchange``) both use it without importing each other. Reading records back, with the
notation's checks, is ``interchange.logformat``'s.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

from akkoord.domain.negotiation import Negotiation
from akkoord.domain.schema import fields_of
from akkoord.domain.values import (SOURCE_KEYS, Amount, BudgetLine, Period, ProposalItem,
                                  Source)


def record_of(event: Negotiation.Event) -> dict[str, Any]:
    """The event as a record of the log format (plain JSON types), re-importable."""
    record: dict[str, Any] = {"type": event.TYPE, "date": event.date.isoformat()}
    if event.ref is not None:
        record["ref"] = event.ref
    if event.source is not None:
        record["source"] = plain(event.source)
    if event.note is not None:
        record["note"] = event.note
    for spec in fields_of(type(event)):
        if spec.implied:
            continue
        value = getattr(event, spec.name)
        if value is None or (not spec.required and value in ((), [])):
            continue
        record[spec.name] = plain(value)
    return record


def plain(value: Any) -> Any:
    """A domain value in the notation of the log format."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, BudgetLine):
        line = {"party": value.party, "purpose": value.purpose, "amount": value.amount}
        return {**{k: v for k, v in line.items() if v is not None}, **period_fields(value.period)}
    if isinstance(value, Amount):
        return {"amount": value.amount, **period_fields(value.period)}
    if isinstance(value, ProposalItem):
        item: dict[str, Any] = {
            "id": value.id, "purpose": value.purpose, "recipient": value.recipient,
            "amounts": plain(value.amounts),
        }
        if value.distribution is not None:
            item["distribution"] = value.distribution
        if value.conditions:
            item["conditions"] = list(value.conditions)
        return item
    if isinstance(value, Source):
        return {k: getattr(value, k) for k in SOURCE_KEYS if getattr(value, k) is not None}
    return value


def period_fields(period: Period) -> dict[str, int]:
    if period.is_single_year:
        return {"year": period.first}
    fields = {"from": period.first}
    if period.last is not None:
        fields["until"] = period.last
    return fields
