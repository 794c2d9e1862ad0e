"""One line per event, for the log: what happened, in the words of the dossier.

Each event class says it (``summary_line``); this is the projections' way to ask.
"""

from __future__ import annotations

from akkoord.domain.negotiation import Negotiation, period_text

__all__ = ["period_text", "summary"]


def summary(event: Negotiation.Event) -> str:
    return event.summary_line()
