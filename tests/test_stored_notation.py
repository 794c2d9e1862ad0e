"""The import's fast paths store what the plain ones stored: the same bytes, positions and state.

``StoredNotation`` writes each event's JSON with orjson; the library's ``JSONTranscoder`` (json)
is the reference, and every value either comes out byte for byte as it writes it, or is written
by it. No timing is asserted here; benchmarks/run.py measures.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)

from akkoord.application.notation import (
    REFERENCES,
    StoredEventMapper,
    StoredNotation,
    _references,
    _referring,
    register_transcodings,
)
from akkoord.bootstrap import in_memory
from akkoord.domain.values import FileOrigin, Period, ProposalItem, Amount, Source, Stance
from conftest import EXAMPLE_SOURCE, EXAMPLE_STORE, basic_dossier, count_events, party, revision, write_log

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import generate  # noqa: E402


@pytest.fixture(scope="module")
def transcoder() -> StoredNotation:
    """The transcoder the application stores events with."""
    found = in_memory().mapper.transcoder
    assert isinstance(found, StoredNotation)
    return found


def library(transcoder: StoredNotation, value: object) -> bytes | str:
    """What the library's own encoder writes for the value (or the error it raises)."""
    try:
        return JSONTranscoder.encode(transcoder, value)
    except Exception as error:  # noqa: BLE001 - compared, not handled
        return type(error).__name__


def written(transcoder: StoredNotation, value: object) -> bytes | str:
    try:
        return transcoder.encode(value)
    except Exception as error:  # noqa: BLE001 - compared, not handled
        return type(error).__name__


def test_every_character_is_written_as_the_library_writes_it(transcoder):
    characters = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(characters), 4096):
        text = "".join(characters[start:start + 4096])
        assert transcoder.encode({"text": text}) == library(transcoder, {"text": text})
    for code in range(0x400):  # one at a time where escapes happen: as values, in lists, as keys
        for value in ({"k": chr(code)}, [chr(code), "x"], {chr(code): 1}):
            assert transcoder.encode(value) == library(transcoder, value)


class Unregistered(Enum):
    ONE = 1


class Text(str):
    pass


@dataclass(frozen=True)
class Loose:
    value: object


ODD_VALUES = [
    0.1, 1e16, 1e-07, float("nan"), float("inf"), -0.0, 2**63, -(2**63) - 1, 2**64, 10**30,
    True, None, "", {1: "a"}, {None: 1}, {True: 1}, {"a": {2: "b"}}, (1, "a", None), [], {}, ((),),
    Text("t"), {"k": Text("t")}, {Text("k"): 1}, "\ud800", {"s": "\udfff"},
    UUID("12345678123456781234567812345678"), {"id": UUID(int=1)}, [UUID(int=2)],
    Decimal("1.50"), {"d": Decimal("2")}, {3, 1, 2}, {"set": {"b", "a"}},
    Stance.SUPPORT, {"stance": Stance.OPPOSE}, (Stance.DEMAND,), {"nested": {"s": Stance.NEUTRAL}},
    Unregistered.ONE, {"u": Unregistered.ONE}, Loose(1), {"loose": Loose(1.5)},
    date(2025, 6, 27), datetime(2025, 6, 27, 12, 0, tzinfo=timezone.utc),
    Period(2025, None), Amount(5_000_000, Period(2025, 2027)),
    ProposalItem("i", "p", "r", (Amount(1, Period(2025, 2025)),), None, ("c",)),
    Source("doc", None, "3", None), {"source": Source("doc", "s", None, "open")},
    FileOrigin("f.json", "ab" * 32, None), {"origin": FileOrigin("f.json", "cd" * 32, "ef" * 32)},
    {"weights": {"a": "1.5", "b": 2, "c": [1, "x", {"d": None}]}},
    [{"id": "r1", "values": [1, 2.5]}], {"deep": [[[[{"x": [Stance.SUPPORT]}]]]]},
]


@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_an_odd_value_is_written_as_the_library_writes_it_or_refused_alike(transcoder, value):
    assert written(transcoder, value) == library(transcoder, value)


def test_a_recurring_value_is_written_anew_where_an_equal_value_of_other_types_differs(transcoder):
    # The written JSON of a source is kept for the next equal source; but 1, True and 1.0 are
    # equal and written differently, so a source whose page is one of them must not be given
    # another's JSON.
    pages = ["1", 1, True, 1.0, "1", 1.0, True, 1]
    for page in pages:
        for value in (Source("d", None, page, None), Source("d", None, page, None)):  # type: ignore[arg-type]
            assert transcoder.encode({"source": value}) == library(transcoder, {"source": value})


def test_every_stored_event_of_the_example_and_of_a_generated_dossier_is_written_again_alike(
        transcoder, akkoord, tmp_path):
    dossier = tmp_path / "dossier.json"
    with dossier.open("w", encoding="utf-8") as stream:
        generate.write_log(stream, generate.dossier_events(3000))
    store = tmp_path / "generated.db"
    assert akkoord("--db", store, "import", dossier).status == 0
    for path in (EXAMPLE_STORE, store):
        with sqlite3.connect(path) as connection:
            rows = connection.execute("SELECT topic, state FROM stored_events").fetchall()
        assert rows
        for topic, state in rows:
            # Decoded as stored: a reference to the import's first event (stored form 2) is
            # written back as the very same bytes too.
            event_state = transcoder.decode(state)
            assert transcoder.encode(event_state) == state == library(transcoder, event_state)


