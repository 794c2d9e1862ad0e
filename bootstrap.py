"""The composition root: how an event store, its key and its views are opened, in one place.

The command line, the tests and the benchmarks all open a store with ``open_store``; they only
say where (a SQLite path or a ``postgresql://`` URL) and what for. Everything else is decided
here: the library's persistence settings, the recorders that write the hash chain, the key for
encryption at rest (``AKKOORD_CIPHER_KEY``), the check that the key opens the store, and where
the views live (the user's cache folder unless told otherwise).

A store that does not exist yet is created only to commit: the first events recorded into a
new SQLite path are written to a private file beside it, which is moved into place once they
are committed. A refused first import therefore never creates the store, and never has a
store to remove (which could be one another writer filled meanwhile). As no other process opens
the private file, its commits are not synced to the disk one by one; the file is synced whole
before it takes the store's name, and its folder after, so a store that has its name holds
every event it was given, after a power cut too.

This module imports the packages it composes; none of them imports it (only ``cli`` does).
"""

from __future__ import annotations

import binascii
import contextlib
import json
import os
import sqlite3
from base64 import b64decode
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from akkoord.i18n import _

if TYPE_CHECKING:
    from akkoord.application.service import Akkoord, Decision, Entry
    from akkoord.projections.catchup import EventSource, ViewStore
    from akkoord.projections.queries import Queries

KEY_VARIABLE = "AKKOORD_CIPHER_KEY"
CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
POSTGRES_URL_FORM = "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
POSTGRES_CONNECT_TIMEOUT = 10
SQLITE_LOCK_TIMEOUT = "60"
SIDE_FILES = ("-wal", "-shm")


class StoreError(Exception):
    """A store that cannot be opened, read or written as asked; the message is one line."""


# -- targets ---------------------------------------------------------------------------------


def is_url(target: str) -> bool:
    return target.startswith(POSTGRES_SCHEMES)


def shown_target(target: str) -> str:
    """The store as messages name it: no secret of a URL (password, query) is ever printed."""
    if "://" not in target:
        return repr(target)
    try:
        url = urlsplit(target)
        userinfo, _at, host = url.netloc.rpartition("@")
        netloc = f"{userinfo.partition(':')[0]}:***@{host}" if ":" in userinfo else url.netloc
        shown = url._replace(netloc=netloc, query="***" if url.query else "",
                             fragment="").geturl()
    except ValueError:  # a URL too malformed to take apart: only its scheme is safe to show
        shown = target.partition("://")[0] + "://…"
    return repr(shown)


def refuse_unusable_path(path: str | os.PathLike[str], what: str) -> None:
    """A name the system cannot look up (too long, a NUL in it) is refused before any use."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except (OSError, ValueError) as error:
        from akkoord.interchange.text import shorten

        reason = getattr(error, "strerror", None) or error
        raise StoreError(_("{what} {path!r} cannot be used: {reason}").format(
            what=what, path=shorten(str(path), 80), reason=reason)) from None


def store_exists(target: str) -> bool:
    """Whether the target holds an akkoord store already (a file, or the tables on a server)."""
    if is_url(target):
        return _postgres_tables_present(target, postgres_connection(target))
    return Path(target).is_file()


# -- the key ---------------------------------------------------------------------------------


def cipher_env() -> dict[str, str]:
    """The library's cipher settings for the key in the environment, if any."""
    key = os.environ.get(KEY_VARIABLE, "")
    if not key:
        # An explicit empty key, so a stray CIPHER_KEY in the environment cannot switch the
        # library's cipher on behind the user's back.
        return {"CIPHER_KEY": ""}
    try:
        size = len(b64decode(key, validate=True))
    except binascii.Error:
        size = 0
    if size not in (16, 24, 32):
        raise StoreError(_("{variable} is not a key (base64 of 16, 24 or 32 bytes); "
                           "make one with akkoord keygen").format(variable=KEY_VARIABLE))
    return {"CIPHER_TOPIC": CIPHER_TOPIC, "CIPHER_KEY": key}


