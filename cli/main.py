"""The ``akkoord`` command: parse, call, print. Commands live in modules listed below."""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import signal
import sys
from typing import Any

from akkoord import __version__
from akkoord.bootstrap import StoreError
from akkoord.cli.options import _date, _position, reading_options, store_options
from akkoord.cli.session import UsageError
from akkoord.domain.errors import ReferenceBroken
from akkoord.i18n import _, activate, choose
from akkoord.pace import collect_rarely

__all__ = ["build_parser", "entry_point", "main", "_date", "_position"]

# A message longer than this is cut in its middle: a refusal quoting a huge value stays one line
# (a hostile file's megabyte of title must not become a megabyte of standard error).
MESSAGE_WIDTH = 2_000

# Each module has register(subparsers); heavy imports stay inside the command functions.
COMMAND_MODULES = ("akkoord.cli.core", "akkoord.cli.record", "akkoord.cli.registers",
                   "akkoord.cli.keys", "akkoord.cli.audit", "akkoord.cli.graph", "akkoord.cli.views",
                   "akkoord.cli.distribution", "akkoord.cli.report")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; given the arguments about to be parsed, commands whose options
    are costly to build (``record``'s, from the event declarations) build them only if named."""
    parser = argparse.ArgumentParser(
        prog="akkoord",
        description=_("An event-sourced register of negotiations between public bodies."),
        parents=[store_options(defaults=True)],
    )
    parser.add_argument("--version", action="version", version=f"akkoord {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    shared: dict[str, Any] = {"store": store_options(defaults=False), "reading": reading_options(),
                              "argv": argv}
    named = _command_named(argv or [], parser)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers, shared)
        # The commands of the modules after it are left out: building them all took 23 ms, a
        # fifth of a reading command's start-up.
        if named in subparsers.choices:
            break
    return parser


def _command_named(argv: list[str], parser: argparse.ArgumentParser) -> str | None:
    """The argument that names the command, as ``parser`` (the options before it) will read it:
    the first that is no option and no value of one (None: there is none, or an option is
    abbreviated, and every command is built, for the help or the error that lists them)."""
    taking_values = {name for name, action in parser._option_string_actions.items()
                     if action.nargs != 0}
    arguments = iter(argv)
    for argument in arguments:
        if argument in taking_values:
            next(arguments, None)
        elif not argument.startswith("-"):
            return argument
    return None


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
    from akkoord.interchange.output import OutputRefused

    argv = sys.argv[1:] if argv is None else argv
    try:
        activate(choose(language_asked(argv)))
    except ValueError as unknown:
        # the language asked for is unknown: said in the language of the locale
        activate(choose(None, {name: value for name, value in os.environ.items()
                               if name != "AKKOORD_LANG"}))
        print(_("akkoord: --lang/AKKOORD_LANG {value!r}: choose nl or en").format(
            value=str(unknown)), file=sys.stderr)
        return 2
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        status = int(args.run(args) or 0)
        sys.stdout.flush()
        return status
    except (UsageError, StoreError, OutputRefused, ReferenceBroken) as error:
        print(_("akkoord: {message}").format(message=message_line(str(error))), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_("akkoord: interrupted"), file=sys.stderr)
        return 130
    except Terminated:
        print(_("akkoord: stopped (SIGTERM)"), file=sys.stderr)
        return 128 + signal.SIGTERM
    except BrokenPipeError:
        _discard_standard_output()
        return 0
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT):
            raise
        _discard_standard_output()
        print(_("akkoord: cannot write the output: {error}").format(error=error.strerror),
              file=sys.stderr)
        return 2


class Terminated(BaseException):
    """SIGTERM (``kill``, a service manager stopping): the command stops as on Ctrl-C, so that
    what it was writing is rolled back and its private files removed, not left behind."""


def _terminate(_signal: int, _frame: Any) -> None:
    raise Terminated


def message_line(text: str) -> str:
    """A message as one line of bounded length, its control characters escaped."""
    from akkoord.cli.render import escaped

    text = escaped(text)
    if len(text) <= MESSAGE_WIDTH:
        return text
    half = MESSAGE_WIDTH // 2
    left_out = _("({count} characters left out)").format(count=len(text) - MESSAGE_WIDTH)
    return f"{text[:half]} … {left_out} … {text[-half:]}"


def _discard_standard_output() -> None:
    """What is still buffered for a closed or full standard output goes nowhere, so that Python's
    own flush at exit does not fail again with a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def entry_point() -> None:
    collect_rarely()
    status = main()
    # The command is done: its store and views are closed and its files written whole (main
    # closes the session before it returns). The process ends here, without the interpreter's
    # teardown, which frees every object one by one and collects them all again (some 60 ms
    # after an import of 10,000 events; every command pays a part) for a process that is ending.
    try:
        sys.stdout.flush()
    except OSError:  # a pipe closed early, or a full disk: said by main where it matters
        _discard_standard_output()
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    entry_point()
