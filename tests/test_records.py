"""The log and a history read stored events with ``json`` alone, and show what the domain would.

``log`` and ``history`` start without the event-sourcing library or the domain model: they make
each event's record from its stored JSON (``projections.records``) and its summary from the
record (``domain.summaries``, the one place summaries are written). What they show must be what
the event classes say: here every stored event of dossiers that hold every event type is read
both ways and compared, and its summary is the line written for it.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLE_STORE, REPO, write_log

sys.path.insert(0, str(REPO / "benchmarks"))
import generate  # noqa: E402

from akkoord.application.notation import event_from_state  # noqa: E402
from akkoord.domain.negotiation import EVENT_TYPES  # noqa: E402
from akkoord.domain.records import record_of  # noqa: E402
from akkoord.domain.schema import fields_of, item_type_of  # noqa: E402
from akkoord.i18n import activate  # noqa: E402
from akkoord.domain.summaries import LINES, summary  # noqa: E402
from akkoord.projections import records  # noqa: E402

# What the example's later meetings and a key leave out: every other type, and the other forms
# of a type's summary line.
MORE = [
    {"type": "budget_changed", "date": "2025-10-07", "budget": []},
    {"type": "position_taken", "date": "2025-10-07", "stakeholder": "VB", "subject": "topic:ptss",
     "stance": "demand", "summary": "Meer geld", "points": ["een", "twee"], "ref": "vb-ptss"},
    {"type": "event_retracted", "date": "2025-10-08", "retracts_position": 23,
     "reason": "dubbel genoteerd"},
    {"type": "commitment_made", "date": "2025-10-08", "id": "zonder-termijn", "by": "VB",
     "to": ["VNG", "JENV"], "what": "Iets zonder termijn"},
    {"type": "commitment_fulfilled", "date": "2025-10-09", "id": "zonder-termijn"},
    {"type": "claim_lodged", "date": "2025-10-09", "id": "zonder-bedrag", "by": "VB",
     "against": "RIJK", "subject": "s", "summary": "Een claim zonder bedrag"},
    {"type": "claim_settled", "date": "2025-10-10", "id": "zonder-bedrag",
     "outcome": "partially_granted", "amount": 5, "summary": "Deels"},
    {"type": "meeting_scheduled", "date": "2025-10-10", "id": "zonder-agenda", "title": "Overleg",
     "scheduled_for": "2025-11-01", "participants": ["VB"]},
    {"type": "distribution_key_retired", "date": "2025-10-11", "id": "bdur-voorbeeld",
     "reason": "vervangen"},
]


def stored_events(store: Path) -> list[tuple[str, bytes, Any]]:
    """Each stored event's topic and state, and what gives the (topic, state) of its dossier's
    event of a version (the carrier of its import's source and origin, stored form 2)."""
    with sqlite3.connect(store) as connection:
        rows = connection.execute("SELECT originator_id, originator_version, topic, state "
                                  "FROM stored_events ORDER BY rowid").fetchall()
    by_version = {(dossier, version): (topic, state) for dossier, version, topic, state in rows}
    return [(topic, state, lambda version, dossier=dossier: by_version[dossier, version])
            for dossier, _version, topic, state in rows]


@pytest.fixture(scope="module")
def every_type(tmp_path_factory) -> list[tuple[str, bytes, Any]]:
    """The stored events of the example with its later meetings, a key and the forms above,
    and of a generated dossier."""
    from akkoord.cli.main import main

    folder = tmp_path_factory.mktemp("records")
    example = folder / "example.db"
    shutil.copyfile(EXAMPLE_STORE, example)
    files = [REPO / "examples" / name for name in (
        "bestuurlijke-tafel-2025-07-09.yaml", "veiligheidsberaad-2025-10-06.yaml",
        "bdur-key-example.yaml")]
    files.append(write_log(folder, MORE, negotiation="weerbaarheid-2025"))
    assert main(["--db", str(example), "import", *map(str, files)]) == 0
    generated = folder / "dossier.json"
    with generated.open("w", encoding="utf-8") as stream:
        generate.write_log(stream, generate.dossier_events(1500, seed=5))
    store = folder / "generated.db"
    assert main(["--db", str(store), "import", str(generated)]) == 0
    found = stored_events(example) + stored_events(store)
    assert {topic.partition(":")[2] for topic, _state, _carried in found} == set(EVENT_TYPES)
    return found


def test_the_readers_know_each_types_fields_as_its_class_declares_them():
    def declared(event_class: type) -> tuple[str, ...]:
        return tuple(spec.name + ("?" if not spec.required and item_type_of(spec.type) else "")
                     for spec in fields_of(event_class) if not spec.implied)

    assert records.FIELDS == {name: declared(cls) for name, cls in EVENT_TYPES.items()}
    assert records.EVENT_TYPE_NAMES == tuple(EVENT_TYPES)
    assert records.TIMELINE == {name: cls.TIMELINE for name, cls in EVENT_TYPES.items()
                                if cls.TIMELINE}


@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_stored_event_reads_as_the_domain_records_and_summarises_it(every_type, language):
    """Every type has its line, and an event's summary is the line of its record, the same
    whether the record is read from the stored JSON (log, history) or made of the event."""
    assert set(LINES) == set(EVENT_TYPES)
    activate(language)
    try:
        for topic, state, carried in every_type:
            event = event_from_state(topic, state,
                                     lambda version: vars(event_from_state(*carried(version))))
            record = records.record(event.TYPE, records.stored_state(
                state, lambda version: records.stored_state(carried(version)[1])))
            assert record == record_of(event)
            assert list(record) == list(record_of(event))  # the same order of fields
            line = summary(record)
            assert line == event.summary_line() == LINES[event.TYPE](record), record
            assert "\n" not in line, line
    finally:
        activate("en")


# The summaries of the forms above, as the log has shown them, in English and in Dutch.
SUMMARIES = {
    "en": ["budget now: ", "VB demand on topic:ptss: Meer geld",
           "retracts the event at position 23: dubbel genoteerd",
           "VB commits to VNG, JENV: Iets zonder termijn", "commitment zonder-termijn fulfilled",
           "claim zonder-bedrag by VB against RIJK: Een claim zonder bedrag",
           "claim zonder-bedrag partially_granted (€ 5)",
           "meeting zonder-agenda set for 2025-11-01: Overleg",
           "distribution key bdur-voorbeeld retired: vervangen"],
    "nl": ["budget nu: ", "VB over topic:ptss: eist — Meer geld",
           "neemt de gebeurtenis op positie 23 terug als vergissing: dubbel genoteerd",
           "VB zegt VNG, JENV toe: Iets zonder termijn", "toezegging zonder-termijn nagekomen",
           "claim zonder-bedrag van VB op RIJK: Een claim zonder bedrag",
           "claim zonder-bedrag deels toegekend (€ 5)",
           "overleg zonder-agenda gepland op 1 november 2025: Overleg",
           "verdeelsleutel bdur-voorbeeld buiten gebruik gesteld: vervangen"],
}


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_summary_of_a_record_is_the_line_the_log_has_shown(language):
    activate(language)
    try:
        assert [summary(entry) for entry in MORE] == SUMMARIES[language]
    finally:
        activate("en")


READERS = [["log"], ["log", "--type", "position_taken"], ["log", "--stakeholder", "VB"],
           ["history", "proposal"], ["history", "item:noodsteunpunten"], ["status"],
           ["commitments"], ["positions"], ["claims"], ["proposal"], ["stakeholders"],
           ["meetings"]]


def test_reading_commands_load_neither_the_event_sourcing_library_nor_the_domain(tmp_path):
    """What start-up costs: a reader of a caught-up SQLite store reads the views and the stored
    JSON, and needs neither the library nor the domain's event classes."""
    store = tmp_path / "example.db"
    shutil.copyfile(EXAMPLE_STORE, store)
    views = tmp_path / "views.db"
    # Each command in a process of its own, the views caught up by the first.
    fresh = f"""
import subprocess, sys
for command in [["status"], *{READERS!r}]:
    probe = ("import sys; from akkoord.cli.main import main; "
             "main(['--db', {str(store)!r}, '--views', {str(views)!r}, *sys.argv[1:]]); "
             "print('heavy:', sorted(m for m in sys.modules if m.split('.')[0] == 'eventsourcing' "
             "or m == 'akkoord.domain.negotiation' or m.startswith('akkoord.application')), "
             "file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True)
    print(done.stderr.strip().splitlines()[-1], file=sys.stderr)
"""
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "AKKOORD_ACTOR": "test", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    run = subprocess.run([sys.executable, "-c", fresh], cwd=REPO, env=env, capture_output=True,
                         text=True, check=True)
    assert run.stderr.splitlines()[1:] == ["heavy: []"] * len(READERS)


def test_reading_commands_that_show_no_value_object_load_no_dataclasses(tmp_path):
    """``dataclasses`` brings ``inspect`` (with ``ast``, ``dis``, ``tokenize``): a tenth of a
    reading command's start. The value classes, and what imports them, stay out of the readers:
    what they need of them (amounts, dates, the limits) is in ``domain.written``."""
    store = tmp_path / "example.db"
    shutil.copyfile(EXAMPLE_STORE, store)
    views = tmp_path / "views.db"
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "AKKOORD_ACTOR": "test", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    probe = ("import sys; from akkoord.cli.main import main; "
             f"main(['--db', {str(store)!r}, '--views', {str(views)!r}, *sys.argv[1:]]); "
             "print('loaded:', sorted(m for m in ('dataclasses', 'inspect', 'akkoord.domain.values')"
             " if m in sys.modules), file=sys.stderr)")
    subprocess.run([sys.executable, "-c", probe, "status"], cwd=REPO, env=env, check=True,
                   capture_output=True)  # the views caught up first
    for command in (["status"], ["proposal"], ["log"], ["claims"], ["commitments"], ["positions"],
                    ["history", "proposal"], ["verify"], ["checkpoint"]):
        done = subprocess.run([sys.executable, "-c", probe, *command], cwd=REPO, env=env,
                              capture_output=True, text=True)
        assert done.stderr.strip().splitlines()[-1] == "loaded: []", (command, done.stderr)
