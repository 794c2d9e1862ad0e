"""The fast tier: log files decided by the application in memory (``POPO`` persistence), with the
refusal worded as the command line words it (file, event, reason). Rule tests run here in
milliseconds; the command-line tests check the wiring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from akkoord.application.service import Akkoord
from akkoord.domain.errors import EventRefused, Refusal
from akkoord.interchange.logformat import FileRefused, entry_from_record, read_log_file

NEGOTIATION = "test-dossier"


def memory_app() -> Akkoord:
    return Akkoord(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def stored(app: Akkoord) -> int:
    """How many events the store holds."""
    return app.recorder.max_notification_id() or 0


def import_file(app: Akkoord, path: Path, again: bool = False) -> list[int]:
    """Records a log file as ``akkoord import`` does; raises FileRefused worded as it is."""
    log_file = read_log_file(str(path))
    try:
        return app.record(log_file.negotiation, log_file.entries, "test-recorder",
                          origin=log_file.origin, again=again)
    except EventRefused as refusal:
        raise log_file.refusal(refusal.index, refusal.reason, refusal.event_type) from None
    except Refusal as refusal:
        raise FileRefused(str(path), str(refusal)) from None


def refusal_of(app: Akkoord, path: Path) -> str | None:
    """The refusal of a log file, as the command line prints it, or None if it was stored."""
    try:
        import_file(app, path)
    except FileRefused as refused:
        return str(refused)
    return None


def record(app: Akkoord, events: list[dict[str, Any]], negotiation: str = NEGOTIATION) -> list[int]:
    """Records events given as log-format records (no file)."""
    return app.record(negotiation, [entry_from_record(e) for e in events], "test-recorder")