def test_a_second_import_continues_the_positions_and_the_chain(akkoord, store, tmp_path):
    # The events after a batch's first go in at positions worked out in advance.
    first = write_log(tmp_path, basic_dossier(), name="first.json")
    more = [party(f"P{i}") for i in range(2500)] + [revision(2)]
    second = write_log(tmp_path, more, name="second.json")
    assert akkoord("--db", store, "import", first, "--json").json()[0]["positions"] == [1, 5]
    assert akkoord("--db", store, "import", second, "--json").json()[0]["positions"] == [6, 2506]
    with sqlite3.connect(store) as connection:
        versions = connection.execute(
            "SELECT rowid, originator_version FROM stored_events ORDER BY rowid").fetchall()
        chained = connection.execute("SELECT COUNT(*) FROM stored_events_chain").fetchone()[0]
    assert versions == [(position, position) for position in range(1, 2507)]
    assert chained == count_events(store) == 2506
    assert akkoord("--db", store, "verify").status == 0


def test_the_latest_revision_follows_retractions_of_revisions(akkoord, store, tmp_path):
    # The dossier keeps its latest revision while the revisions standing do not change.
    events = [*basic_dossier(), revision(2, ref="r2"),
              {"type": "position_taken", "date": "2025-06-27", "stakeholder": "A",
               "subject": "proposal", "stance": "support", "summary": "two"},
              {"type": "event_retracted", "date": "2025-06-27", "retracts": "r2", "reason": "no"},
              {"type": "position_taken", "date": "2025-06-27", "stakeholder": "A",
               "subject": "proposal", "stance": "oppose", "summary": "one"},
              revision(2),
              {"type": "position_taken", "date": "2025-06-27", "stakeholder": "B",
               "subject": "proposal", "stance": "demand", "summary": "two again"}]
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0
    subjects = [e["data"]["subject"] for e in akkoord("--db", store, "log", "--json").json()
                if e["type"] == "position_taken"]
    assert subjects == ["proposal:r2", "proposal:r1", "proposal:r2"]


def test_the_example_file_is_known_again_by_the_digest_an_earlier_version_stored(
        akkoord, example_store):
    # The digest of a file's events is made from their canonical JSON; the example store's was
    # written by an earlier version, with the library's encoder.
    result = akkoord("--db", example_store, "import", EXAMPLE_SOURCE)
    assert result.status == 2
    assert "already recorded" in result.err and "positions 1-28" in result.err


def test_a_snapshot_of_a_dossier_of_every_event_type_is_written_as_the_library_writes_it(
        monkeypatch):
    """Snapshots are written by orjson walking the whole state (``_encode_snapshot``), which
    would write an enum or a UUID otherwise than their transcodings: no dossier state may hold
    one. Every event type's contract sample is recorded, each after the contract's base."""
    from test_contract import BASE, NEGOTIATION, SAMPLES

    from akkoord.domain.negotiation import Negotiation
    from akkoord.interchange.logformat import entry_from_record

    for event_type, (sample, _rows) in sorted(SAMPLES.items()):
        app = in_memory()
        for batch in ([] if event_type == "negotiation_opened" else BASE, [sample]):
            if batch:  # apart, as a retraction by position names an event stored
                app.record(NEGOTIATION, [entry_from_record(event) for event in batch], "contract")
        snapshot = Negotiation.Snapshot.take(app.dossier(NEGOTIATION))
        with monkeypatch.context() as patched:
            # written by orjson alone: the library's encoder, as a fallback, is ten times slower
            patched.setattr(JSONTranscoder, "encode", _not_the_library)
            stored = app.mapper.to_stored_event(snapshot)
        state = dict(vars(snapshot))
        state.pop("originator_id"), state.pop("originator_version")
        assert stored.state == library(app.mapper.transcoder, state), event_type


def _not_the_library(transcoder: object, value: object) -> bytes:
    raise AssertionError("the snapshot went to the library's encoder")


def test_every_date_and_time_in_utc_or_without_a_zone_is_written_as_the_library_writes_it(
        transcoder):
    # orjson writes these itself (``_as_written``); a time in another zone is written by its
    # isoformat (an offset in seconds orjson writes otherwise).
    zones = (timezone.utc, None, timezone(timedelta(hours=2)), timezone(timedelta(seconds=30)))
    for year in (*range(1, 10000, 7), 9999):
        day = date(year, year % 12 + 1, year % 28 + 1)
        for microsecond in (0, 1, year, 999999):
            for zone in zones:
                moment = datetime(year, 12, 31, year % 24, 59, year % 60, microsecond, zone)
                for value in ({"date": day, "timestamp": moment}, day, moment, [moment, day]):
                    assert transcoder.encode(value) == library(transcoder, value)


