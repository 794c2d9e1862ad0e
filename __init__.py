"""akkoord: an event-sourced register of negotiations between public bodies.

The repository keeps the folders of the design card at its top (``domain/``, ``projections/``,
``cli/`` …); ``pyproject.toml`` maps this folder to the one import name ``akkoord``, so an
installed akkoord adds no top-level package but this one.
"""

__version__ = "0.2.0"
