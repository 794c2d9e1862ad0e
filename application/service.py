"""The service layer: records batches of events in dossiers, whole or not at all.

Storage is chosen by the caller through the ``eventsourcing`` environment (SQLite file,
PostgreSQL); this module knows only that it appends to an event store.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import operator
import random
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    Transcoder,
)
from eventsourcing.sqlite import SQLiteApplicationRecorder

from akkoord.i18n import _
from akkoord.pace import rare_garbage_collection
from akkoord.application.notation import (  # noqa: F401 - the notation's readers are asked here
    StoredEventMapper,
    StoredNotation,
    event_from_state,
    register_transcodings,
    stored_event_transcoder,
)
from akkoord.domain.errors import AlreadyRecorded, DossierNotFound, EventRefused, Refusal
from akkoord.domain.negotiation import Negotiation, StaleSnapshot
from akkoord.domain.values import FileOrigin
from akkoord.store.chain import SealedSnapshots as _Sealed

CONFLICT_RETRIES = 20
BACK_OFF_SECONDS = 0.02
# A writer replays the dossier from its latest snapshot before it decides: that replay is the
# window in which another writer can get in first, so snapshots come every 100 versions.
SNAPSHOT_EVERY = 100
# Entries decided between two hand-overs to the recorder when a batch is streamed.
STREAM_CHUNK = 1_000


class Entry(NamedTuple):
    """One event to record: its type and its fields (common ones included). (A tuple: one is
    made for every event read, and a frozen dataclass takes three times as long to make.)"""

    type: str
    fields: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Decision:
    """What recording a batch would store (``Akkoord.decide`` stores nothing): the dossier as it
    would stand after the batch, and how many events of each type the batch holds."""

    negotiation: str
    dossier: Negotiation | None
    types: dict[str, int]

    @property
    def events(self) -> int:
        return sum(self.types.values())


class Akkoord(Application):
    """The negotiation register: dossiers of immutable events."""

    name = "akkoord"
    is_snapshotting_enabled = True

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if isinstance(self.mapper, StoredEventMapper):
            self.mapper.read_carrier = self.stored_event_of

    def stored_event_of(self, dossier_id: Any, version: int) -> StoredEvent | None:
        """The stored event of that version of the dossier: one read by the primary key."""
        found = self.recorder.select_events(dossier_id, gt=version - 1, lte=version, limit=1)
        return found[0] if found else None

    def construct_mapper(self) -> Mapper[UUID]:
        if self.factory.env.get(self.factory.MAPPER_TOPIC):
            return super().construct_mapper()
        return self.factory.mapper(transcoder=self.construct_transcoder(),
                                   mapper_class=StoredEventMapper)

    def construct_transcoder(self) -> Transcoder:
        # The library's JSON transcoder unless the environment names another: the same bytes,
        # written at C speed (``StoredNotation``).
        if self.factory.env.get(self.factory.TRANSCODER_TOPIC):
            return super().construct_transcoder()
        transcoder = StoredNotation()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    def dossier(self, negotiation: str) -> Negotiation:
        dossier_id = Negotiation.create_id(negotiation)
        try:
            return self.repository.get(dossier_id)
        except AggregateNotFoundError:
            raise DossierNotFound(negotiation) from None
        except StaleSnapshot:
            # A snapshot written before the dossier's state took its present form: replayed.
            dossier = None
            for event in self.events.get(dossier_id):
                dossier = event.mutate(dossier)
            return dossier  # type: ignore[return-value]

    def record(
        self,
        negotiation: str,
        entries: Iterable[Entry],
        recorded_by: str,
        progress: Callable[[int], None] | None = None,
        *,
        origin: FileOrigin | None = None,
        again: bool = False,
    ) -> list[int]:
        """Records the entries in the dossier in one transaction; returns their positions.

        Raises EventRefused (nothing stored) when an entry breaks a rule. ``origin``: the file
        the entries come from, kept with each event; a file whose events the dossier already
        recorded from a file (the same events in the same order, in any layout) raises
        AlreadyRecorded, unless ``again``. When another writer
        stored events in the dossier first, the whole batch is decided again on fresh state, so
        ``entries`` is iterated once per attempt (a list, or entries read again from a file).
        ``progress`` is told how many entries are decided, every STREAM_CHUNK entries.
        """
        with rare_garbage_collection():
            for attempt in range(CONFLICT_RETRIES):
                try:
                    with self._deciding(negotiation, operator.length_hint(entries)):
                        return self._record_once(negotiation, entries, recorded_by, progress,
                                                 origin, again)
                except IntegrityError:
                    _back_off(attempt)
                    continue
        raise Refusal(
            _("dossier {negotiation!r} kept changing under this import ({CONFLICT_RETRIES} "
              "tries); try again").format(negotiation=negotiation, CONFLICT_RETRIES=CONFLICT_RETRIES)
        )

    def decide(
        self,
        negotiation: str,
        entries: Iterable[Entry],
        recorded_by: str,
        progress: Callable[[int], None] | None = None,
        *,
        after: Decision | None = None,
        origin: FileOrigin | None = None,
        again: bool = False,
    ) -> Decision:
        """Decides the entries as ``record`` would, and stores nothing.

        Decided on the dossier as stored, or as an earlier decision ``after`` left it (so that
        several files for one dossier are decided in turn). Raises EventRefused and
        AlreadyRecorded as ``record`` does. Events are counted as decided, so a large batch
        never sits in memory.
        """
        dossier = after.dossier if after is not None else self._load(negotiation)
        types: Counter[str] = Counter()
        with rare_garbage_collection():
            for dossier, events in self._decided_chunks(
                    negotiation, dossier, entries, recorded_by, progress, origin, again):
                types.update(event.TYPE for event in events)
        return Decision(negotiation, dossier, dict(types))

    def _deciding(self, negotiation: str,
                  expected_events: int) -> contextlib.AbstractContextManager[Any]:
        """The recorder's lock on deciding and appending in the dossier, where it has one: held
        from before the dossier is loaded until its events are stored, so writers take turns
        instead of losing races (the retries above are then only a safety net). It is told how
        many events are expected (the entries' ``length_hint``: a large file's guess)."""
        deciding = getattr(self.recorder, "deciding", None)
        if deciding is None:
            return contextlib.nullcontext()
        return deciding(Negotiation.create_id(negotiation), expected_events)

    def construct_repository(self) -> Repository[UUID]:
        # A retry after a conflict must decide on what the store holds now; a cached dossier
        # (which the environment could switch on) might be the stale one that lost. Each
        # command is one short process, so a cache would gain nothing anyway.
        repository = super().construct_repository()
        repository.cache = None
        sealed = getattr(self.recorder, "sealed_snapshots", None)
        if sealed is not None and repository.snapshot_store is not None:
            # A recorder that keeps the hash chain writes each snapshot with the events it
            # summarises, sealed into the chain, and a dossier is built only on a snapshot
            # whose seal holds (``store.chain``).
            repository.snapshot_store = sealed(repository.snapshot_store)
        return repository

    def _record_once(
        self,
        negotiation: str,
        entries: Iterable[Entry],
        recorded_by: str,
        progress: Callable[[int], None] | None,
        origin: FileOrigin | None = None,
        again: bool = False,
    ) -> list[int]:
        """One attempt. The events go to the recorder as they are decided, in one insert (so in
        one transaction, with their links of the hash chain) while later entries are still being
        read and decided; a refusal half-way rolls all of it back. A batch of one event and one
        of a million take this one path, and a million events never sit in memory."""
        dossier = self._load(negotiation)
        first_new_version = (dossier.version if dossier is not None else 0) + 1
        chunks = self._decided_chunks(negotiation, dossier, entries, recorded_by, progress,
                                      origin, again)
        first = next(chunks, None)
        if first is None:
            return []
        dossier = first[0]  # the one aggregate every chunk decides on: its last state at the end
        events = (event for _dossier, chunk in itertools.chain([first], chunks)
                  for event in chunk)
        # One insert is one import: its first event carries the file's source and origin for
        # the rest (stored form 2, ``application.notation``).
        to_stored_events = getattr(self.mapper, "to_stored_events", None)
        stored: Iterable[StoredEvent] = (
            to_stored_events(events) if to_stored_events is not None
            else map(self.mapper.to_stored_event, events))
        if not isinstance(self.recorder, SQLiteApplicationRecorder):
            # PostgreSQL's recorder takes the events as one array, the in-memory one reads twice.
            stored = list(stored)
        loader = self.repository.snapshot_store
        if isinstance(loader, _Sealed):
            positions = self.recorder.insert_events(  # type: ignore[call-arg]
                stored, snapshot=lambda: self._snapshot_due(dossier, first_new_version))
            loader.passed_over.discard(dossier.id)
        else:
            positions = self.recorder.insert_events(stored)  # type: ignore[arg-type]
            snapshot = self._snapshot_due(dossier, first_new_version)
            if snapshot is not None:
                self.snapshots.put([snapshot])  # type: ignore[union-attr]
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
        origin: FileOrigin | None = None,
        again: bool = False,
    ) -> Iterator[tuple[Negotiation, list[Negotiation.Event]]]:
        """The dossier and the events it decided, every STREAM_CHUNK entries and at the end.

        The entries are read one ahead, so that the last of a file is known as the last: it
        carries the digest of the file's events, by which a second import of them is known."""
        count = 0
        digest = EventsDigest(dossier) if origin is not None else None
        plain_origin = None if origin is None else FileOrigin(origin.name, origin.sha256)
        iterator = iter(entries)
        entry = next(iterator, None)
        while entry is not None:
            following = next(iterator, None)
            marked = plain_origin
            if digest is not None:
                digest.update(entry)
                if following is None:
                    marked = FileOrigin(origin.name, origin.sha256, digest.key())
                    if not again and dossier is not None:
                        self._refuse_repetition(dossier, digest)
            try:
                dossier = self._decide(negotiation, dossier, count, entry, recorded_by, marked)
            except EventRefused:
                # Events recorded before are refused for that (an id taken, the dossier opened):
                # a file imported again is named as such, so its whole digest is made first.
                if digest is not None and following is not None and not again and dossier:
                    for rest in itertools.chain([following], iterator):
                        digest.update(rest)
                    self._refuse_repetition(dossier, digest)
                raise
            count += 1
            if count % STREAM_CHUNK == 0:
                yield dossier, dossier.collect_events()
                if progress is not None:
                    progress(count)
            entry = following
        if dossier is not None and count % STREAM_CHUNK:
            yield dossier, dossier.collect_events()
            if progress is not None:
                progress(count)

    def _refuse_repetition(self, dossier: Negotiation, digest: EventsDigest) -> None:
        earlier = next(filter(None, map(dossier.imports.get, digest.keys())), None)
        if earlier is None:
            return
        first, last, recorded_by, recorded_at = earlier
        positions = self._positions_of(dossier.id, (first, last))
        raise AlreadyRecorded(recorded_at, recorded_by, (positions[0], positions[1]))

    def _decide(
        self, negotiation: str, dossier: Negotiation | None, index: int, entry: Entry,
        recorded_by: str, origin: FileOrigin | None = None,
    ) -> Negotiation:
        fields = entry.fields
        try:
            if entry.type == Negotiation.Opened.TYPE and dossier is None:
                return Negotiation.open(negotiation, recorded_by=recorded_by, origin=origin,
                                        **fields)
            if dossier is None:
                raise Refusal(
                    _("dossier {negotiation!r} is not opened: its first event must be "
                      "negotiation_opened").format(negotiation=negotiation)
                )
            looked_up = None
            if fields.get("retracts_position") is not None:
                looked_up = self._looked_up(dossier, fields["retracts_position"])
            dossier.record_entry(entry.type, fields, recorded_by=recorded_by, origin=origin,
                                 looked_up=looked_up)
            return dossier
        except Refusal as refusal:
            raise EventRefused(index, entry.type, str(refusal)) from None

    def _looked_up(self, dossier: Negotiation, position: Any) -> dict[int, tuple[int, str, str]]:
        """The stored event at that position, if it is one of the dossier's: position ->
        (version, type, date). The dossier knows its events by version; the store by position."""
        if isinstance(position, bool) or not isinstance(position, int) or position < 1:
            return {}
        found = self.recorder.select_notifications(start=position, limit=1, stop=position)
        if not found or found[0].id != position or found[0].originator_id != dossier.id:
            return {}
        event = self.mapper.to_domain_event(found[0])
        return {position: (event.originator_version, event.TYPE, event.date.isoformat())}

    def _positions_of(self, dossier_id: UUID, versions: Sequence[int]) -> list[int]:
        """The global positions of the dossier's events of those versions (rarely asked: a
        refusal names them), each found by the store's key (dossier, version)."""
        recorder: Any = self.recorder
        table = getattr(recorder, "events_table_name", None)
        found = []
        for version in versions:
            if isinstance(recorder, SQLiteApplicationRecorder):
                with recorder.datastore.transaction(commit=False) as cursor:
                    cursor.execute(f"SELECT rowid FROM {table} WHERE originator_id = ? AND "
                                   "originator_version = ?", (dossier_id.hex, version))
                    row = cursor.fetchone()
                found.append(row[0] if row else 0)
            elif table is not None and hasattr(recorder, "datastore"):
                with recorder.datastore.transaction(commit=False) as cursor:
                    cursor.execute(f"SELECT notification_id FROM {recorder.datastore.schema}."
                                   f"{table} WHERE originator_id = %s AND originator_version = %s",
                                   (dossier_id, version))
                    row = cursor.fetchone()
                found.append(row["notification_id"] if row else 0)
            else:  # a recorder in memory: its notifications are at hand
                found.append(next((n.id for n in self._notifications()
                                   if n.originator_id == dossier_id
                                   and n.originator_version == version), 0))
        return found

    def _snapshot_due(self, dossier: Negotiation, first_new_version: int) -> Any:
        """The snapshot to store after the dossier's new events, if one is due: taken from the
        aggregate in hand, it spares the next import a replay of the whole dossier; once per
        SNAPSHOT_EVERY versions keeps the snapshot table small. A dossier built from its events
        because its snapshot was passed over (no seal that holds) gets one at once. As the
        library's stored snapshot where the recorder writes it (sealed), else the snapshot."""
        if self.snapshots is None:
            return None
        loader = self.repository.snapshot_store
        passed_over = isinstance(loader, _Sealed) and dossier.id in loader.passed_over
        if passed_over or (
                (first_new_version - 1) // SNAPSHOT_EVERY != dossier.version // SNAPSHOT_EVERY):
            snapshot = Negotiation.Snapshot.take(dossier)
            if isinstance(loader, _Sealed):
                return self.snapshots.mapper.to_stored_event(snapshot)
            return snapshot
        return None

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


class EventsDigest:
    """The digest of a file's events, by which a dossier knows them when they are imported
    again, in any layout (YAML or JSON, key order, comments, name): a SHA-256 of each entry's
    type and fields in a canonical form.

    Version 2 (``canonical_form``, JSON written by orjson with every key sorted) is kept as
    ``2:`` and the hexadecimal digest. Dossiers recorded before it hold version 1 (the stored
    notation, the fields' keys sorted: ``canonical_form_v1``, five times the cost), plain
    hexadecimal; a dossier holding any is checked against both."""

    VERSION_2 = "2:"

    def __init__(self, dossier: Negotiation | None):
        self._v2 = hashlib.sha256()
        self._v1 = None
        if dossier is not None and any(not key.startswith(self.VERSION_2)
                                       for key in dossier.imports):
            self._v1 = hashlib.sha256()

    def update(self, entry: Entry) -> None:
        self._v2.update(canonical_form(entry))
        if self._v1 is not None:
            self._v1.update(canonical_form_v1(entry))

    def key(self) -> str:
        """What the import's last event keeps (``FileOrigin.events_sha256``)."""
        return self.VERSION_2 + self._v2.hexdigest()

    def keys(self) -> list[str]:
        """Every form under which the dossier may know these events."""
        return [self.key(), *([] if self._v1 is None else [self._v1.hexdigest()])]


# Value objects are written as their fields, keys sorted (by ``_canonical``: orjson would write a
# dataclass's fields in their declared order); dates, enums, text, numbers and lists orjson
# writes itself. It writes a date as ``date.isoformat`` does, YYYY-MM-DD for every year 1-9999
# (tests/test_double_import.py pins the bytes), without a call back for each; the entries of
# a file hold no datetime or time (dates are read as ``date``, YAML timestamps kept as text),
# which it would write otherwise than before.
_CANONICAL_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return value.__dict__
    if isinstance(value, date):  # a subclass of date, which orjson leaves to this
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError


def canonical_form(entry: Entry) -> bytes:
    """An entry as the same bytes however its file was laid out: ``[type, fields]`` with every
    mapping's keys sorted (version 2 of ``EventsDigest``). A value of a kind it does not know
    is written in version 1's form, which knows them all."""
    try:
        return orjson.dumps([entry.type, entry.fields], default=_canonical,
                            option=_CANONICAL_OPTIONS) + b"\n"
    except TypeError:
        return b"1" + canonical_form_v1(entry)


def canonical_form_v1(entry: Entry) -> bytes:
    """Version 1 of ``EventsDigest``: the type and fields in the stored notation, the fields'
    keys sorted (the digests of dossiers recorded before 2026-12-02)."""
    fields = dict(sorted(entry.fields.items()))  # keys are text, all different: sorted by key
    return stored_event_transcoder().encode({"type": entry.type, "fields": fields}) + b"\n"


def _back_off(attempt: int) -> None:
    """Waits a random while, longer after each lost race, so that writers who collided do not
    collide again at once (without it, one of several busy writers can lose every try)."""
    time.sleep(random.uniform(0, BACK_OFF_SECONDS * 2 ** min(attempt, 5)))
