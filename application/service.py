"""The service layer: records batches of events in dossiers, whole or not at all.

Storage is chosen by the caller through the ``eventsourcing`` environment (SQLite file,
PostgreSQL); this module knows only that it appends to an event store.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import itertools
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from enum import Enum
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    IntegrityError,
    JSONTranscoder,
    Transcoding,
    UUIDAsHex,
)
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import resolve_topic

from akkoord.domain.errors import DossierNotFound, EventRefused, Refusal
from akkoord.domain.negotiation import Negotiation
from akkoord.domain.values import ENUMS, VALUE_CLASSES

CONFLICT_RETRIES = 20
BACK_OFF_SECONDS = 0.02
SNAPSHOT_EVERY = 500
# Entries decided between two hand-overs to the recorder when a batch is streamed.
STREAM_CHUNK = 5_000
GC_THRESHOLD_WHILE_RECORDING = 100_000


@dataclasses.dataclass(frozen=True)
class Entry:
    """One event to record: its type and its fields (common ones included)."""

    type: str
    fields: dict[str, Any]


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

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


def event_from_state(topic: str, state: str | bytes) -> Negotiation.Event:
    """The domain event of a stored event's plain JSON state, without its aggregate id and version.

    For readers that show events as recorded (the log) from a copy of their state.
    """
    event = object.__new__(resolve_topic(topic))
    data = state if isinstance(state, bytes) else state.encode()
    event.__dict__.update(stored_event_transcoder().decode(data))
    return event


class Akkoord(Application):
    """The negotiation register: dossiers of immutable events."""

    name = "akkoord"
    is_snapshotting_enabled = True

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    def dossier(self, negotiation: str) -> Negotiation:
        try:
            return self.repository.get(Negotiation.create_id(negotiation))
        except AggregateNotFoundError:
            raise DossierNotFound(negotiation) from None

    def record(
        self,
        negotiation: str,
        entries: Iterable[Entry],
        recorded_by: str,
        progress: Callable[[int], None] | None = None,
    ) -> list[int]:
        """Records the entries in the dossier in one transaction; returns their positions.

        Raises EventRefused (nothing stored) when an entry breaks a rule. When another writer
        stored events in the dossier first, the whole batch is decided again on fresh state, so
        ``entries`` is iterated once per attempt (a list, or entries read again from a file).
        ``progress`` is told how many entries are decided, every STREAM_CHUNK entries.
        """
        with _rare_garbage_collection():
            for attempt in range(CONFLICT_RETRIES):
                try:
                    with self._deciding(negotiation):
                        return self._record_once(negotiation, entries, recorded_by, progress)
                except IntegrityError:
                    _back_off(attempt)
                    continue
        raise Refusal(
            f"dossier {negotiation!r} kept changing under this import "
            f"({CONFLICT_RETRIES} tries); try again"
        )

    def _deciding(self, negotiation: str) -> contextlib.AbstractContextManager[Any]:
        """The recorder's lock on deciding and appending in the dossier, where it has one: held
        from before the dossier is loaded until its events are stored, so writers take turns
        instead of losing races (the retries above are then only a safety net)."""
        deciding = getattr(self.recorder, "deciding", None)
        if deciding is None:
            return contextlib.nullcontext()
        return deciding(Negotiation.create_id(negotiation))

    def construct_repository(self) -> Repository[UUID]:
        # A retry after a conflict must decide on what the store holds now; a cached dossier
        # (which the environment could switch on) might be the stale one that lost. Each
        # command is one short process, so a cache would gain nothing anyway.
        repository = super().construct_repository()
        repository.cache = None
        return repository

    def _record_once(
        self,
        negotiation: str,
        entries: Iterable[Entry],
        recorded_by: str,
        progress: Callable[[int], None] | None,
    ) -> list[int]:
        """One attempt. A batch of one chunk is saved as the library saves; a larger batch is
        stored as it is decided: its events go to the recorder in one insert (so in one
        transaction) while later entries are still being read and decided, and a refusal
        half-way rolls all of it back. A million events then never sit in memory."""
        dossier = self._load(negotiation)
        first_new_version = (dossier.version if dossier is not None else 0) + 1
        chunks = self._decided_chunks(negotiation, dossier, entries, recorded_by, progress)
        first = next(chunks, None)
        if first is None:
            return []
        dossier, events = first
        second = next(chunks, None)
        if second is None:
            recordings = self.save(*events)
        else:
            stored = (self.mapper.to_stored_event(event)
                      for _dossier, chunk in itertools.chain([first, second], chunks)
                      for event in chunk)
            if isinstance(self.recorder, SQLiteApplicationRecorder):
                positions = self.recorder.insert_events(stored)  # type: ignore[arg-type]
            else:  # a recorder that needs the whole list (PostgreSQL's takes it as one array)
                positions = self.recorder.insert_events(list(stored))
            recordings = None
        self._snapshot_now_and_then(dossier, first_new_version)
        if recordings is not None:
            return [recording.notification.id for recording in recordings]
        return list(positions or [])

    def _load(self, negotiation: str) -> Negotiation | None:
        try:
            return self.dossier(negotiation)
        except DossierNotFound:
            return None

    def _decided_chunks(
        self,
        negotiation: str,
        dossier: Negotiation | None,
        entries: Iterable[Entry],
        recorded_by: str,
        progress: Callable[[int], None] | None,
    ) -> Iterator[tuple[Negotiation, list[Negotiation.Event]]]:
        """The dossier and the events it decided, every STREAM_CHUNK entries and at the end."""
        count = 0
        for index, entry in enumerate(entries):
            dossier = self._decide(negotiation, dossier, index, entry, recorded_by)
            count += 1
            if count % STREAM_CHUNK == 0:
                yield dossier, dossier.collect_events()
                if progress is not None:
                    progress(count)
        if dossier is not None and count % STREAM_CHUNK:
            yield dossier, dossier.collect_events()
            if progress is not None:
                progress(count)

    @staticmethod
    def _decide(
        negotiation: str, dossier: Negotiation | None, index: int, entry: Entry, recorded_by: str
    ) -> Negotiation:
        fields = entry.fields  # passed as keywords, so the callee's dict is its own
        try:
            if entry.type == Negotiation.Opened.TYPE and dossier is None:
                return Negotiation.open(negotiation, recorded_by=recorded_by, **fields)
            if dossier is None:
                raise Refusal(
                    f"dossier {negotiation!r} is not opened: its first event must be "
                    "negotiation_opened"
                )
            dossier.record(entry.type, recorded_by=recorded_by, **fields)
            return dossier
        except Refusal as refusal:
            raise EventRefused(index, entry.type, str(refusal)) from None

    def _snapshot_now_and_then(self, dossier: Negotiation, first_new_version: int) -> None:
        # A snapshot taken from the aggregate in hand spares the next import a replay of the
        # whole dossier; once per SNAPSHOT_EVERY versions keeps the snapshot table small.
        if self.snapshots is None:
            return
        if (first_new_version - 1) // SNAPSHOT_EVERY != dossier.version // SNAPSHOT_EVERY:
            self.snapshots.put([Negotiation.Snapshot.take(dossier)])

    def dossier_events(self, negotiation: str) -> Iterator[tuple[int, Negotiation.Event]]:
        """The dossier's events as stored, each with its global position, in recorded order."""
        dossier_id = Negotiation.create_id(negotiation)
        for notification in self._notifications():
            if notification.originator_id == dossier_id:
                yield notification.id, self.mapper.to_domain_event(notification)

    def negotiations(self) -> Iterable[str]:
        """The slugs of the dossiers in the store, from their opening events."""
        for notification in self._notifications(topics=[Negotiation.Opened.TOPIC]):
            yield self.mapper.to_domain_event(notification).negotiation

    def _notifications(self, topics: Sequence[str] = ()) -> Iterator[Any]:
        """The notification log in recorded order, read a page at a time."""
        start = 1
        while notifications := self.recorder.select_notifications(
            start=start, limit=1000, topics=topics
        ):
            yield from notifications
            start = notifications[-1].id + 1


@contextlib.contextmanager
def _rare_garbage_collection() -> Iterator[None]:
    """A batch allocates some ten objects per event, nearly none in cycles, and frees them within
    a chunk: collecting after every 700 allocations (Python's default) spends about 5% of an
    import looking for cycles that are not there. Memory stays bounded by the chunk."""
    threshold = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD_WHILE_RECORDING, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def _back_off(attempt: int) -> None:
    """Waits a random while, longer after each lost race, so that writers who collided do not
    collide again at once (without it, one of several busy writers can lose every try)."""
    time.sleep(random.uniform(0, BACK_OFF_SECONDS * 2 ** min(attempt, 5)))
