"""Value objects of the negotiation domain: money, periods, proposal items, sources.

Money is whole euros in ``int`` (never floats); dates are ``datetime.date``. The values
validate themselves, so a malformed one cannot reach an event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import NewType

from akkoord.i18n import _
from akkoord.domain.errors import Refusal

Euros = NewType("Euros", int)
"""A positive whole number of euros."""

# The largest amount: the views and every export hold every amount exactly as an integer, and
# sums of many of them must stay within what the stores hold.
MAX_EUROS = 10**15
# The largest whole number the stores hold (SQLite INTEGER, PostgreSQL bigint).
LARGEST_WHOLE_NUMBER = 2**63 - 1


def require_euros(value: object, what: str = "amount") -> Euros:
    # bool is a subclass of int; True must not pass as one euro.
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refusal(_("{what} must be a whole number of euros, not {value!r}")
                      .format(what=what, value=value))
    if value <= 0:
        raise Refusal(_("{what} must be positive, not {value}").format(what=what, value=value))
    if value > MAX_EUROS:
        raise Refusal(_("{name} {value} is above the largest amount, 10^15 euros")
                      .format(name=what, value=value))
    return Euros(value)


def require_storable(name: str, value: int) -> int:
    """A whole number the stores can hold, or the refusal that says so."""
    if not -LARGEST_WHOLE_NUMBER <= value <= LARGEST_WHOLE_NUMBER:
        raise Refusal(_("{name} {value} is too large: at most {largest}")
                      .format(name=name, value=value, largest=LARGEST_WHOLE_NUMBER))
    return value


def euros(amount: int) -> str:
    """An amount as a Dutch reader writes it: € 35.000.000."""
    return "€ " + f"{amount:,}".replace(",", ".")


class StakeholderKind(Enum):
    COUNCIL = "council"
    ASSOCIATION = "association"
    MINISTRY = "ministry"
    GOVERNMENT = "government"
    REGION = "region"
    MUNICIPALITY = "municipality"
    COLLECTIVE = "collective"
    ADVISORY = "advisory"
    OTHER = "other"


class ProposalStatus(Enum):
    DRAFT = "draft"
    CONCEPT = "concept"
    DEFINITIVE = "definitive"


class Stance(Enum):
    SUPPORT = "support"
    CONDITIONAL = "conditional"
    OPPOSE = "oppose"
    DEMAND = "demand"
    NEUTRAL = "neutral"


class ClaimOutcome(Enum):
    GRANTED = "granted"
    PARTIALLY_GRANTED = "partially_granted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Role(Enum):
    PRIMARY = "primary"
    REGIE = "regie"
    SUPPORT = "support"
    ADVISORY = "advisory"
    FUNDING = "funding"
    OTHER = "other"


ENUMS: tuple[type[Enum], ...] = (StakeholderKind, ProposalStatus, Stance, ClaimOutcome, Role)


@dataclass(frozen=True)
class Period:
    """One year (``first == last``), or from ``first`` on, up to ``last`` inclusive if given."""

    first: int
    last: int | None

    def __post_init__(self) -> None:
        for name, year in (("year", self.first), ("until", self.last)):
            if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
                raise Refusal(_("{name} must be a year, not {year!r}").format(name=name, year=year))
        if self.last is not None and self.last < self.first:
            raise Refusal(_("until {last} lies before from {first}")
                          .format(last=self.last, first=self.first))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(year, year)

    @property
    def is_single_year(self) -> bool:
        return self.last == self.first

    def covers(self, year: int) -> bool:
        return covers(self.first, self.last, year)


def covers(first: int, last: int | None, year: int) -> bool:
    """Whether a period from ``first`` until ``last`` (None: structural) covers the year."""
    return first <= year and (last is None or year <= last)


# A date as the log format and the command line write it: YYYY-MM-DD in ASCII digits.
WRITTEN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def written_date(text: str) -> date | None:
    """The date ``text`` writes as YYYY-MM-DD and nothing else (no 20250627, no week date, no
    other digits, no white space around it); None when it is not written so. Raises ValueError
    for one written so that no calendar has (2025-02-30)."""
    if not WRITTEN_DATE.fullmatch(text):
        return None
    return date.fromisoformat(text)


@dataclass(frozen=True)
class Amount:
    """An amount of money for a period."""

    amount: Euros
    period: Period

    def __post_init__(self) -> None:
        require_euros(self.amount)


@dataclass(frozen=True)
class BudgetLine:
    """Money on the table: who makes it available, for what, how much, when."""

    party: str
    purpose: str | None
    amount: Euros
    period: Period

    def __post_init__(self) -> None:
        require_euros(self.amount)


@dataclass(frozen=True)
class ProposalItem:
    """One line of the verdelingsvoorstel."""

    id: str
    purpose: str
    recipient: str
    amounts: tuple[Amount, ...]
    distribution: str | None
    conditions: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    """Where a fact was read: the document, and where in it."""

    document: str | None
    section: str | None
    page: str | None
    classification: str | None


# The keys of a source in the log format, in the order it writes them.
SOURCE_KEYS = ("document", "section", "page", "classification")

VALUE_CLASSES: tuple[type, ...] = (Period, Amount, BudgetLine, ProposalItem, Source)


@dataclass(frozen=True)
class FileOrigin:
    """The file an event was imported from: its name and the SHA-256 of its bytes.

    ``events_sha256`` is set on the last event of an import only: the digest of the file's events
    in canonical form, by which the same events imported again (in any layout) are recognised.
    """

    name: str
    sha256: str
    events_sha256: str | None = None


VALUE_CLASSES = (*VALUE_CLASSES, FileOrigin)

# Stored form 2 (``application.notation``): within one import, an event whose source or origin is
# that of the import's first event stores ``{"_type_": NAME, "_data_": VERSION}`` in its place,
# VERSION being the dossier version of that first event. The names, by the field they stand for,
# for the readers of stored JSON that do without the domain's types.
CARRIED_FIELDS = {"source": "akkoord.SourceOf", "origin": "akkoord.OriginOf"}
