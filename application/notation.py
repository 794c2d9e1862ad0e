"""The stored notation: how an event's values are written in the store's JSON, both ways.

One module owns it: the transcodings the application stores events with, and the JSON paths by
which the views' SQL reads the same values back (``projections.views`` builds its statements from
these). A value object, date or enum is stored as ``{"_type_": NAME, "_data_": VALUE}``; text,
numbers and lists of them are stored plain; a tuple is a JSON list.

Stored form 2 adds references (``StoredEventMapper.to_stored_events``): within one import, an
event whose source or origin equals that of the import's first event stores
``{"_type_": "akkoord.SourceOf", "_data_": V}`` or ``{"_type_": "akkoord.OriginOf", "_data_": V}``
in its place, V being the dossier version of that first event (the carrier), which stores the
value itself. A store of form 1 holds no reference; every reader resolves them
(``StoredEventMapper.to_domain_event``, ``event_from_state``, ``projections.records``).
"""

from __future__ import annotations

import dataclasses
import threading
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import Enum
from functools import cache, partial
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.domain import CanSnapshotAggregate
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    Transcoding,
    UUIDAsHex,
)
from eventsourcing.utils import get_topic, resolve_topic

from akkoord.domain.errors import ReferenceBroken
from akkoord.domain.schema import item_type_of, type_hints
from akkoord.domain.values import (
    CARRIED_FIELDS,
    ENUMS,
    VALUE_CLASSES,
    Amount,
    FileOrigin,
    Source,
)

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


@dataclass(frozen=True)
class SourceOf:
    """Stands, in a stored event, for the source of the event of that version (the carrier)."""

    version: int


@dataclass(frozen=True)
class OriginOf:
    """Stands, in a stored event, for the origin of the event of that version (the carrier)."""

    version: int


# Each field that may be stored as a reference, with the reference's class.
REFERENCES: tuple[tuple[str, type], ...] = (("source", SourceOf), ("origin", OriginOf))


class ReferenceAsVersion(Transcoding):
    def __init__(self, reference_class: type):
        self.type = reference_class
        self.name = CARRIED_FIELDS[next(f for f, c in REFERENCES if c is reference_class)]

    def encode(self, obj: Any) -> int:
        return obj.version

    def decode(self, data: Any) -> Any:
        if type(data) is not int:
            raise ValueError(f"{self.name} refers to a version, not {data!r}")
        return self.type(data)


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
    for _field, reference_class in REFERENCES:
        transcoder.register(ReferenceAsVersion(reference_class))


class _Unfit(Exception):
    """A value the fast encoder would not write as the library's encoder does."""


# Distinct values kept as written JSON, at most this many (a file's source and origin and the enum
# members recur in nearly every event; a date is as quickly written again).
FRAGMENTS_KEPT = 4096
# orjson is given only text, whole numbers, lists, mappings, JSON written before and, as the
# ``_data_`` of their transcoding's wrapper, dates and times it writes as their ``isoformat``
# (``_as_written``); should anything else reach it, ``_refuse`` hands the value back to the
# library's encoder (orjson would write a dataclass or an enum natively, not as the transcodings
# do).
ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
# A snapshot's state is given to orjson as it is: it hands every date and time back to ``_ready``.
SNAPSHOT_OPTIONS = ORJSON_OPTIONS | orjson.OPT_PASSTHROUGH_DATETIME