def check_key(app: Akkoord, shown: str) -> None:
    """Refuses a key that does not open the store, before anything is read or written.

    Trying the first stored event means an import can never add events under another key (or
    in the clear) to a store that is encrypted, and a reader learns at once why it cannot read.
    """
    from eventsourcing.persistence import MapperDeserialisationError

    first = app.recorder.select_notifications(start=None, limit=1)
    if not first:
        return
    try:
        app.mapper.to_domain_event(first[0])
    except MapperDeserialisationError:
        in_the_clear = _is_json(first[0].state)
        if app.mapper.cipher is None and not in_the_clear:
            reason = _("store {store} is encrypted: set {variable} to its key")
        elif app.mapper.cipher is not None and in_the_clear:
            reason = _("store {store} is not encrypted: unset {variable} to use it")
        elif app.mapper.cipher is not None:
            reason = _("store {store} cannot be decrypted with the key in {variable}: wrong key")
        else:
            reason = _("store {store} cannot be read: its first event is damaged")
        raise StoreError(reason.format(store=shown, variable=KEY_VARIABLE)) from None


def _is_json(state: bytes) -> bool:
    try:
        json.loads(state)
    except ValueError:
        return False
    return True


# -- PostgreSQL ------------------------------------------------------------------------------
#
# Several parties share one database: the library's PostgreSQL recorder gives every event a place
# in one global order and turns a second writer's stale decision into a conflict to retry.


def postgres_connection(target: str) -> dict[str, str]:
    """The connection parameters of a ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DB`` URL."""
    shown = shown_target(target)
    try:
        url = urlsplit(target)
    except ValueError as error:
        raise StoreError(_("{store}: {reason}; write {form}").format(
            store=shown, reason=error, form=POSTGRES_URL_FORM)) from None
    if url.query or url.fragment:
        raise StoreError(_("{store}: a store URL takes no options; write {form}").format(
            store=shown, form=POSTGRES_URL_FORM))
    try:
        port = str(url.port or 5432)
    except ValueError:
        raise StoreError(_("{store}: the port is not a number").format(store=shown)) from None
    dbname = unquote(url.path.lstrip("/"))
    if not (url.username and url.hostname and dbname) or "/" in dbname:
        raise StoreError(_("{store} does not name a user, host and database; write {form}")
                         .format(store=shown, form=POSTGRES_URL_FORM))
    return {"dbname": dbname, "host": url.hostname, "port": port,
            "user": unquote(url.username), "password": unquote(url.password or "")}


def postgres_table_names() -> tuple[str, ...]:
    from akkoord.application.service import Akkoord

    # The library names its tables after the application: <name>_events, <name>_snapshots.
    return tuple(f"{Akkoord.name}_{purpose}" for purpose in ("events", "snapshots"))


def _postgres_tables_present(target: str, connection: dict[str, Any]) -> bool:
    try:
        import psycopg
    except ImportError:
        raise StoreError(_("PostgreSQL support is not installed: pip install 'akkoord[postgres]'")
                         ) from None
    try:
        with psycopg.connect(connect_timeout=POSTGRES_CONNECT_TIMEOUT, **connection) as conn:
            found = [conn.execute("SELECT to_regclass(%s)", [name]).fetchone()[0]
                     for name in postgres_table_names()]
    except psycopg.Error as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        raise StoreError(_("store {store} cannot be reached: {reason}").format(
            store=shown_target(target), reason=reason)) from None
    return all(found)


