"""One line per event, for the log: what happened, in the words of the dossier."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from akkoord.domain.negotiation import Negotiation as N
from akkoord.domain.values import BudgetLine, Period, euros


def period_text(period: Period) -> str:
    if period.is_single_year:
        return str(period.first)
    if period.last is None:
        return f"from {period.first}"
    return f"{period.first}-{period.last}"


def _budget(lines: Iterable[BudgetLine]) -> str:
    return "; ".join(f"{line.party} {euros(line.amount)} {period_text(line.period)}" for line in lines)


def _parties(parties: Iterable[str]) -> str:
    return ", ".join(parties)


SUMMARIES: dict[str, Callable[[Any], str]] = {
    N.Opened.TYPE: lambda e: f"opened {e.title!r}; budget: {_budget(e.budget)}",
    N.BudgetChanged.TYPE: lambda e: f"budget now: {_budget(e.budget)}",
    N.StakeholderRegistered.TYPE: lambda e: f"{e.id} registered: {e.name} ({e.kind.value})",
    N.ProposalRevised.TYPE: lambda e: (
        f"revision {e.revision} ({e.status.value}) by {_parties(e.proposed_by)}: "
        + ", ".join(item.id for item in e.items)
    ),
    N.PositionTaken.TYPE: lambda e: f"{e.stakeholder} {e.stance.value} on {e.subject}: {e.summary}",
    N.ClaimLodged.TYPE: lambda e: (
        f"claim {e.id} by {e.by} against {e.against}"
        + (f" ({euros(e.amount)})" if e.amount else "")
        + f": {e.summary}"
    ),
    N.ClaimSettled.TYPE: lambda e: f"claim {e.id} {e.outcome.value}"
    + (f" ({euros(e.amount)})" if e.amount else ""),
    N.AlignmentDeclared.TYPE: lambda e: f"{_parties(e.parties)} act together"
    + (f" toward {e.toward}" if e.toward else "")
    + f": {e.summary}",
    N.RoleAssigned.TYPE: lambda e: f"{e.stakeholder} {e.role.value} in task {e.task}",
    N.CommitmentMade.TYPE: lambda e: f"{e.by} commits to {_parties(e.to)}: {e.what}"
    + (f" (due {e.due.isoformat()})" if e.due else ""),
    N.CommitmentFulfilled.TYPE: lambda e: f"commitment {e.id} fulfilled"
    + (f": {e.evidence}" if e.evidence else ""),
    N.CommitmentRescheduled.TYPE: lambda e: f"commitment {e.id} now due {e.due.isoformat()}: {e.reason}",
    N.CommitmentWithdrawn.TYPE: lambda e: f"commitment {e.id} withdrawn: {e.reason}",
    N.MeetingScheduled.TYPE: lambda e: f"meeting {e.id} set for {e.scheduled_for.isoformat()}: {e.title}",
    N.MeetingHeld.TYPE: lambda e: f"meeting {e.id} held",
    N.AgreementReached.TYPE: lambda e: f"{_parties(e.parties)} agree to revision {e.revision}",
    N.EventRetracted.TYPE: lambda e: f"retracts {e.retracts}: {e.reason}",
    N.DistributionKeyRecorded.TYPE: lambda e: (
        f"distribution key {e.id} ({e.method}, {len(e.regions)} regions): {e.title}"),
    N.DistributionKeyRetired.TYPE: lambda e: f"distribution key {e.id} retired: {e.reason}",
}


def summary(event: N.Event) -> str:
    return SUMMARIES[event.TYPE](event)
