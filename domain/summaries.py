"""One line per event, for the log: what happened, in the words of the dossier.

The one place each event type's summary is written, keyed by type, from the event's record
(``domain.records.record_of`` for an event object; ``projections.records`` reads the same record
from the stored JSON, without the event classes). An event class's ``summary_line`` is the line
of its own record, so that ``log`` and ``history`` show what the domain says while they start
without the event-sourcing library or the domain model: this module imports light modules alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from akkoord.domain.written import euros
from akkoord.i18n import _, human_date, language
from akkoord.i18n.labels import label

Record = dict[str, Any]


def summary(record: Record) -> str:
    line = LINES.get(record["type"])
    return record["type"].replace("_", " ") if line is None else line(record)


def _word(enum: str, value: str) -> str:
    """An enum value: the value itself in English (as the log has always shown it), its label
    in another language."""
    return value if language() == "en" else label(enum, value)


def _parties(parties: Iterable[str]) -> str:
    return ", ".join(parties)


def period_text(period: Record) -> str:
    """A period as the log format writes it (year, or from [and until]), in words."""
    if "year" in period:
        return str(period["year"])
    if "until" not in period:
        return _("from {year}").format(year=period["from"])
    return f"{period['from']}-{period['until']}"


def _budget(lines: Iterable[Record]) -> str:
    return "; ".join(f"{line['party']} {euros(line['amount'])} {period_text(line)}"
                     for line in lines)


def _claim(r: Record) -> str:
    if r.get("amount"):
        return _("claim {id} by {by} against {against} ({amount}): {summary}").format(
            id=r["id"], by=r["by"], against=r["against"], amount=euros(r["amount"]),
            summary=r["summary"])
    return _("claim {id} by {by} against {against}: {summary}").format(
        id=r["id"], by=r["by"], against=r["against"], summary=r["summary"])


def _settled(r: Record) -> str:
    outcome = _word("claim", r["outcome"])
    if r.get("amount"):
        return _("claim {id} {outcome} ({amount})").format(id=r["id"], outcome=outcome,
                                                           amount=euros(r["amount"]))
    return _("claim {id} {outcome}").format(id=r["id"], outcome=outcome)


def _alignment(r: Record) -> str:
    if r.get("toward"):
        return _("{parties} act together toward {toward}: {summary}").format(
            parties=_parties(r["parties"]), toward=r["toward"], summary=r["summary"])
    return _("{parties} act together: {summary}").format(parties=_parties(r["parties"]),
                                                         summary=r["summary"])


def _commitment(r: Record) -> str:
    if r.get("due"):
        return _("{by} commits to {to}: {what} (due {due})").format(
            by=r["by"], to=_parties(r["to"]), what=r["what"], due=human_date(r["due"]))
    return _("{by} commits to {to}: {what}").format(by=r["by"], to=_parties(r["to"]),
                                                    what=r["what"])


def _fulfilled(r: Record) -> str:
    if r.get("evidence"):
        return _("commitment {id} fulfilled: {evidence}").format(id=r["id"],
                                                                  evidence=r["evidence"])
    return _("commitment {id} fulfilled").format(id=r["id"])


def _retracted(r: Record) -> str:
    if r.get("retracts") is not None:
        return _("retracts {ref}: {reason}").format(ref=r["retracts"], reason=r["reason"])
    return _("retracts the event at position {position}: {reason}").format(
        position=r["retracts_position"], reason=r["reason"])


LINES: dict[str, Callable[[Record], str]] = {
    "negotiation_opened": lambda r: _("opened {title!r}; budget: {budget}").format(
        title=r["title"], budget=_budget(r["budget"])),
    "budget_changed": lambda r: _("budget now: {budget}").format(budget=_budget(r["budget"])),
    "stakeholder_registered": lambda r: _("{id} registered: {name} ({kind})").format(
        id=r["id"], name=r["name"], kind=_word("kind", r["kind"])),
    "proposal_revised": lambda r: _("revision {revision} ({status}) by {parties}: {items}").format(
        revision=r["revision"], status=_word("revision", r["status"]),
        parties=_parties(r["proposed_by"]), items=", ".join(item["id"] for item in r["items"])),
    "position_taken": lambda r: _("{stakeholder} {stance} on {subject}: {summary}").format(
        stakeholder=r["stakeholder"], stance=_word("stance", r["stance"]), subject=r["subject"],
        summary=r["summary"]),
    "claim_lodged": _claim,
    "claim_settled": _settled,
    "alignment_declared": _alignment,
    "role_assigned": lambda r: _("{stakeholder} {role} in task {task}").format(
        stakeholder=r["stakeholder"], role=_word("role", r["role"]), task=r["task"]),
    "commitment_made": _commitment,
    "commitment_fulfilled": _fulfilled,
    "commitment_rescheduled": lambda r: _("commitment {id} now due {due}: {reason}").format(
        id=r["id"], due=human_date(r["due"]), reason=r["reason"]),
    "commitment_withdrawn": lambda r: _("commitment {id} withdrawn: {reason}").format(
        id=r["id"], reason=r["reason"]),
    "meeting_scheduled": lambda r: _("meeting {id} set for {day}: {title}").format(
        id=r["id"], day=human_date(r["scheduled_for"]), title=r["title"]),
    "meeting_held": lambda r: _("meeting {id} held").format(id=r["id"]),
    "agreement_reached": lambda r: _("{parties} agree to revision {revision}").format(
        parties=_parties(r["parties"]), revision=r["revision"]),
    "event_retracted": _retracted,
    # A key divides over at least 2 regions, so the count is always plural.
    "distribution_key_recorded": lambda r: _(
        "distribution key {id} ({method}, {count} regions): {title}").format(
        id=r["id"], method=r["method"], count=len(r["regions"]), title=r["title"]),
    "distribution_key_retired": lambda r: _("distribution key {id} retired: {reason}").format(
        id=r["id"], reason=r["reason"]),
}