class StoredNotation(JSONTranscoder):
    """The library's JSON transcoder, writing the very same bytes at C speed.

    ``JSONTranscoder.encode`` has ``json`` call back into Python for every date, enum and value
    object of an event (some ten per event), each building a small dict: a third of an import.
    Here each such value is replaced by what its transcoding makes of it first (a date by its
    wrapper, in which orjson writes its ``isoformat``; a value that recurs as the same object, a
    file's source and origin or an enum member, by the JSON written for it the first time), and
    orjson writes the whole, which then holds only text, whole numbers, lists and mappings (and
    those dates): those it writes byte for byte as
    ``json`` does with the library's settings (``separators=(",", ":")``, ``ensure_ascii=False``;
    a test compares them over every character). A value that orjson would write otherwise (a
    float, a key that is not text, a number beyond 64 bits, a subclass of a plain type, a type
    without a transcoding) is never given to it: the library's encoder writes the whole value
    instead, as it always has, or raises its error.
    """

    def __init__(self) -> None:
        super().__init__()
        # The JSON of values that recur as the same object, by identity (the value is kept with
        # it, so that its id is not reused); and of value objects of text alone, by value.
        self._kept: dict[int, tuple[Any, orjson.Fragment]] = {}
        self._by_value: dict[tuple[Any, ...], orjson.Fragment] = {}
        # What is done with a value of each type, worked out on first sight from the
        # transcodings registered: given to orjson as it is, replaced, or left to the library.
        self._passed: set[type] = {str, int, bool, type(None)}
        self._replaced: set[type] = set()
        self._unfit: set[type] = {float}
        # Dates and times written as their ``isoformat`` (every event has two or more), without
        # a call of the transcoding.
        self._iso: dict[type, str] = {}
        # The encoding plan of each event class met (None: the class has none).
        self._plans: dict[type, EncodingPlan | None] = {}

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        for kinds in (self._passed, self._replaced, self._unfit):
            kinds.discard(transcoding.type)
        self._iso.pop(transcoding.type, None)
        if type(transcoding) in (DateAsISO, DatetimeAsISO) and transcoding.type in (date, datetime):
            self._iso[transcoding.type] = transcoding.name
        self._plans.clear()  # a plan is worked out from the transcodings registered

    def encoding_plan(self, event_class: type) -> EncodingPlan | None:
        """The plan by which an event of that class is written (worked out on first sight), or
        None for a class that has none: a snapshot, or a class that is not a dataclass whose
        fields' types are known."""
        try:
            return self._plans[event_class]
        except KeyError:
            plan = self._plans[event_class] = EncodingPlan.of(event_class, self)
            return plan

    def _writer(self, kind: type) -> Callable[[Any], Any] | None | bool:
        """How ``_ready`` makes a value of exactly that type ready for orjson: None, given as it
        is; or the function that makes it ready; or False, if it leaves the value to the
        library's encoder (``EncodingPlan`` then leaves the event to it)."""
        if kind in self._passed:
            return None
        iso = self._iso.get(kind)
        if iso is not None:
            return partial(_time_wrapped, iso)
        if kind in (tuple, list, dict):
            return self._ready
        if kind not in self._replaced and kind not in self._unfit:
            self._sort(kind)
        return self._wrapped if kind in self._replaced else False

    def encode(self, obj: Any) -> bytes:
        if getattr(_WRITING, "snapshot", False):
            return self._encode_snapshot(obj)
        try:
            return _dumped(self._ready(obj))
        except Exception:  # noqa: BLE001 - the library's encoder writes it, or raises its error
            return super().encode(obj)

    def _encode_snapshot(self, obj: Any) -> bytes:
        """A snapshot's state: one large tree of the dossier's registers (text, whole numbers,
        lists), written once per hundred events, with a few times in it. The walk of ``_ready``
        would take longer than the library's encoder; orjson walks it in C and hands each time
        (and anything else it does not write as JSON's own types) back to ``_ready``. orjson
        would write an enum or a UUID natively, not as their transcodings do: a dossier's state
        holds neither (its registers keep an enum's value), which tests/test_stored_notation.py
        holds to the library's bytes for a dossier of every event type."""
        try:
            return orjson.dumps(obj, default=self._snapshot_value, option=SNAPSHOT_OPTIONS)
        except Exception:  # noqa: BLE001 - the library's encoder writes it, or raises its error
            return super().encode(obj)

    def _snapshot_value(self, value: Any) -> Any:
        """A value of a snapshot that orjson hands back. A date or time is wrapped with its
        ``isoformat`` as text: given back as itself (``_as_written``), it would be handed back
        again, until orjson's recursion limit sent the whole snapshot to the library's encoder."""
        iso = self._iso.get(type(value))
        if iso is not None:
            return {"_type_": iso, "_data_": value.isoformat()}
        return self._ready(value)

    def _ready(self, value: Any) -> Any:
        """The value in plain JSON types and JSON written before, as orjson is to be given it;
        raises _Unfit for a value that orjson would write otherwise than json. (A key that is
        not text orjson refuses itself.)"""
        kind = type(value)
        passed = self._passed
        if kind in passed:
            return value
        if kind is dict:
            # The common values of an event settled here, without a call each (this runs for
            # every event recorded, twice).
            ready, isos, kept = value, self._iso, self._kept
            for key, inner in value.items():
                inner_kind = type(inner)
                if inner_kind in passed:
                    continue
                if inner_kind is tuple:
                    for item in inner:
                        if type(item) not in passed:
                            break
                    else:
                        continue  # empty, or of text
                if ready is value:
                    ready = dict(value)
                iso = isos.get(inner_kind)
                if iso is not None:
                    ready[key] = {"_type_": iso, "_data_": _as_written(inner)}  # _time_wrapped
                    continue
                found = kept.get(id(inner))
                ready[key] = (found[1] if found is not None and found[0] is inner
                              else self._ready(inner))
            return ready
        if kind is tuple or kind is list:
            for item in value:
                if type(item) not in passed:
                    return [self._ready(item) for item in value]
            return value
        iso = self._iso.get(kind)
        if iso is not None:
            return _time_wrapped(iso, value)
        if kind in self._replaced:
            return self._wrapped(value)
        if kind not in self._unfit:
            self._sort(kind)
            return self._ready(value)
        raise _Unfit

    def _sort(self, kind: type) -> None:
        if kind not in self.types or issubclass(kind, _NATIVE):
            # json writes a subclass of its types natively; the library refuses a type it has
            # no transcoding for
            self._unfit.add(kind)
        else:
            self._replaced.add(kind)

    def _wrapped(self, value: Any) -> Any:
        """A value of a transcoding as the library writes it: ``{"_type_": …, "_data_": …}``."""
        kept = self._kept.get(id(value))
        if kept is not None and kept[0] is value:
            return kept[1]
        kind = type(value)
        key = None
        if kind in _KEPT:
            # by the values themselves (text, hashed and compared in C), not the dataclass's
            # own hash and equality
            key = (kind, value) if isinstance(value, Enum) else (kind, *value.__dict__.values())
            fragment = self._by_value.get(key)
            if fragment is not None:
                return fragment
        transcoding = self.types[kind]
        data = transcoding.encode(value)
        wrapped = {"_type_": transcoding.name,
                   "_data_": data if type(data) is str else self._ready(data)}
        if kind in _REFERENCES:
            # One reference object serves a whole import: its JSON is kept by identity.
            if len(self._kept) >= 2 * FRAGMENTS_KEPT:
                self._kept.clear()
                self._by_value.clear()
            fragment = orjson.Fragment(_dumped(wrapped))
            self._kept[id(value)] = (value, fragment)
            return fragment
        if kind not in _KEPT or not _keepable(value):
            return wrapped
        if len(self._by_value) >= FRAGMENTS_KEPT:
            self._kept.clear()
            self._by_value.clear()
        fragment = self._by_value[key] = orjson.Fragment(_dumped(wrapped))
        self._kept[id(value)] = (value, fragment)
        return fragment


