"""The errors the domain raises: a refusal says, in the user's words, why a fact cannot be recorded."""

from akkoord.i18n import _


class Refusal(ValueError):
    """An event breaks a rule of the negotiation log; nothing of it may be stored."""


class EventRefused(Refusal):
    """A refusal located at the index of the event in the batch being recorded."""

    def __init__(self, index: int, event_type: str, reason: str):
        super().__init__(_("event {index} ({event_type}): {reason}").format(
            index=index, event_type=event_type, reason=reason))
        self.index = index
        self.event_type = event_type
        self.reason = reason


class ReferenceBroken(ValueError):
    """A stored event refers to its import's first event for a value (stored form 2) that the
    store does not hold: the store was changed outside akkoord."""

    def __init__(self, version: int, field: str, dossier: object):
        super().__init__(_(
            "a stored event of dossier {dossier} takes its {field} from the event of version "
            "{version}, which the store does not hold or which has none: the store was changed "
            "outside akkoord (akkoord verify says where)").format(
                dossier=dossier, field=field, version=version))


class DossierNotFound(LookupError):
    """No dossier with that slug is recorded in the store."""


class AlreadyRecorded(Refusal):
    """The events of a file were recorded in the dossier before (``again`` records them anyway)."""

    def __init__(self, recorded_at: str, recorded_by: str, positions: tuple[int, int]):
        super().__init__(_(
            "these events were already recorded in this dossier on {recorded_at} by "
            "{recorded_by}, at positions {first}-{last} (import again with --again to record "
            "them anyway)").format(recorded_at=recorded_at, recorded_by=recorded_by,
                                   first=positions[0], last=positions[1]))
        self.recorded_at = recorded_at
        self.recorded_by = recorded_by
        self.positions = positions
