"""What a command works on: the store named by ``--db`` and its views, opened by the composition
root (``akkoord.bootstrap``); this module only maps the options to it."""

from __future__ import annotations

import getpass
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from akkoord.bootstrap import Store, StoreError, open_store, shown_target
from akkoord.i18n import _
from akkoord.projections.axes import Axes, NotFound

if TYPE_CHECKING:
    from akkoord.projections.queries import Queries
    from akkoord.application.service import Akkoord
    from akkoord.projections.catchup import ViewStore

__all__ = ["Session", "UsageError", "StoreError", "actor", "add_command", "shown_target",
           "store_target", "with_session"]

# Commands that may create the store they record into.
CREATING_COMMANDS = ("import", "record")


class UsageError(Exception):
    """A user's mistake: printed as one line, exit status 2."""


def store_target(args: Any) -> str:
    return args.db or os.environ.get("AKKOORD_DB") or "events.db"


def views_target(args: Any) -> str | None:
    return getattr(args, "views", None) or os.environ.get("AKKOORD_VIEWS") or None


def actor(args: Any) -> str:
    name = args.actor or os.environ.get("AKKOORD_ACTOR") or getpass.getuser()
    if not name.isprintable():
        raise UsageError(_("the recorder's name {name!r} holds control characters; give a name "
                           "on one line with --as").format(name=name))
    return name


class Session:
    """The store and views one command works on; opened on first use."""

    def __init__(self, args: Any, create: bool = False):
        self.args = args
        self.store: Store = open_store(store_target(args), create=create,
                                       views=views_target(args),
                                       decodes_events=getattr(args, "decodes_events", True))
        self.target = self.store.target
        self.shown = self.store.shown
        self.create = create

    @property
    def app(self) -> Akkoord:
        return self.store.app

    @property
    def views(self) -> ViewStore:
        return self.store.views

    @property
    def keyed(self) -> bool:
        return self.store.keyed

    @property
    def views_path(self) -> Path:
        return self.store.views_file

    def protected_paths(self) -> list[Path]:
        """The files an output must never be: the store's and the views' (with side files)."""
        return self.store.protected_paths()

    @cached_property
    def queries(self) -> Queries:
        from akkoord.cli.render import Progress

        progress = Progress(_("catching up views"), not getattr(self.args, "json", False))
        queries = self.store.queries(progress)
        progress.finish()
        return queries

    def catch_up(self, progress: Any = None) -> int:
        """Brings the views up to the store's last event; returns that position."""
        return self.store.catch_up(progress)

    def rebuild(self, progress: Any = None) -> int:
        """Drops the views and reads every event again; returns the position reached."""
        return self.store.rebuild(progress)

    @property
    def axes(self) -> Axes:
        return Axes(as_of=getattr(self.args, "as_of", None),
                    known_at=getattr(self.args, "known_at", None))

    @cached_property
    def negotiation(self) -> str:
        return self.choose_dossier(self.queries.negotiations())

    def choose_dossier(self, known: list[str]) -> str:
        """The dossier named by ``--negotiation`` among those known, else the only one."""
        named = getattr(self.args, "negotiation", None)
        if named is not None:
            if named not in known:
                raise UsageError(_("no dossier {named!r} in {store}; it holds: {known}").format(
                    named=named, store=self.shown, known=", ".join(known) or _("none")))
            return named
        if len(known) == 1:
            return known[0]
        if not known:
            raise UsageError(_("store {store} holds no dossier").format(store=self.shown))
        raise UsageError(_("store {store} holds {count} dossiers ({known}); name one with "
                           "--negotiation").format(store=self.shown, count=len(known),
                                                   known=", ".join(known)))

    def close(self) -> None:
        self.store.close()


def with_session(run: Any, args: Any) -> int:
    """Runs a command on the store its arguments name; a thing not found is a user's mistake."""
    # A check decides on the store as it is and creates nothing.
    creates = args.command in CREATING_COMMANDS and not getattr(args, "check", False)
    if creates:
        actor(args)  # a name that cannot be recorded is refused before a store is made
    try:
        session = Session(args, create=creates)
    except StoreError as error:
        raise UsageError(str(error)) from None
    try:
        return run(session, args) or 0
    except (NotFound, StoreError) as error:
        raise UsageError(str(error)) from None
    finally:
        session.close()


def add_command(subparsers: Any, name: str, run: Any, help: str, parents: list[Any],
                description: str | None = None) -> Any:
    """A subcommand whose ``run(session, args)`` gets the store opened for it."""
    parser = subparsers.add_parser(name, parents=parents, help=help,
                                   description=description or help)
    parser.set_defaults(run=lambda args: with_session(run, args))
    return parser
