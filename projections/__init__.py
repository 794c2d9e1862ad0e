"""Read models: disposable projections of the events.

sqlite-utils imports numpy and pandas when they are installed, only to map their value types to
column types; akkoord never stores such values. numpy is installed with matplotlib (for the graph
pictures), and importing it would add about a tenth of a second to a command, so sqlite-utils is
imported through ``sqlite_utils()`` with those two hidden, and only by what makes tables (reading
views that are in order needs no sqlite-utils at all); whoever needs numpy later (the picture)
imports it as usual.
"""

import sys
from types import ModuleType


def sqlite_utils() -> ModuleType:
    """The sqlite-utils module, imported with numpy and pandas hidden."""
    hidden = [name for name in ("numpy", "pandas") if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))  # None in sys.modules makes an import fail at once
    try:
        import sqlite_utils as module
    finally:
        for name in hidden:
            del sys.modules[name]
    return module
