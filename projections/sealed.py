"""Views kept encrypted at rest, for a store whose events are encrypted.

The views database lives in memory and reaches the disk only as one ciphertext (the serialized
SQLite database, encrypted with the store's own cipher), so no page, journal, WAL or temporary
file ever holds the dossier in the clear. Two readers that catch up at once each write a whole,
consistent copy; the last one replaces the file atomically.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from akkoord.i18n import _

SIDE_FILES = ("-wal", "-shm", "-journal")
# The first bytes of a sealed views file: what tells akkoord's own ciphertext from someone's file.
MAGIC = b"akkoord sealed views\n"


def is_sealed(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(MAGIC)) == MAGIC


def open_sealed(path: Path, cipher: Any, disposable: bool = False) -> sqlite3.Connection:
    """An in-memory copy of the sealed views at ``path`` (empty if there are none yet).

    A file that is neither sealed views nor plain ones is refused, unless it is ``disposable``
    (akkoord's own place for views, where an older akkoord may have sealed without the mark)."""
    connection = sqlite3.connect(":memory:")
    try:
        sealed = path.read_bytes()
    except FileNotFoundError:
        sealed = b""
    if sealed and not disposable and not sealed.startswith((MAGIC, b"SQLite format 3\x00")):
        from akkoord.projections.catchup import ViewsRefused

        raise ViewsRefused(_("views {named} holds something other than akkoord's views; it is"
                             " left as it is: name another file with --views")
                           .format(named=repr(str(path))))
    if sealed:
        try:
            connection.deserialize(cipher.decrypt(sealed.removeprefix(MAGIC)))
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except (ValueError, sqlite3.DatabaseError):
            # Views of another key, or a plain file left at this place: views are disposable,
            # so they are built again from the store.
            connection.close()
            connection = sqlite3.connect(":memory:")
    connection.execute("PRAGMA temp_store = MEMORY")
    return connection


def seal(connection: sqlite3.Connection, path: Path, cipher: Any) -> None:
    """Writes the in-memory views to ``path`` as one ciphertext, replacing what was there."""
    sealed = MAGIC + cipher.encrypt(connection.serialize())
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(sealed)
    os.replace(temporary, path)
    for suffix in SIDE_FILES:  # a plain database's leftovers would hold plaintext
        Path(f"{path}{suffix}").unlink(missing_ok=True)
