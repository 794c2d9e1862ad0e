"""A file imported twice (revision 2): refused, naming when, by whom and at which positions it was
recorded, in whatever layout it comes again; ``again`` records it anyway; every event keeps the
name and SHA-256 of its file."""

from __future__ import annotations

import hashlib
import re

from conftest import basic_dossier, count_events, party, write_log
from tier import import_file, memory_app, stored

import pytest

from akkoord.domain.errors import AlreadyRecorded
from akkoord.interchange.logformat import FileRefused, read_log_file


def test_the_same_file_twice_is_refused_naming_the_first_import(akkoord, store, tmp_path):
    path = write_log(tmp_path, basic_dossier())
    assert akkoord("--db", store, "import", path).status == 0
    assert akkoord("--db", store, "import", write_log(tmp_path, [party("Q")], name="q.json")).status == 0
    before = count_events(store)
    result = akkoord("--db", store, "import", path)
    assert result.status == 2
    assert str(path) in result.err
    assert "already recorded in this dossier" in result.err
    assert "by test-recorder, at positions 1-5" in result.err
    assert re.search(r"on \d{4}-\d{2}-\d{2}T\d{2}:\d{2}", result.err), result.err
    assert "Traceback" not in result.err
    assert count_events(store) == before


def test_the_same_events_reformatted_in_another_file_are_refused(akkoord, store, tmp_path):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier(), name="a.json")).status == 0
    assert akkoord("--db", store, "import", write_log(tmp_path, [party("Q")], name="q.yaml")).status == 0
    # The same events as YAML, another name, keys in another order, a comment: the same facts.
    reordered = [dict(reversed(list(event.items()))) for event in basic_dossier()]
    copy = write_log(tmp_path, reordered, name="kopie.yaml")
    copy.write_text("# overgetypt uit de notulen\n" + copy.read_text(encoding="utf-8"), encoding="utf-8")
    before = count_events(store)
    result = akkoord("--db", store, "import", copy)
    assert result.status == 2
    assert "at positions 1-5" in result.err and str(copy) in result.err
    assert count_events(store) == before
    # and the other way round: the YAML file again as JSON
    result = akkoord("--db", store, "import", write_log(tmp_path, [party("Q")], name="q2.json"))
    assert result.status == 2 and "at positions 6-6" in result.err


def test_other_events_are_not_taken_for_a_repetition(akkoord, store, tmp_path):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier(), name="a.json")).status == 0
    assert akkoord("--db", store, "import", write_log(tmp_path, [party("Q"), party("R")], name="b.json")).status == 0
    # a file holding part of an earlier one records other events
    assert akkoord("--db", store, "import", write_log(tmp_path, [party("S")], name="c.json")).status == 0
    assert count_events(store) == 8


def test_again_records_the_events_anyway():
    app = memory_app()
    path_events = basic_dossier()
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as directory:
        first = write_log(Path(directory), path_events, name="a.json")
        # A meeting held twice is no rule's concern: only the repetition of the file is refused.
        second = write_log(Path(directory), [
            {"type": "meeting_scheduled", "date": "2025-06-27", "id": "m", "title": "t",
             "scheduled_for": "2025-06-30", "participants": ["A"]},
            {"type": "meeting_held", "date": "2025-06-30", "id": "m"}], name="held.json")
        third = write_log(Path(directory), [
            {"type": "meeting_held", "date": "2025-06-30", "id": "m"}], name="held-again.yaml")
        assert import_file(app, first) == [1, 2, 3, 4, 5]
        assert import_file(app, second) == [6, 7]
        assert import_file(app, third) == [8]
        with pytest.raises(FileRefused, match="at positions 6-7"):
            import_file(app, second)
        log_file = read_log_file(str(third))
        with pytest.raises(AlreadyRecorded) as refused:
            app.record(log_file.negotiation, log_file.entries, "someone", origin=log_file.origin)
        assert refused.value.positions == (8, 8)
        assert refused.value.recorded_by == "test-recorder"
        assert stored(app) == 8
        assert import_file(app, third, again=True) == [9]
        # the latest import is the one named from then on
        with pytest.raises(AlreadyRecorded) as refused:
            app.record(log_file.negotiation, log_file.entries, "someone", origin=log_file.origin)
        assert refused.value.positions == (9, 9)


def test_every_event_keeps_its_file_and_log_position_shows_it(akkoord, store, tmp_path):
    path = write_log(tmp_path, basic_dossier(), name="notulen.yaml")
    assert akkoord("--db", store, "import", path).status == 0
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for position in (1, 5):
        shown = akkoord("--db", store, "log", "--position", str(position))
        assert shown.status == 0
        assert f"imported from notulen.yaml (SHA-256 {digest})" in shown.out
        data = akkoord("--db", store, "log", "--position", str(position), "--json").json()
        assert data["origin"] == {"name": "notulen.yaml", "sha256": digest}


def test_a_store_written_before_origins_were_kept_stays_readable(akkoord, example_store):
    from conftest import EXAMPLE_SOURCE
    # The committed example may be regenerated; an event without origin is read as having none.
    import sqlite3

    with sqlite3.connect(example_store) as connection:
        state = connection.execute("SELECT state FROM stored_events WHERE rowid = 2").fetchone()[0]
        old = bytes(state).replace(b',"origin":', b',"origin_was":')
        connection.execute("UPDATE stored_events SET state = ? WHERE rowid = 2", [old])
    # (the hash chain now disagrees for that event; reading does not depend on it)
    shown = akkoord("--db", example_store, "log", "--position", "2", "--json")
    assert shown.status == 0, shown.err
    assert shown.json()["origin"] is None
    assert EXAMPLE_SOURCE.exists()


