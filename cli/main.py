"""The ``akkoord`` command: parse, call, print. Commands live in modules listed below."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from akkoord import __version__
from akkoord.bootstrap import StoreError
from akkoord.cli.options import _date, _position, reading_options, store_options
from akkoord.cli.session import UsageError

__all__ = ["build_parser", "entry_point", "main", "_date", "_position"]

# Each module has register(subparsers); heavy imports stay inside the command functions.
COMMAND_MODULES = ("akkoord.cli.core", "akkoord.cli.record", "akkoord.cli.registers",
                   "akkoord.cli.keys", "akkoord.cli.audit", "akkoord.cli.graph", "akkoord.cli.views",
                   "akkoord.cli.distribution")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; given the arguments about to be parsed, commands whose options
    are costly to build (``record``'s, from the event declarations) build them only if named."""
    parser = argparse.ArgumentParser(
        prog="akkoord",
        description="An event-sourced register of negotiations between public bodies.",
        parents=[store_options(defaults=True)],
    )
    parser.add_argument("--version", action="version", version=f"akkoord {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    shared: dict[str, Any] = {"store": store_options(defaults=False), "reading": reading_options(),
                              "argv": argv}
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers, shared)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (UsageError, StoreError) as error:
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