# Set in the thread writing a snapshot, for the time it takes (``StoredEventMapper``).
_WRITING = threading.local()


def _as_written(value: date | datetime) -> date | datetime | str:
    """A date or time (of exactly those types) as orjson is to be given it: itself where orjson
    writes exactly its ``isoformat``, a date and a time in UTC or without a zone, some ten times
    as fast (tests/test_stored_notation.py compares them over the years 1 to 9999); else that
    ``isoformat``."""
    if type(value) is date or value.tzinfo is None or value.tzinfo is timezone.utc:
        return value
    return value.isoformat()


def _time_wrapped(name: str, value: date | datetime) -> dict[str, Any]:
    """A date or time as its transcoding (named ``name``) wraps it, ready for orjson."""
    return {"_type_": name, "_data_": _as_written(value)}


def _refuse(value: Any) -> Any:
    raise _Unfit


def _dumped(ready: Any) -> bytes:
    """What orjson writes for a value made ready (``_ready``); raises on anything else. Its bytes
    are copied into bytes of their own length: the ones it returns keep the memory of its 8 KiB
    buffer, so a page of a thousand events held 8 MB, not 0.7."""
    return bytes(memoryview(orjson.dumps(ready, default=_refuse, option=ORJSON_OPTIONS)))


# The fields of an event that the library's mapper takes out of its state: they are the stored
# event's own (``Mapper.to_stored_event``).
ORIGINATOR_FIELDS = ("originator_id", "originator_version")

