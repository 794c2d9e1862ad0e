"""Read models: disposable projections of the events.

sqlite-utils imports numpy and pandas when they are installed, only to map their value types to
column types; akkoord never stores such values. numpy is installed with matplotlib (for the graph
pictures), and importing it would add about a tenth of a second to the start of every command,
so sqlite-utils is imported here first with those two hidden; whoever needs numpy later (the
picture) imports it as usual.
"""

import sys

_HIDDEN = [name for name in ("numpy", "pandas") if name not in sys.modules]
sys.modules.update(dict.fromkeys(_HIDDEN))  # None in sys.modules makes an import fail at once
try:
    import sqlite_utils  # noqa: F401
finally:
    for _name in _HIDDEN:
        del sys.modules[_name]
