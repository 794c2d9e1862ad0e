"""The errors the domain raises: a refusal says, in the user's words, why a fact cannot be recorded."""


class Refusal(ValueError):
    """An event breaks a rule of the negotiation log; nothing of it may be stored."""


class EventRefused(Refusal):
    """A refusal located at the index of the event in the batch being recorded."""

    def __init__(self, index: int, event_type: str, reason: str):
        super().__init__(f"event {index} ({event_type}): {reason}")
        self.index = index
        self.event_type = event_type
        self.reason = reason


class DossierNotFound(LookupError):
    """No dossier with that slug is recorded in the store."""
