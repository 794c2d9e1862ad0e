"""A large JSON file is read as a stream, many whole lines of events per decoding call where it
can be (``_JSONStream._elements_of_whole_lines``): that must read the same entries and refuse the
same files with the same messages as reading the events one by one."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from akkoord.interchange import logformat
from akkoord.interchange.logformat import FileRefused, read_log_file

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import generate  # noqa: E402

EVENTS = list(generate.dossier_events(300, seed=5))


def one_a_line(events: list[dict]) -> str:
    lines = [json.dumps(event, ensure_ascii=False) for event in events]
    return ('{"format": "akkoord/1", "negotiation": "stream", "events": [\n'
            + ",\n".join(lines) + "\n]}\n")


def replaced_in_event(text: str, index: int, old: str, new: str) -> str:
    """The text with ``old`` replaced by ``new`` in the line of event ``index`` only."""
    lines = text.split("\n")
    assert old in lines[index + 1]
    lines[index + 1] = lines[index + 1].replace(old, new, 1)
    return "\n".join(lines)


PLAIN = one_a_line(EVENTS)
FILES = {
    "one event a line": PLAIN,
    "Windows line ends": PLAIN.replace("\n", "\r\n"),
    "on one line": json.dumps({"format": "akkoord/1", "negotiation": "stream", "events": EVENTS}),
    "indented": json.dumps({"format": "akkoord/1", "negotiation": "stream", "events": EVENTS},
                           indent=2),
    "blank lines and commas first": PLAIN.replace(",\n", "\n\n  , "),
    "a missing colon late": replaced_in_event(PLAIN, 250, '"date": ', '"date" '),
    "a missing comma between events": replaced_in_event(PLAIN, 120, '{"type"', ' {"type"'
                                                        ).replace("},\n {", "}\n {", 1),
    "two commas": replaced_in_event(PLAIN, 200, '{"type"', ',{"type"'),
    "an integer of 5000 digits": replaced_in_event(PLAIN, 3, '"date"', '"n": ' + "9" * 5000
                                                   + ', "date"'),
    # values that C decoders other than json's read otherwise, or refuse
    "a whole number of 20 digits": replaced_in_event(PLAIN, 5, '"date"', '"note": '
                                                     '18446744073709551616, "date"'),
    "a negative number beyond 64 bits": replaced_in_event(PLAIN, 6, '"date"', '"note": '
                                                          '-9223372036854775809, "date"'),
    "a lone surrogate": replaced_in_event(PLAIN, 8, '"date"', '"note": "\\ud800", "date"'),
    "NaN": replaced_in_event(PLAIN, 9, '"date"', '"note": NaN, "date"'),
    "1e400": replaced_in_event(PLAIN, 10, '"date"', '"note": 1e400, "date"'),
    "nested 5000 deep": replaced_in_event(PLAIN, 7, '"date"', '"note": ' + "[" * 5000
                                          + "]" * 5000 + ', "date"'),
    "an unknown field, then a missing colon": replaced_in_event(
        replaced_in_event(PLAIN, 40, '"date"', '"colour": "red", "date"'),
        260, '"date": ', '"date" '),
    "a refused event last": replaced_in_event(PLAIN, 299, '"date"', '"colour": "red", "date"'),
    "text after the document": PLAIN + '{"x": []}\n',
    "an event cut off": PLAIN[:PLAIN.index('"date"', len(PLAIN) // 2)] + "\n]}\n",
}


def outcome(path: Path) -> list | str:
    try:
        return list(read_log_file(str(path)).entries)
    except FileRefused as refused:
        return f"refused: {refused}"


@pytest.mark.parametrize("window", [logformat.STREAM_READ, 4096, 333])
@pytest.mark.parametrize("case", FILES)
def test_reading_whole_lines_at_once_reads_and_refuses_as_reading_one_by_one(
        case, window, tmp_path, monkeypatch):
    path = tmp_path / "events.json"
    path.write_text(FILES[case], encoding="utf-8", newline="")
    monkeypatch.setattr(logformat, "STREAM_READ", window)
    assert logformat._events_come_last(str(path))  # (else it is read whole)
    at_once = outcome(path)
    monkeypatch.setattr(logformat._JSONStream, "LINES_AT_ONCE", False)
    assert at_once == outcome(path)
    if case in ("one event a line", "Windows line ends", "on one line", "indented"):
        assert len(at_once) == len(EVENTS)


def _calls_of(method: str, monkeypatch) -> list[int]:
    """Where the stream stood at each call of its ``method``, the file read 4 KiB at a time."""
    calls: list[int] = []
    original = getattr(logformat._JSONStream, method)
    monkeypatch.setattr(logformat._JSONStream, method,
                        lambda stream: calls.append(stream.at) or original(stream))
    monkeypatch.setattr(logformat, "STREAM_READ", 4096)
    return calls


def test_a_file_of_one_event_a_line_is_decoded_many_events_a_call(tmp_path, monkeypatch):
    path = tmp_path / "events.json"
    path.write_text(PLAIN, encoding="utf-8")
    calls = _calls_of("value", monkeypatch)
    assert len(list(read_log_file(str(path)).entries)) == len(EVENTS)
    # One by one: the header's keys and values (read twice), the event that each window cuts
    # and the last.
    assert len(calls) <= 2 * 5 + len(PLAIN) // 4096 + 1 + 1


def test_a_file_on_one_line_has_its_window_searched_once_per_part_read(tmp_path, monkeypatch):
    """``json.dump`` and ``jq -c`` write a whole file on one line; had the window been searched
    for a line end before every event, a file of 10,000 events took 10 s instead of 1 s."""
    path = tmp_path / "events.json"
    path.write_text(FILES["on one line"], encoding="utf-8")
    searches = _calls_of("_last_line_end", monkeypatch)
    assert len(list(read_log_file(str(path)).entries)) == len(EVENTS)
    assert len(searches) <= path.stat().st_size // 4096 + 2