# -- the encoding plans (``EncodingPlan``) ---------------------------------------------------------


def library_mapper() -> Mapper:
    """The library's own mapper and encoder (json), with the transcodings the application
    registers: what every stored event is to be, byte for byte."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    register_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


def library_stored_events(events: list) -> list[StoredEvent]:
    """The events of one insert as the library's mapper stores them, in stored form 2: the
    references put in by ``_referring``, as the application's path before the plans did."""
    mapper = library_mapper()
    first = events[0]
    carried = [(field, value, reference(first.originator_version))
               for field, reference in REFERENCES
               if (value := first.__dict__.get(field)) is not None]
    return [mapper.to_stored_event(first), *(
        mapper.to_stored_event(_referring(event, _references(event, carried)))
        for event in events[1:])]


def recorded_inserts(app, batches, **options) -> list[list]:
    """The events of each insert the application made recording those batches, as decided (the
    ones handed to ``to_stored_events``)."""
    inserts: list[list] = []
    to_stored_events = app.mapper.to_stored_events

    def collecting(events):
        inserts.append(inserted := [])
        for event in events:
            inserted.append(event)
            yield event

    app.mapper.to_stored_events = lambda events: to_stored_events(collecting(events))
    for negotiation, batch in batches:
        app.record(negotiation, batch, "tester", **options)
    del app.mapper.to_stored_events
    return inserts


def planned_only(monkeypatch):
    """Makes the library's way (the fallback) refuse: what follows is written by the plans."""
    def refused(mapper, event):
        raise AssertionError(f"{type(event).__name__} was left to the library's way")
    monkeypatch.setattr(StoredEventMapper, "to_stored_event", refused)


def test_the_plans_store_every_event_type_and_a_generated_dossier_as_the_library_stores_them(
        monkeypatch):
    """Each event type's contract sample (after the contract's base) and the 3,000 events of a
    generated dossier imported from a file, so with references to its first event (stored form
    2): the stored events the plans write are the library's, byte for byte."""
    from test_contract import BASE, NEGOTIATION, SAMPLES

    from akkoord.interchange.logformat import entry_from_record

    inserts = []
    for event_type, (sample, _rows) in sorted(SAMPLES.items()):
        batches = [(NEGOTIATION, [entry_from_record(record)])
                   for record in ([] if event_type == "negotiation_opened" else BASE)]
        batches.append((NEGOTIATION, [entry_from_record(sample)]))
        inserts += recorded_inserts(in_memory(), batches)
    origin = FileOrigin("dossier.json", "ab" * 32, None)
    inserts += recorded_inserts(in_memory(), [("generated", [
        entry_from_record(record) for record in generate.dossier_events(3000)])], origin=origin)
    assert {type(event).TYPE for events in inserts for event in events} >= SAMPLES.keys()
    mapper = in_memory().mapper
    with monkeypatch.context() as patched:
        planned_only(patched)
        stored = [list(mapper.to_stored_events(events)) for events in inserts]
    assert stored == [library_stored_events(events) for events in inserts]
    references = sum(b'"_type_":"akkoord.OriginOf"' in event.state for event in stored[-1])
    assert references == len(stored[-1]) - 2  # all but the carrier, and the last (its own digest)


class Page(str):
    pass


@pytest.mark.parametrize("field, value", [
    # not of a type the field declares (a datetime is a date's subclass)
    ("date", None), ("date", datetime(2025, 6, 27, tzinfo=timezone.utc)), ("stance", "support"),
    ("summary", 1e-07), ("summary", Page("7")),  # which json writes otherwise than orjson would
    # of the declared type, with something inside that _ready or orjson refuses
    ("points", (1.5,)), ("points", ("a", 2**64)),
    ("source", Source("doc", None, 3.0, None)),  # type: ignore[arg-type]
], ids=repr)
def test_an_event_the_plan_does_not_expect_is_stored_as_the_library_stores_it(field, value):
    """The plan leaves the event to the library's way (as it does one whose fields are in
    another order), and what is stored is the library's, byte for byte."""
    from akkoord.domain.negotiation import Negotiation
    from akkoord.interchange.logformat import entry_from_record

    app = in_memory()
    generated = [entry_from_record(record) for record in generate.dossier_events(300)]
    [events] = recorded_inserts(app, [("planned", generated)],
                                origin=FileOrigin("f", "cd" * 32, None))
    position = next(event for event in events if type(event) is Negotiation.PositionTaken)
    odd = object.__new__(Negotiation.PositionTaken)
    odd.__dict__.update({**position.__dict__, field: value})
    reordered = object.__new__(Negotiation.PositionTaken)
    reordered.__dict__.update(reversed(position.__dict__.items()))
    plan = app.mapper.transcoder.encoding_plan(Negotiation.PositionTaken)
    assert plan.stored_event(position.__dict__) is not None
    for unexpected in (odd, reordered):
        assert plan.stored_event(unexpected.__dict__) is None
        written = list(app.mapper.to_stored_events([events[0], unexpected]))
        assert written == library_stored_events([events[0], unexpected])
