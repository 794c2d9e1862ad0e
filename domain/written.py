"""How the domain's values are written and how large they may be: the part of ``domain.values``
that the reading commands need (amounts in euros, dates, periods, the keys of a source and the
stored form's references), kept apart from the value classes so that reading a view loads no
dataclasses (with ``inspect``, a tenth of a reading command's start)."""

from __future__ import annotations

import re
from datetime import date

# The largest amount: the views and every export hold every amount exactly as an integer, and
# sums of many of them must stay within what the stores hold.
MAX_EUROS = 10**15
# The largest whole number the stores hold (SQLite INTEGER, PostgreSQL bigint).
LARGEST_WHOLE_NUMBER = 2**63 - 1


def euros(amount: int) -> str:
    """An amount as a Dutch reader writes it: € 35.000.000."""
    return "€ " + f"{amount:,}".replace(",", ".")


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


# The keys of a source in the log format, in the order it writes them.
SOURCE_KEYS = ("document", "section", "page", "classification")

# Stored form 2 (``application.notation``): within one import, an event whose source or origin is
# that of the import's first event stores ``{"_type_": NAME, "_data_": VERSION}`` in its place,
# VERSION being the dossier version of that first event. The names, by the field they stand for,
# for the readers of stored JSON that do without the domain's types.
CARRIED_FIELDS = {"source": "akkoord.SourceOf", "origin": "akkoord.OriginOf"}
