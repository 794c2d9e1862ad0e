"""The stored notation: how an event's values are written in the store's JSON, both ways.

One module owns it: the transcodings the application stores events with, and the JSON paths by
which the views' SQL reads the same values back (``projections.views`` builds its statements from
these). A value object, date or enum is stored as ``{"_type_": NAME, "_data_": VALUE}``; text,
numbers and lists of them are stored plain; a tuple is a JSON list.
"""

from __future__ import annotations

import types
import typing
from datetime import date
from enum import Enum
from functools import cache
from typing import Any

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Transcoding,
    UUIDAsHex,
)
from eventsourcing.utils import resolve_topic

from akkoord.domain.schema import item_type_of
from akkoord.domain.values import ENUMS, VALUE_CLASSES, Amount

DATE_NAME = "date_iso"


class DateAsISO(Transcoding):
    type = date
    name = DATE_NAME

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class SetAsSortedList(Transcoding):
    type = set
    name = "set"

    def encode(self, obj: set[Any]) -> list[Any]:
        return sorted(obj)

    def decode(self, data: list[Any]) -> set[Any]:
        return set(data)


class EnumAsValue(Transcoding):
    def __init__(self, enum_class: type[Enum]):
        self.type = enum_class
        self.name = f"akkoord.{enum_class.__name__}"

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        return self.type(data)


class DataclassAsDict(Transcoding):
    """A frozen value object as a dict of its fields; lists come back as tuples."""

    def __init__(self, value_class: type):
        self.type = value_class
        self.name = f"akkoord.{value_class.__name__}"

    def encode(self, obj: Any) -> dict[str, Any]:
        # A frozen dataclass's __dict__ holds its fields in declaration order: the same dict
        # as reading them one by one, made once per value instead.
        return obj.__dict__

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def register_transcodings(transcoder: JSONTranscoder) -> None:
    # Event states hold no cycles; the encoder's bookkeeping to detect them costs about a
    # tenth of encoding an event (the bytes written are the same).
    transcoder.encoder.check_circular = False
    transcoder.register(DateAsISO())
    transcoder.register(SetAsSortedList())
    for enum_class in ENUMS:
        transcoder.register(EnumAsValue(enum_class))
    for value_class in VALUE_CLASSES:
        transcoder.register(DataclassAsDict(value_class))


@cache
def stored_event_transcoder() -> JSONTranscoder:
    """The transcoder the application stores events with (the library's and the domain's types)."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    register_transcodings(transcoder)
    return transcoder


def event_from_state(topic: str, state: str | bytes) -> Any:
    """The domain event of a stored event's plain JSON state, without its aggregate id and version.

    For readers that show events as recorded (the log) from a copy of their state.
    """
    event = object.__new__(resolve_topic(topic))
    data = state if isinstance(state, bytes) else state.encode()
    event.__dict__.update(stored_event_transcoder().decode(data))
    return event


# -- reading the stored JSON in SQL -------------------------------------------------------------


def is_wrapped(value_type: Any) -> bool:
    """Whether a value of that type is stored as {"_type_": …, "_data_": …}."""
    return value_type is date or (isinstance(value_type, type) and (
        issubclass(value_type, Enum) or value_type in VALUE_CLASSES))


@cache
def field_type(owner: type, name: str) -> Any:
    """The declared type of a field of an event or value class (``X | None`` as ``X``)."""
    found = typing.get_type_hints(owner)[name]
    if isinstance(found, types.UnionType) or typing.get_origin(found) is typing.Union:
        found = next(a for a in typing.get_args(found) if a is not type(None))
    return found


def read_sql(owner: type, path: str, of: str = "e.state") -> str:
    """SQL reading the field path (``a.b``) of a value of class ``owner`` stored as the JSON
    ``of``: a list as JSON text (``[]`` when absent), a list of amounts as ``[[amount, first
    year, last year or null], …]``, anything else as a plain SQL value."""
    parts, current = ["$"], owner
    for step in path.split("."):
        if is_wrapped(current):
            parts.append("_data_")
        parts.append(step)
        current = field_type(current, step)
    json = ".".join(parts)
    item_type = item_type_of(current)
    if item_type is Amount:
        amount = "a.value"
        return (f"(SELECT json_group_array(json_array({read_sql(Amount, 'amount', amount)}, "
                f"{read_sql(Amount, 'period.first', amount)}, "
                f"{read_sql(Amount, 'period.last', amount)})) FROM json_each({of}, '{json}') AS a)")
    if item_type is not None:
        return f"coalesce(json_extract({of}, '{json}'), '[]')"
    if is_wrapped(current):
        json += "._data_"
    return f"json_extract({of}, '{json}')"


def list_path(path: str) -> str:
    """The JSON path of a top-level list field of an event."""
    return f"$.{path}"


def marker(key: str, value_type: Any) -> tuple[str, int | None]:
    """How a top-level field opens in the compact JSON the transcoder writes, and the length of
    its value after that opening (None: the value is the opening itself, here ``null``)."""
    if value_type is date:
        return f'"{key}":{{"_type_":"{DATE_NAME}","_data_":"', 10
    return f'"{key}":null', None
