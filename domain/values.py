"""Value objects of the negotiation domain: money, periods, proposal items, sources.

Money is whole euros in ``int`` (never floats); dates are ``datetime.date``. The values
validate themselves, so a malformed one cannot reach an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import NewType

from akkoord.i18n import _
from akkoord.domain.errors import Refusal
from akkoord.domain.written import (  # noqa: F401 - the domain's values, and how they are written
    CARRIED_FIELDS, LARGEST_WHOLE_NUMBER, MAX_EUROS, SOURCE_KEYS, WRITTEN_DATE, covers, euros,
    written_date)

Euros = NewType("Euros", int)
"""A positive whole number of euros."""


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