# A field's layout entry: its name, the name of its date or time transcoding (or None), and the
# writer of its value otherwise (``StoredNotation._writer``).
LayoutEntry = tuple[str, str | None, Callable[[Any], Any]]


class EncodingPlan:
    """How the events of one class are stored: what the library's mapper and encoder make of
    them (``Mapper.to_stored_event``, ``JSONTranscoder.encode``), by a plan worked out once per
    class.

    For each event the library copies its state, takes the originator's id and version out of it
    and adds the class version; ``StoredNotation._ready`` then finds what each value is, by its
    type. A plan knows the fields of its class in their order and, for each, the types it
    declares and how a value of each is made ready for orjson (``StoredNotation._writer``:
    ``_ready``'s rules, not another copy of them); for each combination of value types met it
    keeps the few fields whose value is not given to orjson as it is (``_layout``). The state for
    orjson is then a copy made in C, those few values replaced. An event it does not expect
    (other fields, or a value of a type its field does not declare: None where a date is
    declared, a subclass, a float) it leaves to the library's way, so the bytes are always the
    library's.
    """

    def __init__(self, event_class: type, notation: StoredNotation,
                 declared: Mapping[str, tuple[type, ...]]):
        self.topic = get_topic(event_class)
        # The event's state as the dataclass makes it: its keys, and the fields after the
        # originator's, each with a writer for each type it declares.
        self.keys = tuple(declared)
        self.names = self.keys[len(ORIGINATOR_FIELDS):]
        self.writers = tuple(
            {kind: writer for kind in declared[name]
             if (writer := notation._writer(kind)) is not False}
            for name in self.names)
        class_version = getattr(event_class, "class_version", 1)
        self.class_version = class_version if class_version > 1 else None
        self._notation = notation
        # By the types of an event's values: the fields to replace, or False where a value is of
        # a type its field does not declare.
        self._layouts: dict[tuple[type, ...], tuple[LayoutEntry, ...] | bool] = {}

    @classmethod
    def of(cls, event_class: type, notation: StoredNotation) -> EncodingPlan | None:
        if not dataclasses.is_dataclass(event_class) or issubclass(event_class,
                                                                   CanSnapshotAggregate):
            return None
        try:
            hints = type_hints(event_class)
        except Exception:  # noqa: BLE001 - types not known here: the library's way writes it
            return None
        fields = tuple(field.name for field in dataclasses.fields(event_class))
        if fields[:len(ORIGINATOR_FIELDS)] != ORIGINATOR_FIELDS:
            return None
        return cls(event_class, notation, {name: _declared_types(hints[name]) for name in fields})

    def stored_event(self, state: Mapping[str, Any],
                     references: Iterable[tuple[str, Any]] = ()) -> StoredEvent | None:
        """The stored event of an event of this class whose state (``__dict__``) is ``state``,
        with ``references`` (field, reference) stored in those fields' places (stored form 2);
        None where the plan does not expect the event, for the library's way to write it."""
        if tuple(state) != self.keys:
            return None
        values = state.values()
        kinds = tuple(map(type, values))
        layout = self._layouts.get(kinds)
        if layout is None:
            layout = self._layout(kinds)
        if layout is False:
            return None
        # A copy of the whole state is made in C a tenth as fast as one of its fields after
        # the originator's; those are then taken out, as the library's mapper takes them.
        ready = dict(state)
        for name in ORIGINATOR_FIELDS:
            del ready[name]
        notation = self._notation
        kept = notation._kept
        try:
            # What ``_ready`` does for each of these values, inline, as it does it (a call per
            # value would cost a tenth of the event).
            for name, iso, writer in layout:  # type: ignore[union-attr]
                value = ready[name]
                if iso is not None:
                    ready[name] = {"_type_": iso, "_data_": _as_written(value)}  # _time_wrapped
                    continue
                found = kept.get(id(value))
                ready[name] = (found[1] if found is not None and found[0] is value
                               else writer(value))
            for name, reference in references:
                ready[name] = notation._wrapped(reference)
            if self.class_version is not None:
                ready["class_version"] = self.class_version
            encoded = _dumped(ready)
        except Exception:  # noqa: BLE001 - left to the library's encoder, which writes or raises
            return None
        # (the fields in the dataclass's order: a call by keywords costs a quarter more)
        return StoredEvent(state["originator_id"], state["originator_version"], self.topic,
                           encoded)

    def _layout(self, kinds: tuple[type, ...]) -> tuple[LayoutEntry, ...] | bool:
        layout: list[LayoutEntry] | bool = []
        for name, writers, kind in zip(self.names, self.writers,
                                       kinds[len(ORIGINATOR_FIELDS):]):
            writer = writers.get(kind, False)
            if writer is False:
                layout = False
                break
            if writer is not None:
                layout.append((name, self._notation._iso.get(kind), writer))
        if len(self._layouts) >= LAYOUTS_KEPT:  # unexpected values of ever new types
            self._layouts.clear()
        found = self._layouts[kinds] = layout if layout is False else tuple(layout)
        return found


