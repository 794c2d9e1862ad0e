"""The two time axes of every answer, and the refusal of one that finds nothing: apart from
``queries``, so that commands that ask nothing of the views (``import``, ``record``) do not load
the views' SQL to know them. (Its annotations are not postponed: ``NamedTuple`` would compile the
text of each as the module loads, at every command's start-up.)"""

from datetime import date
from typing import Any, NamedTuple

LATEST = 1 << 62


class NotFound(LookupError):
    """The dossier, revision or thing asked for is not in the views (at that point in time)."""


class Axes(NamedTuple):
    """The two time axes: effective date (``--as-of``) and recorded position (``--known-at``)."""

    as_of: date | None = None
    known_at: int | None = None

    def where(self, alias: str = "") -> tuple[str, list[Any]]:
        prefix = f"{alias}." if alias else ""
        known = self.known_at if self.known_at is not None else LATEST
        as_of = self.as_of.isoformat() if self.as_of is not None else "9999-12-31"
        return (
            f"{prefix}position <= ? AND {prefix}date <= ? "
            f"AND ({prefix}retracted_at IS NULL OR {prefix}retracted_at > ?)",
            [known, as_of, known],
        )

    def judged_on(self) -> date:
        return self.as_of or date.today()
