"""The stable topic of each stored event class: ``akkoord:<event type>``.

Kept apart from the event classes so that the views can name events by topic without importing
the domain model (and the event-sourcing library) on every command.
"""

PREFIX = "akkoord:"


def topic_of(name: str) -> str:
    return PREFIX + name
