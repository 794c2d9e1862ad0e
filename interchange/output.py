"""Writing an output file so that it is whole or not there: never half-written, never onto the store.

Every command that writes a file the user names (``export -o``, ``graph -o``, ``checkpoint -o``,
later ``distribute``/``report -o``) goes through ``write_atomically``: the output is written to a
temporary file in the same folder, flushed to disk, and renamed over the target, so a failed write
(a full disk, an error half-way) leaves the old file as it was and no zero-byte file behind. A
target that is the event store, one of its side files or the views (also through a symlink or a
hard link) is refused before anything is opened.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any, TypeVar

from akkoord.i18n import _

# What SQLite keeps beside a database file while it is in use.
SIDE_FILES = ("-wal", "-shm", "-journal")

T = TypeVar("T")


class OutputRefused(Exception):
    """An output that cannot be written; nothing was written and the old file is intact."""


def with_side_files(path: str | Path) -> list[Path]:
    """A SQLite database file and the files SQLite keeps beside it."""
    return [Path(f"{path}{suffix}") for suffix in ("", *SIDE_FILES)]


def write_atomically(
    path: str | Path,
    write: Callable[[IO[Any]], T],
    *,
    protected: Iterable[str | Path] = (),
    binary: bool = False,
    keep_existing: bool = False,
) -> T:
    """Calls ``write(stream)`` on a temporary file beside ``path``, then renames it into place.

    Returns what ``write`` returned. ``protected`` are files the output must never be (the store,
    its side files, the views); ``keep_existing`` starts the new file with the old one's content
    (an appended line, written whole or not at all). Raises OutputRefused with a message fit for
    the user; an exception raised by ``write`` itself leaves the old file and is passed on.
    """
    target = Path(path)
    _refuse_protected(target, protected)
    if target.is_dir():
        raise OutputRefused(_("cannot write {target!r}: it is a folder").format(target=str(target)))
    folder = target.parent
    try:
        import tempfile  # only when a file is written: every command imports this module

        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputRefused(_("cannot write {target!r}: {value}")
                            .format(target=str(target), value=error.strerror or error)) from None
    try:
        with os.fdopen(descriptor, "wb" if binary else "w",
                       **({} if binary else {"encoding": "utf-8", "newline": ""})) as stream:
            if keep_existing and target.is_file():
                old = target.read_bytes()
                stream.write(old if binary else old.decode("utf-8"))
            result = write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputRefused(_("cannot write {target!r}: {value} (nothing was written)")
                            .format(target=str(target), value=error.strerror or error)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return result


def _refuse_protected(target: Path, protected: Iterable[str | Path]) -> None:
    real = os.path.realpath(target)
    for guarded in protected:
        guarded = Path(guarded)
        same = real == os.path.realpath(guarded)
        if not same and target.exists() and guarded.exists():
            try:
                same = os.path.samefile(target, guarded)  # a hard link
            except OSError:
                same = False
        if same:
            raise OutputRefused(_("will not write {target!r}: {guarded!r} is the store or its views; "
                                  "name another file").format(target=str(target), guarded=str(guarded)))


def _mode_for(target: Path) -> int:
    """The old file's permissions, else what a new file gets under the umask."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
