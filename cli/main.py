"""The ``akkoord`` command: parse, call, print. Commands live in modules listed below."""

from __future__ import annotations

import argparse
import importlib
import sys
from datetime import date
from typing import Any

from akkoord.cli.session import UsageError
from akkoord.i18n import _, activate, choose

# Each module has register(subparsers); heavy imports stay inside the command functions.
COMMAND_MODULES = ("akkoord.cli.core", "akkoord.cli.keys", "akkoord.cli.audit", "akkoord.cli.graph")


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
    parser.add_argument("--lang", metavar="nl|en", default=default,
                        help=_("the language of what people read (default: $AKKOORD_LANG, else "
                               "the locale, else English); --json is never translated"))
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


def language_asked(argv: list[str]) -> str | None:
    """The value of ``--lang`` wherever it stands: the language must be chosen before the
    parser is built, since its help texts are written in it."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        activate(choose(language_asked(argv)))
    except ValueError as unknown:
        print(f"akkoord: --lang/AKKOORD_LANG {str(unknown)!r}: choose nl or en", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except UsageError as error:
        print(f"akkoord: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("akkoord: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def entry_point() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