def _postgres_env(target: str, create: bool) -> dict[str, str]:
    """Only a writer that may create (import, record) makes the tables, and only when they are
    missing: a reading command never writes to a shared database, and the parties' importers
    need no right to change its schema once it exists."""
    connection = postgres_connection(target)
    present = _postgres_tables_present(target, connection)
    if not create and not present:
        raise StoreError(
            _("database {database!r} on {host}:{port} holds no akkoord store "
              "(akkoord import creates one)").format(
                database=connection["dbname"], host=connection["host"], port=connection["port"]))
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": connection["dbname"],
        "POSTGRES_HOST": connection["host"],
        "POSTGRES_PORT": connection["port"],
        "POSTGRES_USER": connection["user"],
        "POSTGRES_PASSWORD": connection["password"],
        "POSTGRES_CONNECT_TIMEOUT": str(POSTGRES_CONNECT_TIMEOUT),
        # One command is one thread: a pool of one spares a shared server idle connections.
        "POSTGRES_POOL_SIZE": "1",
        "CREATE_TABLE": "y" if create and not present else "n",
    }


# -- the store -------------------------------------------------------------------------------


def store_env(target: str, create: bool = False) -> dict[str, str]:
    """The eventsourcing environment for a store target (SQLite path or PostgreSQL URL)."""
    from akkoord.store import CHAINED_RECORDERS

    if is_url(target):
        persistence = _postgres_env(target, create)
    elif not create and not Path(target).is_file():
        raise StoreError(_("store {store} does not exist (akkoord import creates a store)")
                         .format(store=shown_target(target)))
    else:
        persistence = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": target,
            "SQLITE_LOCK_TIMEOUT": SQLITE_LOCK_TIMEOUT,
            "CREATE_TABLE": "y" if create else "n",
        }
    # The recorder writes the hash chain in the same transaction as the events it covers.
    persistence["APPLICATION_RECORDER_TOPIC"] = CHAINED_RECORDERS[persistence["PERSISTENCE_MODULE"]]
    return {**persistence, **cipher_env()}


def open_store(target: str | os.PathLike[str], *, create: bool = False,
               views: str | os.PathLike[str] | None = None, decodes_events: bool = True,
               settings: dict[str, str] | None = None) -> Store:
    """The store at ``target``: a SQLite path or a ``postgresql://`` URL.

    ``create``: the store may be created by recording into it (it is created only when events
    are committed). ``views``: where its views live (default: the user's cache folder).
    ``decodes_events``: refuse at once a key that does not open the store (a command that only
    reads the stored bytes, such as ``verify``, passes False). ``settings``: more settings for
    the event-sourcing library (a compressor, say). Nothing is opened until it is used.
    """
    return Store(os.fspath(target), create=create,
                 views=None if views is None else os.fspath(views),
                 decodes_events=decodes_events, settings=settings or {})


def in_memory() -> Akkoord:
    """An application that stores nothing anywhere: to decide what a new store would hold."""
    from akkoord.application.service import Akkoord

    return Akkoord(env={"PERSISTENCE_MODULE": "eventsourcing.popo", **cipher_env()})


