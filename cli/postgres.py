"""A store in PostgreSQL, named by a ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DB`` URL.

Several parties share one database: the library's PostgreSQL recorder gives every event a place
in one global order and turns a second writer's stale decision into a conflict to retry.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from akkoord.cli.session import UsageError, shown_target
from akkoord.application.service import Akkoord

CONNECT_TIMEOUT = 10
URL_FORM = "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"


def postgres_env(target: str, create: bool) -> dict[str, str]:
    """The eventsourcing environment for a PostgreSQL store.

    Only ``akkoord import`` (create) makes the tables, and only when they are missing: a
    reading command never writes to a shared database, and the parties' importers need no
    right to change its schema once it exists.
    """
    connection = connection_parameters(target)
    present = _store_tables_present(target, connection)
    if not create and not present:
        raise UsageError(
            f"database {connection['dbname']!r} on {connection['host']}:{connection['port']} "
            "holds no akkoord store (akkoord import creates one)"
        )
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": connection["dbname"],
        "POSTGRES_HOST": connection["host"],
        "POSTGRES_PORT": connection["port"],
        "POSTGRES_USER": connection["user"],
        "POSTGRES_PASSWORD": connection["password"],
        "POSTGRES_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        # One command is one thread: a pool of one spares a shared server idle connections.
        "POSTGRES_POOL_SIZE": "1",
        "CREATE_TABLE": "y" if create and not present else "n",
    }


def connection_parameters(target: str) -> dict[str, str]:
    url = urlsplit(target)
    if url.query or url.fragment:
        raise UsageError(f"{shown_target(target)}: a store URL takes no options; write {URL_FORM}")
    try:
        port = str(url.port or 5432)
    except ValueError:
        raise UsageError(f"{shown_target(target)}: the port is not a number") from None
    dbname = unquote(url.path.lstrip("/"))
    if not (url.username and url.hostname and dbname) or "/" in dbname:
        raise UsageError(f"{shown_target(target)} does not name a user, host and database; "
                         f"write {URL_FORM}")
    return {"dbname": dbname, "host": url.hostname, "port": port,
            "user": unquote(url.username), "password": unquote(url.password or "")}


def table_names() -> tuple[str, ...]:
    # The library names its tables after the application: <name>_events, <name>_snapshots.
    return tuple(f"{Akkoord.name}_{purpose}" for purpose in ("events", "snapshots"))


def _store_tables_present(target: str, connection: dict[str, Any]) -> bool:
    try:
        import psycopg
    except ImportError:
        raise UsageError("PostgreSQL support is not installed: pip install 'akkoord[postgres]'") from None
    try:
        with psycopg.connect(connect_timeout=CONNECT_TIMEOUT, **connection) as conn:
            found = [conn.execute("SELECT to_regclass(%s)", [name]).fetchone()[0]
                     for name in table_names()]
    except psycopg.Error as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        raise UsageError(f"store {shown_target(target)} cannot be reached: {reason}") from None
    return all(found)