def _as_before_version_2(monkeypatch):
    """Imports digest their files as akkoord did before version 2 of the digest: version 1,
    plain hexadecimal."""
    from akkoord.application import service

    original = service.EventsDigest.__init__

    def digest_version_1_too(self, dossier):
        original(self, dossier)
        self._v1 = hashlib.sha256()

    monkeypatch.setattr(service.EventsDigest, "__init__", digest_version_1_too)
    monkeypatch.setattr(service.EventsDigest, "key", lambda self: self._v1.hexdigest())


def test_a_file_imported_before_the_digest_changed_is_still_known(tmp_path, monkeypatch):
    """A dossier recorded with version-1 digests refuses the same events again, in any layout;
    new imports are kept under version 2 beside them."""
    app = memory_app()
    first = write_log(tmp_path, basic_dossier(), name="a.json")
    with monkeypatch.context() as before:
        _as_before_version_2(before)
        import_file(app, first)
    (key,) = app.dossier("test-dossier").imports
    assert len(key) == 64 and ":" not in key  # as dossiers of before hold it
    reordered = [dict(reversed(list(event.items()))) for event in basic_dossier()]
    with pytest.raises(FileRefused, match="at positions 1-5"):
        import_file(app, write_log(tmp_path, reordered, name="kopie.yaml"))
    import_file(app, write_log(tmp_path, [party("Q")], name="q.json"))
    assert sorted(key[:2] for key in app.dossier("test-dossier").imports) == ["2:", key[:2]]
    with pytest.raises(FileRefused, match="at positions 6-6"):
        import_file(app, write_log(tmp_path, [party("Q")], name="q-again.yaml"))
    assert stored(app) == 6


# Version 2 of the digest is kept in dossiers: its bytes must never change. Both pins below were
# written by canonical_form as it stood when version 2 was made (dates and value objects through
# orjson's call back), so any way of writing them faster must give these very bytes.
EVERY_KIND_V2 = (
    b'["every_kind",{"amount":1000000000000000,"budget":[{"amount":70000000,"party":"RIJK",'
    b'"period":{"first":2027,"last":null},"purpose":null}],"date":"0001-01-01",'
    b'"day":"2025-06-27","items":[{"amounts":[{"amount":1500000,"period":{"first":2025,'
    b'"last":2025}},{"amount":2,"period":{"first":2026,"last":2030}}],"conditions":["eerst",'
    b'"dan"],"distribution":null,"id":"post-1","purpose":"Versterking","recipient":"P001"}],'
    b'"last":"9999-12-31","parties":["P001","P002"],"ref":null,"source":{"classification":null,'
    b'"document":"Verslag","page":"3","section":null},"stance":"oppose","until":"0999-12-31",'
    b'"weights":{"a":{"y":"1.50","z":"\xc3\xa9\xe2\x80\xa8"},"b":[1.5,true,null]}}]\n'
)
CONTRACT_SAMPLES_V2 = "f7d35b29304f023bbe27a35d58235f816f53e33015a02d8b8d8a702604590bf4"


def test_the_canonical_form_of_every_kind_of_value_keeps_its_bytes():
    from datetime import date
    from decimal import Decimal

    from akkoord.application.service import Entry, canonical_form
    from akkoord.domain.values import Amount, BudgetLine, Period, ProposalItem, Source, Stance

    class Day(date):
        pass

    entry = Entry("every_kind", {
        "date": date(1, 1, 1), "until": date(999, 12, 31), "last": date(9999, 12, 31),
        "day": Day(2025, 6, 27), "stance": Stance.OPPOSE, "source": Source("Verslag", None, "3", None),
        "budget": (BudgetLine("RIJK", None, 70_000_000, Period(2027, None)),),
        "items": (ProposalItem("post-1", "Versterking", "P001",
                               (Amount(1_500_000, Period(2025, 2025)), Amount(2, Period(2026, 2030))),
                               None, ("eerst", "dan")),),
        "weights": {"b": [1.5, True, None], "a": {"z": "é\u2028", "y": Decimal("1.50")}},
        "parties": ("P001", "P002"), "ref": None, "amount": 10**15,
    })
    assert canonical_form(entry) == EVERY_KIND_V2
    years = [date(year, month, day) for year in range(1, 10000) for month, day in ((1, 1), (12, 31))]
    assert canonical_form(Entry("dates", {"all": years})) == (
        b'["dates",{"all":[' + ",".join(f'"{day.isoformat()}"' for day in years).encode() + b"]}]\n")


def test_the_digest_of_every_event_type_read_from_a_file_keeps_its_bytes():
    from test_contract import BASE, SAMPLES

    from akkoord.application.service import canonical_form
    from akkoord.interchange.logformat import entry_from_record

    digest = hashlib.sha256()
    for record in [*BASE, *(sample for _type, (sample, _rows) in sorted(SAMPLES.items()))]:
        digest.update(canonical_form(entry_from_record(record)))
    assert digest.hexdigest() == CONTRACT_SAMPLES_V2
