"""The options many commands share, and the readers of their values (dates, positions).

Apart from ``cli/main.py`` so that the command modules can use them without importing the
module that imports them.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _position(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a position (a whole number)")
    return int(text)


def store_options(defaults: bool) -> argparse.ArgumentParser:
    """--db, --as and --views, accepted before the command and after it."""
    parser = argparse.ArgumentParser(add_help=False)
    default: Any = None if defaults else argparse.SUPPRESS
    parser.add_argument("--db", metavar="TARGET", default=default,
                        help="SQLite file or postgresql:// URL (default: $AKKOORD_DB, else events.db)")
    parser.add_argument("--as", dest="actor", metavar="NAME", default=default,
                        help="who records the events (default: $AKKOORD_ACTOR, else the OS user)")
    parser.add_argument("--views", metavar="PATH", default=default,
                        help="where the read models live (default: $AKKOORD_VIEWS, else a file "
                             "in the user's cache folder)")
    return parser


def reading_options() -> argparse.ArgumentParser:
    """What every reading command takes: the dossier, --json and the two time axes."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--negotiation", metavar="SLUG",
                        help="the dossier (may be left out when the store holds one)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--as-of", type=_date, metavar="DATE",
                        help="the world as it stood on that effective date")
    parser.add_argument("--known-at", type=_position, metavar="POSITION",
                        help="only what had been recorded up to that global position")
    return parser
