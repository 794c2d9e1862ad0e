"""The ``akkoord`` command: parse, call, print. Commands live in modules listed below."""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import re
import sys
from datetime import date
from typing import Any

from akkoord.cli.session import UsageError

# Each module has register(subparsers); heavy imports stay inside the command functions.
COMMAND_MODULES = ("akkoord.cli.core", "akkoord.cli.keys", "akkoord.cli.audit", "akkoord.cli.graph")


# The largest number the stores (SQLite INTEGER, PostgreSQL bigint) hold: larger is no position.
LARGEST_NUMBER = 2**63 - 1
STRICT_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def _date(text: str) -> date:
    """A date written YYYY-MM-DD, nothing else (no 20250627, no week date, no other digits)."""
    if STRICT_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)")


def _position(text: str) -> int:
    return _whole_number(text, "a position")


def _revision(text: str) -> int:
    return _whole_number(text, "a revision number")


def _whole_number(text: str, what: str) -> int:
    """A whole number in ASCII digits that the stores can hold."""
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not {what} (a whole number)")
    if len(text) > 19 or int(text) > LARGEST_NUMBER:
        raise argparse.ArgumentTypeError(f"{text[:30]!r} is too large for {what}")
    return int(text)


def _actor(text: str) -> str:
    """Who records: a name on one line, without control characters."""
    if not text.strip() or not text.isprintable():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a name: it may hold no control characters (newline, escape)")
    return text


def store_options(defaults: bool) -> argparse.ArgumentParser:
    """--db, --as and --views, accepted before the command and after it."""
    parser = argparse.ArgumentParser(add_help=False)
    default: Any = None if defaults else argparse.SUPPRESS
    parser.add_argument("--db", metavar="TARGET", default=default,
                        help="SQLite file or postgresql:// URL (default: $AKKOORD_DB, else events.db)")
    parser.add_argument("--as", dest="actor", metavar="NAME", default=default, type=_actor,
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="akkoord",
        description="An event-sourced register of negotiations between public bodies.",
        parents=[store_options(defaults=True)],
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    shared = {"store": store_options(defaults=False), "reading": reading_options()}
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers, shared)
    return parser


# A refusal quotes what it refuses; a hostile file's megabyte of title must not become a megabyte
# of standard error.
MESSAGE_WIDTH = 2_000


def main(argv: list[str] | None = None) -> int:
    from akkoord.interchange.output import OutputRefused

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = int(args.run(args) or 0)
        sys.stdout.flush()
        return status
    except (UsageError, OutputRefused) as error:
        print(f"akkoord: {message_line(str(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("akkoord: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _discard_standard_output()
        return 0
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT):
            raise
        _discard_standard_output()
        print(f"akkoord: cannot write the output: {error.strerror}", file=sys.stderr)
        return 2


def message_line(text: str) -> str:
    """A message as one line of bounded length, its control characters escaped."""
    from akkoord.cli.render import escaped

    text = escaped(text)
    if len(text) <= MESSAGE_WIDTH:
        return text
    half = MESSAGE_WIDTH // 2
    return f"{text[:half]} … ({len(text) - MESSAGE_WIDTH} characters left out) … {text[-half:]}"


def _discard_standard_output() -> None:
    """What is still buffered for a closed or full standard output goes nowhere, so that Python's
    own flush at exit does not fail again with a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def entry_point() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
