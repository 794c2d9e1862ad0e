"""The options many commands share, and the readers of their values (dates, positions).

Apart from ``cli/main.py`` so that the command modules can use them without importing the
module that imports them.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from akkoord.domain.written import LARGEST_WHOLE_NUMBER, written_date
from akkoord.i18n import _


def _date(text: str) -> date:
    """A date written YYYY-MM-DD, nothing else (``domain.written.written_date``)."""
    try:
        found = written_date(text)
    except ValueError:
        found = None
    if found is None:
        raise argparse.ArgumentTypeError(_("{text!r} is not a date (YYYY-MM-DD)").format(text=text))
    return found


def _position(text: str) -> int:
    return _whole_number(text, _("{text!r} is not a position (a whole number)"),
                         _("{text!r} is too large for a position"))


def _revision(text: str) -> int:
    return _whole_number(text, _("{text!r} is not a revision number (a whole number)"),
                         _("{text!r} is too large for a revision number"))


def _whole_number(text: str, not_a_number: str, too_large: str, *, signed: bool = False) -> int:
    """A whole number in ASCII digits (after a minus sign, if ``signed``) that the stores can
    hold; else the message that fits, with ``{text}`` in it."""
    digits = text[1:] if signed and text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()):
        raise argparse.ArgumentTypeError(not_a_number.format(text=text))
    if len(digits) > 19 or int(digits) > LARGEST_WHOLE_NUMBER:
        raise argparse.ArgumentTypeError(too_large.format(text=text[:30]))
    return int(text)


def whole_number(text: str) -> int:
    """A field's whole number on the command line (``record``): negative ones too."""
    return _whole_number(text, _("{text!r} is not a whole number"),
                         _("{text!r} is too large for a whole number"), signed=True)


def _actor(text: str) -> str:
    """Who records: a name on one line, without control characters."""
    if not text.strip() or not text.isprintable():
        raise argparse.ArgumentTypeError(
            _("{text!r} is not a name: it may hold no control characters (newline, escape)")
            .format(text=text))
    return text


def store_options(defaults: bool) -> argparse.ArgumentParser:
    """--db, --as and --views, accepted before the command and after it."""
    parser = argparse.ArgumentParser(add_help=False)
    default: Any = None if defaults else argparse.SUPPRESS
    parser.add_argument("--db", metavar="TARGET", default=default,
                        help=_("SQLite file or postgresql:// URL (default: $AKKOORD_DB, else "
                               "events.db)"))
    parser.add_argument("--as", dest="actor", metavar="NAME", default=default, type=_actor,
                        help=_("who records the events (default: $AKKOORD_ACTOR, else the OS "
                               "user)"))
    parser.add_argument("--lang", metavar="nl|en", default=default,
                        help=_("the language of what people read (default: $AKKOORD_LANG, else "
                               "the locale, else English); --json is never translated"))
    parser.add_argument("--views", metavar="PATH", default=default,
                        help=_("where the read models live (default: $AKKOORD_VIEWS, else a "
                               "file in the user's cache folder)"))
    return parser


def reading_options() -> argparse.ArgumentParser:
    """What every reading command takes: the dossier, --json and the two time axes."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--negotiation", metavar="SLUG",
                        help=_("the dossier (may be left out when the store holds one)"))
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))
    parser.add_argument("--as-of", type=_date, metavar="DATE",
                        help=_("the world as it stood on that effective date"))
    parser.add_argument("--known-at", type=_position, metavar="POSITION",
                        help=_("only what had been recorded up to that global position"))
    return parser
