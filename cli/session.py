"""What a command works on: the event store named by ``--db``, its views, and the dossier."""

from __future__ import annotations

import getpass
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from akkoord.projections.catchup import (
    ApplicationStore,
    EventSource,
    SQLiteStore,
    ViewStore,
    ViewsRefused,
    default_views_path,
)
from akkoord.interchange.text import shorten
from akkoord.projections.queries import Axes, NotFound, Queries
from akkoord.store import CHAINED_RECORDERS

if TYPE_CHECKING:
    from akkoord.application.service import Akkoord


class UsageError(Exception):
    """A user's mistake: printed as one line, exit status 2."""


def store_target(args: Any) -> str:
    return args.db or os.environ.get("AKKOORD_DB") or "events.db"


def actor(args: Any) -> str:
    name = args.actor or os.environ.get("AKKOORD_ACTOR") or getpass.getuser()
    if not name.isprintable():
        raise UsageError(f"the recorder's name {name!r} holds control characters; "
                         "give a name on one line with --as")
    return name


def shown_target(target: str) -> str:
    """The store as messages name it: no secret of a URL (password, query) is ever printed."""
    from urllib.parse import urlsplit

    if "://" not in target:
        return repr(target)
    try:
        url = urlsplit(target)
        host = url.netloc.rpartition("@")[2]
        user = url.netloc.rpartition("@")[0].partition(":")[0]
        netloc = f"{user}:***@{host}" if ":" in url.netloc.rpartition("@")[0] else url.netloc
        shown = url._replace(netloc=netloc, query="***" if url.query else "",
                             fragment="").geturl()
    except ValueError:  # a URL too malformed to take apart: only its scheme is safe to show
        shown = target.partition("://")[0] + "://…"
    return repr(shown)


def store_env(target: str, create: bool) -> dict[str, str]:
    """The eventsourcing environment for a store target (SQLite path or PostgreSQL URL)."""
    from akkoord.cli.keys import cipher_env

    if target.startswith(("postgresql://", "postgres://")):
        from akkoord.cli.postgres import postgres_env

        persistence = postgres_env(target, create)
    elif not create and not Path(target).is_file():
        raise UsageError(f"store {target!r} does not exist (akkoord import creates a store)")
    else:
        persistence = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": target,
            "SQLITE_LOCK_TIMEOUT": "60",
            "CREATE_TABLE": "y" if create else "n",
        }
    # The recorder writes the hash chain in the same transaction as the events it covers.
    persistence["APPLICATION_RECORDER_TOPIC"] = CHAINED_RECORDERS[persistence["PERSISTENCE_MODULE"]]
    return {**persistence, **cipher_env()}


def _refuse_unusable_path(path: str | Path, what: str) -> None:
    """A name the system cannot look up (too long, a NUL in it) is refused before any use."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or error
        raise UsageError(f"{what} {shorten(str(path), 80)!r} cannot be used: {reason}") from None


class Session:
    """The store and views one command works on; opened on first use."""

    def __init__(self, args: Any, create: bool = False):
        self.args = args
        self.target = store_target(args)
        self.shown = shown_target(self.target)
        self.create = create
        if "://" not in self.target:
            _refuse_unusable_path(self.target, "store")

    @cached_property
    def app(self) -> Akkoord:
        from akkoord.cli.keys import check_key
        from akkoord.application.service import Akkoord

        try:
            app = Akkoord(env=store_env(self.target, self.create))
            app.recorder.max_notification_id()
        except (sqlite3.Error, OSError, ValueError) as error:
            raise UsageError(f"store {self.shown} cannot be read: {error}") from None
        except Exception as error:  # the library wraps driver errors in its own classes
            if type(error).__module__.startswith(("eventsourcing", "psycopg")):
                raise UsageError(f"store {self.shown} cannot be read: {error}") from None
            raise
        if getattr(self.args, "decodes_events", True):
            try:
                check_key(app, self.shown)
            except UsageError:
                app.close()
                raise
        return app

    @cached_property
    def views_path(self) -> Path:
        named = getattr(self.args, "views", None) or os.environ.get("AKKOORD_VIEWS")
        if named:
            _refuse_unusable_path(named, "views")
        return Path(named) if named else default_views_path(self.target)

    @cached_property
    def views(self) -> ViewStore:
        # With a key, the views are sealed with the store's own cipher: no plaintext copy.
        cipher = self.app.mapper.cipher if self.keyed else None
        store = None if "://" in self.target else self.target
        try:
            return ViewStore(self.views_path, cipher=cipher, store=store,
                             own_place=self.views_path == default_views_path(self.target))
        except ViewsRefused as error:
            raise UsageError(str(error)) from None

    def protected_paths(self) -> list[Path]:
        """The files an output must never be: the store's and the views' (with side files)."""
        from akkoord.interchange.output import with_side_files

        store = [] if "://" in self.target else with_side_files(self.target)
        return store + with_side_files(self.views_path)

    @cached_property
    def keyed(self) -> bool:
        """Whether a key is set: the store is then read, and the views sealed, with its cipher."""
        from akkoord.cli.keys import cipher_env

        return "CIPHER_TOPIC" in cipher_env()

    @cached_property
    def events(self) -> EventSource:
        """Where the views read the events: the SQLite file itself when it holds plain JSON
        (no application, no decoding in Python), else the application's recorder."""
        # A file that cannot be attached (missing, encrypted, no store) goes to the application,
        # which opens or refuses it with the reason.
        if "://" not in self.target and not self.keyed:
            store = SQLiteStore(self.target)
            if store.holds_plain_json(self.views.conn):
                return store
        return ApplicationStore(self.app)

    @cached_property
    def queries(self) -> Queries:
        from akkoord.cli.render import Progress

        progress = Progress("catching up views", not getattr(self.args, "json", False))
        self.catch_up(progress)
        progress.finish()
        return self.views.queries()

    def catch_up(self, progress: Any = None) -> int:
        """Brings the views up to the store's last event; returns that position."""
        with self._reading_store():
            return self.views.catch_up(self.events, progress)

    def rebuild(self, progress: Any = None) -> int:
        """Drops the views and reads every event again; returns the position reached."""
        with self._reading_store():
            return self.views.rebuild(self.events, progress)

    @contextmanager
    def _reading_store(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as error:
            raise UsageError(f"store {self.shown} cannot be read: {error}") from None

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
                raise UsageError(f"no dossier {named!r} in {self.shown}; "
                                 f"it holds: {', '.join(known) or 'none'}")
            return named
        if len(known) == 1:
            return known[0]
        if not known:
            raise UsageError(f"store {self.shown} holds no dossier")
        raise UsageError(f"store {self.shown} holds {len(known)} dossiers "
                         f"({', '.join(known)}); name one with --negotiation")

    def close(self) -> None:
        if "views" in self.__dict__:
            self.views.close()
        if "app" in self.__dict__:
            self.app.close()


def with_session(run: Any, args: Any) -> int:
    """Runs a command on the store its arguments name; a thing not found is a user's mistake."""
    session = Session(args, create=args.command == "import")
    if session.create:
        actor(args)  # a name that cannot be recorded is refused before a store is made
    try:
        return run(session, args) or 0
    except NotFound as error:
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