# Layouts kept per event class: a class's optional fields make a few dozen at most.
LAYOUTS_KEPT = 256


def _declared_types(hint: Any) -> tuple[type, ...]:
    """The types a field's value may have, as its type hint declares them: none for a hint that
    names no class (``Any``, a type variable), and so no value the plan expects."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return tuple(kind for arg in typing.get_args(hint) for kind in _declared_types(arg))
    if hint is None:
        return (type(None),)
    supertype = getattr(hint, "__supertype__", None)  # a NewType
    if supertype is not None:
        return _declared_types(supertype)
    origin = typing.get_origin(hint)  # tuple[str, ...], dict[str, str]
    if isinstance(origin, type):
        return (origin,)
    return (hint,) if isinstance(hint, type) else ()


class StoredEventMapper(Mapper):
    """The library's mapper, which has a snapshot written by ``StoredNotation``'s way for
    snapshots (``_encode_snapshot``), writes an import's events in stored form 2 and resolves
    the references of any event it reads."""

    # False: every event stores its own source and origin (stored form 1), as before form 2.
    refers = True
    # Reads the stored event of (dossier id, version), for the references (the application
    # gives it its recorder's lookup by the primary key).
    read_carrier: Callable[[Any, int], StoredEvent | None] | None = None

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Carriers read, decoded, by (dossier id, version): an import has one, and a replay
        # meets them in turn.
        self._carriers: dict[tuple[Any, int], Mapping[str, Any]] = {}

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        transcoder = self.transcoder
        if not (isinstance(domain_event, CanSnapshotAggregate)
                and isinstance(transcoder, StoredNotation)):
            return super().to_stored_event(domain_event)
        _WRITING.snapshot = True
        try:
            return super().to_stored_event(domain_event)
        finally:
            _WRITING.snapshot = False

    def to_stored_events(self, events: Iterable[Any]) -> Iterator[StoredEvent]:
        """The events of one insert (one import) as stored: the first with its own source and
        origin, each later one with a reference where its value equals the first's.

        Each is written by its class's encoding plan where it has one (``EncodingPlan``), else
        the library's way; a compressor or cipher changes the bytes after the encoding, and takes
        the library's way always."""
        planned = (isinstance(self.transcoder, StoredNotation)
                   and not self.compressor and not self.cipher)
        carried: list[tuple[str, Any, Any]] | None = None
        for event in events:
            if carried is None:
                carried = [] if not self.refers else [
                    (field, value, reference(event.originator_version))
                    for field, reference in REFERENCES
                    if (value := event.__dict__.get(field)) is not None]
                references = []
            else:
                references = _references(event, carried) if carried else []
            plan = self.transcoder.encoding_plan(type(event)) if planned else None
            stored = None if plan is None else plan.stored_event(event.__dict__, references)
            yield stored if stored is not None else self.to_stored_event(
                _referring(event, references))

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event = super().to_domain_event(stored_event)
        if _refers(event.__dict__):
            resolve_references(event.__dict__, self._carrier(stored_event.originator_id))
        return event

    def _carrier(self, dossier_id: Any) -> Callable[[int], Mapping[str, Any]]:
        def carrier(version: int) -> Mapping[str, Any]:
            key = (dossier_id, version)
            found = self._carriers.get(key)
            if found is None:
                stored = None if self.read_carrier is None else self.read_carrier(dossier_id,
                                                                                  version)
                if stored is None:
                    raise ReferenceBroken(version, "source/origin", dossier_id)
                if len(self._carriers) >= CARRIERS_KEPT:
                    self._carriers.clear()
                found = self._carriers[key] = super(StoredEventMapper, self).to_domain_event(
                    stored).__dict__
            return found

        return carrier


