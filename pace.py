"""How often akkoord's processes look for garbage cycles: one pace, for a command's start and for
a recording (``cli.main``, ``application.service``). A light module: the command line reads it
before it loads anything it decides with.

Python collects its youngest generation after every 700 new objects. Nearly all that a command's
start makes are its modules' classes and functions, which live as long as the process, and a
recorded batch makes some ten objects per event, nearly none in cycles, freed within a chunk: at
Python's pace both are gone through again and again for cycles that are not there (an import of
10 events: 459M instructions, 447M at this pace; a large import spends some 5% looking).
Memory stays bounded by the chunk.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

COLLECT_AFTER = 100_000


def collect_rarely() -> None:
    """Sets the pace for the rest of the process (a command's)."""
    gc.set_threshold(COLLECT_AFTER, *gc.get_threshold()[1:])


@contextlib.contextmanager
def rare_garbage_collection() -> Iterator[None]:
    """The pace while a batch is recorded, Python's own again after it (for a process that goes
    on: a test, the web server)."""
    threshold = gc.get_threshold()
    collect_rarely()
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