class Store:
    """An event store, its application and its views; each is opened on first use."""

    def __init__(self, target: str, *, create: bool, views: str | None, decodes_events: bool,
                 settings: dict[str, str]):
        self.target = target
        self.shown = shown_target(target)
        self.create = create
        if not is_url(target):
            refuse_unusable_path(target, _("store"))
        if views is not None:
            refuse_unusable_path(views, _("views"))
        self.views_path = views
        self.decodes_events = decodes_events
        self.settings = settings

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    @cached_property
    def app(self) -> Akkoord:
        return self._open_app(self.target, self.create)

    def _open_app(self, target: str, create: bool) -> Akkoord:
        from akkoord.application.service import Akkoord

        env = {**store_env(target, create), **self.settings}
        try:
            app = Akkoord(env=env)
        except (sqlite3.Error, OSError, ValueError) as error:
            raise StoreError(self._unreadable(error)) from None
        except Exception as error:  # the library wraps driver errors in its own classes
            if type(error).__module__.startswith(("eventsourcing", "psycopg")):
                raise StoreError(self._unreadable(error)) from None
            raise
        try:
            app.recorder.max_notification_id()
            if self.decodes_events:
                check_key(app, self.shown)
        except StoreError:
            app.close()
            raise
        except (sqlite3.Error, OSError, ValueError) as error:
            app.close()
            raise StoreError(self._unreadable(error)) from None
        except Exception as error:
            app.close()
            if type(error).__module__.startswith(("eventsourcing", "psycopg")):
                raise StoreError(self._unreadable(error)) from None
            raise
        return app

    def _unreadable(self, error: BaseException) -> str:
        return _("store {store} cannot be read: {reason}").format(store=self.shown, reason=error)

    @cached_property
    def keyed(self) -> bool:
        """Whether a key is set: the store is then read, and the views sealed, with its cipher."""
        return "CIPHER_TOPIC" in cipher_env()

    @cached_property
    def views_file(self) -> Path:
        """Where the views live: as named, else the user's cache folder."""
        from akkoord.projections.catchup import default_views_path

        return Path(self.views_path) if self.views_path else default_views_path(self.target)

    @cached_property
    def views(self) -> ViewStore:
        from akkoord.projections.catchup import ViewsRefused, ViewStore, default_views_path

        # With a key, the views are sealed with the store's own cipher: no plaintext copy.
        cipher = self.app.mapper.cipher if self.keyed else None
        try:
            return ViewStore(self.views_file, cipher=cipher,
                             store=None if is_url(self.target) else self.target,
                             own_place=self.views_file == default_views_path(self.target))
        except ViewsRefused as error:
            raise StoreError(str(error)) from None

    def protected_paths(self) -> list[Path]:
        """The files an output must never be: the store's and the views' (with side files)."""
        from akkoord.interchange.output import with_side_files

        store = [] if is_url(self.target) else with_side_files(self.target)
        return store + with_side_files(self.views_file)

    @cached_property
    def events(self) -> EventSource:
        """Where the views read the events: the SQLite file itself when it holds plain JSON
        (no application, no decoding in Python), else the application's recorder."""
        from akkoord.projections.catchup import ApplicationStore, SQLiteStore

        # A file that cannot be attached (missing, encrypted, no store) goes to the application,
        # which opens or refuses it with the reason.
        if not is_url(self.target) and not self.keyed:
            store = SQLiteStore(self.target)
            if store.holds_plain_json(self.views.conn):
                return store
        return ApplicationStore(self.app)

    def catch_up(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Brings the views up to the store's last event; returns that position."""
        with self._reading():
            return self.views.catch_up(self.events, progress)

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Drops the views and reads every event again; returns the position reached."""
        with self._reading():
            return self.views.rebuild(self.events, progress)

    def queries(self, progress: Callable[[int, int], None] | None = None) -> Queries:
        """Answers from the views, caught up with the store first."""
        self.catch_up(progress)
        return self.views.queries()

    @contextlib.contextmanager
    def _reading(self) -> Any:
        try:
            yield
        except sqlite3.DatabaseError as error:
            raise StoreError(self._unreadable(error)) from None

    # -- writing -----------------------------------------------------------------------------

    def record(self, negotiation: str, entries: Iterable[Entry], recorded_by: str,
               progress: Callable[[int], None] | None = None, **options: Any) -> list[int]:
        """Records the entries in one transaction (``Akkoord.record``); returns their positions.

        Into a SQLite path that holds no store yet, the events are committed to a private file
        beside it that then takes the store's name; if another writer created the store
        meanwhile, the entries are decided again and recorded into that store instead.
        """
        if not is_url(self.target):
            _remove_abandoned_scratch(self.target)
        if "app" in self.__dict__ or not self._creates_file():
            return self.app.record(negotiation, entries, recorded_by, progress, **options)
        scratch = self._scratch_path()
        held = _hold(scratch)
        try:
            app = self._open_app(scratch, create=True)
            # No other process opens the file before it takes the store's name: its commits
            # need not reach the disk one by one, for it is synced once, whole, before that.
            app.recorder.private = True
            try:
                positions = app.record(negotiation, entries, recorded_by, progress, **options)
            finally:
                app.close()
            if not positions:
                return positions  # nothing to commit: no store is made
            if _move_into_place(scratch, held, self.target):
                return positions
        finally:
            _remove_sqlite_files(scratch)
            os.close(held)
        return self.app.record(negotiation, entries, recorded_by, progress, **options)

    def _creates_file(self) -> bool:
        return self.create and not is_url(self.target) and not os.path.lexists(self.target)

    def _scratch_path(self) -> str:
        target = Path(self.target)
        return str(target.with_name(f"{_scratch_prefix(target)}{os.urandom(6).hex()}{SCRATCH}"))

    def decide(self, negotiation: str, entries: Iterable[Entry], recorded_by: str,
               progress: Callable[[int], None] | None = None, *,
               after: Decision | None = None, **options: Any) -> Decision:
        """What recording the entries would store, decided as ``record`` would; stores nothing,
        and creates no store (a store that does not exist is decided on as an empty one)."""
        app = self.app if "app" in self.__dict__ or store_exists(self.target) else self._empty
        return app.decide(negotiation, entries, recorded_by, progress, after=after, **options)

    @cached_property
    def _empty(self) -> Akkoord:
        return in_memory()

    def close(self) -> None:
        for name in ("views", "app", "_empty"):
            if name in self.__dict__:
                self.__dict__.pop(name).close()


SCRATCH = ".new"


def _scratch_prefix(target: Path) -> str:
    return f".{target.name}."


def _hold(scratch: str) -> int:
    """Creates the private store's file and holds a lock on it while the import runs: a process
    that ended without removing it (killed, or the machine stopped) holds none."""
    descriptor = os.open(scratch, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
    with contextlib.suppress(ImportError):  # no flock (Windows): nothing is ever removed
        import fcntl

        fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


def _remove_abandoned_scratch(target: str) -> None:
    """Removes the private stores of first imports into ``target`` that no process holds any
    more (an import killed half-way leaves its file, as large as what it had written); one that
    another import is still writing is left alone."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): whether a process holds one is not known
        return
    target_path = Path(target)
    prefix = _scratch_prefix(target_path)
    try:
        names = [name for name in os.listdir(target_path.parent or ".")
                 if name.startswith(prefix) and name.endswith(SCRATCH)]
    except OSError:
        return
    for name in names:
        path = str(target_path.with_name(name))
        try:
            descriptor = os.open(path, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: an import is writing it
            os.close(descriptor)
            continue
        try:
            _remove_sqlite_files(path)
        finally:
            os.close(descriptor)


def _remove_sqlite_files(path: str) -> None:
    """A private store's file and its write-ahead log, those of them that are there."""
    for name in (path, *(path + suffix for suffix in SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _move_into_place(scratch: str, held: int, target: str) -> bool:
    """Gives the committed private store the target's name, unless a store appeared there;
    returns whether it did. The private file's write-ahead log is folded into it and the file
    is synced to the disk first (``held``: a descriptor of it), and its new name after."""
    if not _log_folded_in(scratch):  # the file alone would lack events
        raise StoreError(_("store {store} could not be written: its new file is still in use")
                         .format(store=shown_target(target)))
    os.fsync(held)
    try:
        os.link(scratch, target)  # fails, atomically, if the target exists
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: a narrow window instead of none
        if os.path.lexists(target):
            return False
        os.rename(scratch, target)
    _sync_folder(target)
    return True


def _log_folded_in(path: str) -> bool:
    """Folds a store's write-ahead log into its file; whether it could (no other connection
    held on to it)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA synchronous = OFF")  # the caller syncs the file, once
        busy, _pages, _folded = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return not busy


def _sync_folder(path: str) -> None:
    """Syncs the folder that holds ``path``, so that its new name survives a power cut."""
    with contextlib.suppress(OSError):  # a system that cannot open a folder (Windows)
        folder = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