CARRIERS_KEPT = 64


def resolve_references(state: dict[str, Any], carrier: Callable[[int], Mapping[str, Any]]) -> None:
    """Replaces each reference in a decoded event state by the carrier's value: the one place
    where the domain's readers (the mapper, ``event_from_state``) resolve them. A carrier stores
    its values itself, so what it holds is the value."""
    for field, reference in REFERENCES:
        found = state.get(field)
        if type(found) is reference:
            value = carrier(found.version).get(field)
            if value is None or type(value) in (SourceOf, OriginOf):
                raise ReferenceBroken(found.version, field, state.get("originator_id", "?"))
            state[field] = value


@cache
def _views_read(event_class: type) -> frozenset[str]:
    """The fields of REFERENCES that a view's SQL reads from the stored JSON of that event type:
    stored in full always, so that SQL never has to follow a reference."""
    read = {column.split(".")[0] for row in getattr(event_class, "ROWS", ())
            for _name, column in row.columns if not column.startswith("each.")}
    return frozenset(read & {field for field, _reference in REFERENCES})


def _references(event: Any, carried: list[tuple[str, Any, Any]]) -> list[tuple[str, Any]]:
    """(field, reference) for each field of the event stored as a reference: its value equals
    the carrier's, and no view reads it."""
    state = event.__dict__
    references = []
    for field, value, reference in carried:  # (a loop: a comprehension is a call more per event)
        found = state.get(field)
        if ((found is value or (found is not None and found == value))
                and field not in _views_read(type(event))):
            references.append((field, reference))
    return references


def _referring(event: Any, references: list[tuple[str, Any]]) -> Any:
    """The event as it is stored: itself, or a copy of it (the same class, never a snapshot)
    with those references in their fields' places, for the library's mapper to write."""
    if not references:
        return event
    replaced = object.__new__(type(event))
    replaced.__dict__.update(event.__dict__)
    replaced.__dict__.update(references)
    return replaced


def _refers(state: Mapping[str, Any]) -> bool:
    """Whether a decoded state holds a reference to its import's first event."""
    return type(state.get("source")) is SourceOf or type(state.get("origin")) is OriginOf


# Types that json writes natively, whatever the transcoder registers for a subclass of them.
_NATIVE = (str, int, float, list, tuple, dict)


def _keepable(value: Any) -> bool:
    """Whether a value's written JSON may be kept for every value equal to it: an enum member, or
    a value object of text alone (equal numbers of different types, 1 and 1.0, are written
    differently)."""
    if isinstance(value, Enum):
        return True
    return all(type(part) is str or part is None for part in value.__dict__.values())


_KEPT = frozenset({*ENUMS, Source, FileOrigin})
_REFERENCES = frozenset({reference for _field, reference in REFERENCES})


@cache
def stored_event_transcoder() -> JSONTranscoder:
    """The transcoder the application stores events with (the library's and the domain's types)."""
    transcoder = StoredNotation()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    register_transcodings(transcoder)
    return transcoder


def event_from_state(topic: str, state: str | bytes,
                     carrier: Callable[[int], Mapping[str, Any]] | None = None) -> Any:
    """The domain event of a stored event's plain JSON state, without its aggregate id and version.

    For readers that show events as recorded (the log) from a copy of their state. ``carrier``
    gives the state (``vars``) of the dossier's event of a version, for an event that refers to
    its import's first event (stored form 2).
    """
    event = object.__new__(resolve_topic(topic))
    data = state if isinstance(state, bytes) else state.encode()
    decoded = stored_event_transcoder().decode(data)
    if _refers(decoded):
        if carrier is None:
            raise ValueError("the state refers to its import's first event: a carrier is needed")
        resolve_references(decoded, carrier)
    event.__dict__.update(decoded)
    return event


# -- reading the stored JSON in SQL -------------------------------------------------------------


def is_wrapped(value_type: Any) -> bool:
    """Whether a value of that type is stored as {"_type_": …, "_data_": …}."""
    return value_type is date or (isinstance(value_type, type) and (
        issubclass(value_type, Enum) or value_type in VALUE_CLASSES))


@cache
def field_type(owner: type, name: str) -> Any:
    """The declared type of a field of an event or value class (``X | None`` as ``X``)."""
    found = type_hints(owner)[name]
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
