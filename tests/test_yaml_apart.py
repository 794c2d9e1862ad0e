"""A large YAML file is read by a process of its own, its events streamed to the import
(``interchange.yaml_reader``): that must read the same entries, with the same lines, and refuse
the same files with the same messages as reading the file here, whole."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from akkoord.interchange import yaml_reader
from akkoord.interchange.logformat import FileRefused, read_log_file
from akkoord.interchange.yaml12 import dump, dump_items

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import generate  # noqa: E402

HEADER = "format: akkoord/1\nnegotiation: apart\n"
EVENTS = list(generate.dossier_events(200, seed=7))
PLAIN = HEADER + "events:\n" + "".join(dump_items(EVENTS))
FIRST = "- type: negotiation_opened\n  date: 2025-01-01\n  title: T\n  budget: []\n"
FILES = {
    "generated": PLAIN,
    "with a default source": HEADER + "source:\n  document: memo\nevents:\n" + "".join(
        dump_items(EVENTS)),
    "an alias bomb": HEADER + "events:\n" + FIRST + "- &a [x, x, x, x, x, x, x, x, x, x]\n"
                     + "".join(f"- &a{i} [*{'a' if i == 0 else f'a{i - 1}'}, "
                               f"*{'a' if i == 0 else f'a{i - 1}'}, "
                               f"*{'a' if i == 0 else f'a{i - 1}'}]\n" for i in range(20)),
    "a duplicate key late": PLAIN + "- type: x\n  type: y\n",
    "a second document": PLAIN + "---\nformat: akkoord/1\n",
    "a foreign tag": PLAIN + "- !!binary aGVsbG8=\n",
    "an event that is not a mapping": HEADER + "events:\n" + FIRST + "- just text\n",
    "an unknown event type early": HEADER + "events:\n" + FIRST + "- type: colour\n  date: x\n"
                                   + "".join(dump_items(EVENTS[1:])),
    "keys after the events": HEADER + "events:\n" + "".join(dump_items(EVENTS))
                             + "source:\n  document: late\n",
    "an unknown key after the events": PLAIN + "colour: red\n",
    "events not a list": HEADER + "events: {a: 1}\n",
    "no events": HEADER,
    "flow style": '{format: akkoord/1, negotiation: apart, events: [{type: negotiation_opened, '
                  'date: 2025-01-01, title: T, budget: []}]}\n',
    "not YAML at the end": PLAIN + "- [unclosed\n",
}
# Values that orjson, which writes the reader's messages, writes otherwise than json, or refuses:
# each in an event's note of a file read apart (refused for it, naming the value, read here too).
for name, value in {"not a number": ".nan", "infinite": "-.inf", "a float beyond range": "1e400",
                    "a whole number of 20 digits": "18446744073709551616",
                    "a mapping with a number as key": "{1: x}",
                    "a lone surrogate": '"\\ud800"'}.items():
    FILES[f"{name} in a note"] = (PLAIN + f"- type: meeting_held\n  date: 2025-06-01\n"
                                  f"  id: m1\n  note: {value}\n")
FILES["a float beyond range, then plain events"] = HEADER + "events:\n" + "".join(
    dump_items(EVENTS[:100])) + "- type: meeting_held\n  date: 2025-06-01\n  id: m1\n" \
    "  note: 1e400\n" + "".join(dump_items(EVENTS[100:]))


REFUSED_FIRST_WHERE_DECIDED = {"an alias bomb"}


def outcome(path: Path) -> tuple | str:
    try:
        log_file = read_log_file(str(path))
        entries = list(log_file.entries)
        return log_file.negotiation, entries, list(log_file.lines or []), log_file.origin
    except FileRefused as refused:
        return f"refused: {refused}"


@pytest.mark.parametrize("case", FILES)
def test_a_yaml_file_read_apart_reads_and_refuses_as_one_read_here(case, tmp_path, monkeypatch):
    path = tmp_path / "events.yaml"
    path.write_text(FILES[case], encoding="utf-8")
    here = outcome(path)
    monkeypatch.setattr(yaml_reader, "READ_APART_FROM", 0)
    started = []
    original = yaml_reader.Reader.start.__func__

    def start(cls, file):
        started.append(file)
        return original(cls, file)

    monkeypatch.setattr(yaml_reader.Reader, "start", classmethod(start))
    apart = outcome(path)
    if case in REFUSED_FIRST_WHERE_DECIDED:
        # read whole, a file is refused for its YAML before any event; read apart, as a streamed
        # JSON file is, for the first fault met in reading order
        assert str(here).startswith("refused") and str(apart).startswith("refused")
        assert "events[1] (line 8) an event must be a mapping" in apart
    elif case == "not a number in a note":
        assert repr(apart) == repr(here) and "'note': nan" in repr(here)  # (nan != nan)
    else:
        assert apart == here
    if case in ("generated", "with a default source", "an alias bomb"):
        assert started, "read apart"
    if case == "generated":
        assert len(here[1]) == len(EVENTS) and here[2][0] == 4


def test_a_yaml_file_read_apart_is_read_again_at_each_iteration(tmp_path, monkeypatch):
    # (an import decides its file again after a lost race)
    path = tmp_path / "events.yaml"
    path.write_text(PLAIN, encoding="utf-8")
    monkeypatch.setattr(yaml_reader, "READ_APART_FROM", 0)
    log_file = read_log_file(str(path))
    assert list(log_file.entries) == list(log_file.entries)
    assert len(log_file.lines) == len(EVENTS)


def test_a_large_yaml_import_is_stored_as_the_same_file_read_here(akkoord, tmp_path,
                                                                   monkeypatch):
    path = tmp_path / "events.yaml"
    path.write_text(PLAIN, encoding="utf-8")
    assert akkoord("--db", tmp_path / "here.db", "import", path).status == 0
    monkeypatch.setattr(yaml_reader, "READ_APART_FROM", 0)
    started = []
    original = yaml_reader.Reader.start.__func__
    monkeypatch.setattr(yaml_reader.Reader, "start",
                        classmethod(lambda cls, file: started.append(file) or original(cls, file)))
    result = akkoord("--db", tmp_path / "apart.db", "import", path)
    assert result.status == 0, result.err
    # one reader, started before the import loaded the domain, and taken by it
    assert started == [str(path)] and yaml_reader._AHEAD == {}
    logs = [akkoord("--db", tmp_path / name, "log", "--json", "--all").json()
            for name in ("here.db", "apart.db")]
    strip = [[{k: v for k, v in e.items() if k != "recorded_at"} for e in log] for log in logs]
    assert strip[0] == strip[1] and len(strip[0]) == len(EVENTS)


@pytest.mark.parametrize("block", [5, 64, 1 << 20])
def test_only_a_file_whose_last_top_level_key_is_events_is_read_apart(block, tmp_path,
                                                                      monkeypatch):
    # the layout is scanned a block at a time: a top-level line cut by a block still counts
    monkeypatch.setattr(yaml_reader, "READ_APART_FROM", 0)
    monkeypatch.setattr(yaml_reader, "SCAN_BLOCK", block)
    apart = {}
    for case in ("generated", "with a default source", "keys after the events",
                 "an unknown key after the events", "flow style", "no events"):
        path = tmp_path / f"{len(apart)}.yaml"
        path.write_text(FILES[case], encoding="utf-8")
        apart[case] = yaml_reader.read_apart(str(path))
    assert apart == {"generated": True, "with a default source": True,
                     "keys after the events": False, "an unknown key after the events": False,
                     "flow style": False, "no events": False}
