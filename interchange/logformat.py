"""The negotiation log format ``akkoord/1``: reading files into entries, writing events as records.

Both directions live here so that what ``import`` reads, what ``export --format yaml`` writes and
the ``data`` that ``log --json`` shows are one mapping. The field list of each event type comes
from the domain's event classes; this module knows only the notation (amounts such as
``"27.7M"``, periods as ``year``/``from``/``until``, dates as YYYY-MM-DD).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from akkoord.domain.errors import Refusal
from akkoord.interchange import yaml_reader
from akkoord.i18n import _
from akkoord.domain.negotiation import EVENT_TYPES, Negotiation
from akkoord.domain.records import record_of
from akkoord.domain.schema import FieldSpec, field_names_of, fields_of, item_type_of
from akkoord.application.service import Entry
from akkoord.domain.values import (SOURCE_KEYS, Amount, BudgetLine, Euros, FileOrigin, Period,
                                    MAX_EUROS, ProposalItem, Source, euros, require_storable,
                                    written_date)

FORMAT = "akkoord/1"
# An amount as text (revision 2): an optional euro sign, a number and an optional suffix. The
# number's marks are read by parse_amount: dots grouping thousands, or one decimal mark.
AMOUNT = re.compile(r"^(?:€[ \u00a0]?)?([0-9][0-9.,]*)[ \u00a0]?([a-z]+|[kM])?$")
SUFFIX = {None: 1, "k": 1_000, "duizend": 1_000, "M": 1_000_000, "miljoen": 1_000_000,
          "mln": 1_000_000, "miljard": 1_000_000_000, "mld": 1_000_000_000}
UNFIT_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
GROUPED = re.compile(r"^[0-9]{1,3}(?:\.[0-9]{3})+$")
MAX_DIGITS = 18
# Longer text is no amount; bounding it first keeps the arithmetic and the message small.
MAX_AMOUNT_TEXT = 64
# What every record may hold besides its type's own fields.
RECORD_FIELDS = frozenset({"type", "date", "ref", "source", "note"})


class FileRefused(Exception):
    """A log file that cannot be imported; nothing of it is stored."""

    def __init__(
        self,
        path: str,
        reason: str,
        index: int | None = None,
        line: int | None = None,
        event_type: str | None = None,
    ):
        self.path, self.reason, self.index, self.line = path, reason, index, line
        self.event_type = event_type
        where = ""
        if index is not None:
            details = [_("line {line}").format(line=line)] if line is not None else []
            if event_type:
                details.append(str(event_type))
            where = f" events[{index}]" + (f" ({', '.join(details)})" if details else "")
        super().__init__(f"{path}:{where} {reason}")


@dataclass(frozen=True)
class LogFile:
    path: str
    negotiation: str
    # A list, or (a large JSON file) the entries read again from the file at each iteration.
    entries: Iterable[Entry]
    lines: list[int | None] | None = None
    # The file's name and the SHA-256 of its bytes, kept with every event recorded from it.
    origin: FileOrigin | None = None

    def refusal(self, index: int, reason: str, event_type: str | None = None) -> FileRefused:
        line = self.lines[index] if self.lines else None
        return FileRefused(self.path, reason, index, line, event_type)


# -- reading ------------------------------------------------------------------------------------


def load_document(path: str) -> tuple[Any, list[int | None]]:
    """The parsed file, and the line of each event (YAML only)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _unreadable(path, error) from None
    return parse_document(text, path, "json" if path.endswith(".json") else "yaml")


def parse_document(text: str, path: str, format: str) -> tuple[Any, list[int | None]]:
    """The parsed text of a log file (``format`` json or yaml), and the line of each event."""
    if format == "json":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise FileRefused(path, _("is not valid JSON: {error}").format(error=error)) from None
        except (ValueError, RecursionError) as error:  # a number too long, nesting too deep
            raise FileRefused(path, _("is not valid JSON: {load_problem}")
                                    .format(load_problem=_load_problem(error))) from None
        events = document.get("events") if isinstance(document, dict) else None
        return document, [None] * (len(events) if isinstance(events, list) else 0)
    # YAML 1.2 through libyaml: see interchange.yaml12 for why not PyYAML's own loader.
    from akkoord.interchange.yaml12 import YAMLRefused, load

    try:
        document, lines = load(text)
    except YAMLRefused as refusal:
        raise _not_valid_yaml(path, refusal) from None
    return document, list(lines)


def _load_problem(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return _("it is nested too deeply")
    return str(error).split(";")[0]  # e.g. an integer of more than 4300 digits


def read_log_file(path: str) -> LogFile:
    origin = FileOrigin(Path(path).name, _file_sha256(path))
    if path.endswith(".json") and _events_come_last(path):
        negotiation, default_source = _check_header(path, _json_header(path))
        return LogFile(path, negotiation, StreamedEntries(path, default_source), origin=origin)
    if not path.endswith(".json"):
        reader = yaml_reader.reader_for(path)
        if reader is not None:
            return _read_apart(path, reader, origin)
    document, lines = load_document(path)
    return _log_file(path, document, lines, origin)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0  # read here, which says why it cannot be


def _read_apart(path: str, reader: yaml_reader.Reader, origin: FileOrigin) -> LogFile:
    """The log file whose YAML the reader process reads: its events streamed as they are read,
    or the whole document where ``events`` is not the top mapping's list."""
    first = reader.message()
    if first[0] == "header":
        header = first[1]
        negotiation, default_source = _check_header(path, {**header, "events": []})
        lines: list[int | None] = []
        entries = StreamedYAMLEntries(path, default_source, header, lines, reader)
        return LogFile(path, negotiation, entries, lines, origin)
    reader.close()
    if first[0] == "whole":
        return _log_file(path, first[1], first[2], origin)
    raise _refused_yaml(path, first)


def _refused_yaml(path: str, message: list[Any]) -> FileRefused:
    """The refusal the reader process said, as the file read here would be refused."""
    if message[0] == "unreadable":
        return _unreadable(path, message[1])
    if message[0] == "refused":
        return _not_valid_yaml(path, message[1])
    return FileRefused(path, _("cannot be read: the process reading it stopped"))


def _unreadable(path: str, error: Any) -> FileRefused:
    return FileRefused(path, _("cannot be read: {error}").format(error=error))


def _not_valid_yaml(path: str, refusal: Any) -> FileRefused:
    from akkoord.interchange.text import shorten

    return FileRefused(path, _("is not valid YAML: {refusal}")
                             .format(refusal=shorten(str(refusal), 300)))


class StreamedYAMLEntries:
    """The entries of a large YAML file, read by a process of its own as they are decided (a new
    one at each iteration after the first); ``lines`` gets the line of each entry read, for the
    refusals that name it."""

    def __init__(self, path: str, default_source: Source | None, header: dict[str, Any],
                 lines: list[int | None], reader: yaml_reader.Reader | None):
        self.path, self.default_source, self.header = path, default_source, header
        self.lines, self._reader = lines, reader

    def __length_hint__(self) -> int:
        return _size(self.path) // BYTES_PER_EVENT_GUESSED

    def __iter__(self) -> Iterator[Entry]:
        reader, self._reader = self._reader, None
        if reader is None:
            reader = yaml_reader.Reader.start(self.path)
            if reader is None:  # read here, whole
                document, lines = load_document(self.path)
                self.lines[:] = lines
                yield from _log_file(self.path, document, lines, None).entries  # type: ignore[arg-type]
                return
            first = reader.message()
            if first[0] != "header":
                reader.close()
                raise _refused_yaml(self.path, first)
        self.lines.clear()
        try:
            while True:
                message = reader.message()
                if message[0] == "event":
                    line, record = message[1], message[2]
                    self.lines.append(line)
                    yield _entry(self.path, len(self.lines) - 1, record, self.default_source, line)
                elif message[0] == "end":  # keys after the events: refused as they are here
                    _check_header(self.path, {**self.header, "events": [], **message[1]})
                    return
                else:
                    raise _refused_yaml(self.path, message)
        finally:
            reader.close()


def read_log_text(text: str, name: str, format: str) -> LogFile:
    """A log file given as text (standard input): ``format`` is yaml or json; ``name`` names it
    in messages and as the events' origin."""
    document, lines = parse_document(text, name, format)
    origin = FileOrigin(name, hashlib.sha256(text.encode("utf-8")).hexdigest())
    return _log_file(name, document, lines, origin)


def _log_file(path: str, document: Any, lines: list[int | None], origin: FileOrigin) -> LogFile:
    negotiation, default_source = _check_header(path, document)
    entries = []
    for index, record in enumerate(document["events"]):
        entries.append(_entry(path, index, record, default_source,
                              lines[index] if index < len(lines) else None))
    return LogFile(path, negotiation, entries, lines, origin)


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            while chunk := stream.read(STREAM_READ):
                digest.update(chunk)
    except OSError as error:
        raise _unreadable(path, error) from None
    return digest.hexdigest()


def _check_header(path: str, document: Any) -> tuple[str, Source | None]:
    """The dossier and the default source of a file, or the reason it is refused."""
    if not isinstance(document, dict):
        raise FileRefused(path, _("must be a mapping with format, negotiation and events"))
    if document.get("format") != FORMAT:
        raise FileRefused(path, _("format must be {FORMAT!r}, not {found!r}")
                                .format(FORMAT=FORMAT, found=document.get('format')))
    negotiation = document.get("negotiation")
    if not isinstance(negotiation, str) or not negotiation.strip():
        raise FileRefused(path, _("negotiation (the dossier's slug) is missing"))
    try:
        _plain_text("negotiation", negotiation)
    except Refusal as refusal:
        raise FileRefused(path, str(refusal)) from None
    if not isinstance(document.get("events"), list):
        raise FileRefused(path, _("events must be a list"))
    unknown = sorted(set(document) - {"format", "negotiation", "source", "events"}, key=str)
    if unknown:
        raise FileRefused(path, _("unknown top-level key {unknown!r}").format(unknown=unknown[0]))
    try:
        return negotiation, _source(document.get("source"))
    except Refusal as refusal:
        raise FileRefused(path, _("source: {refusal}").format(refusal=refusal)) from None


def _entry(path: str, index: int, record: Any, default_source: Source | None,
           line: int | None = None) -> Entry:
    try:
        return entry_from_record(record, default_source)
    except Refusal as refusal:
        event_type = record.get("type") if isinstance(record, dict) else None
        if not isinstance(event_type, str) or not event_type.isprintable():
            event_type = None
        raise FileRefused(path, str(refusal), index, line, event_type) from None
    except RecursionError:  # a value nested too deeply to be quoted in a refusal
        raise FileRefused(path, _("a value is nested too deeply"), index, line) from None


# -- large JSON files, read as a stream ----------------------------------------------------------
#
# A file is stored whole or not at all, and a dossier may hold a million events: a large JSON
# file is read one event at a time while its events are stored in one transaction, so the file
# is never held whole. That needs the file's header before its events; a JSON object whose last
# value is a list has ``events`` last (the only list-valued key), which is how ``export`` and
# every generator write it. Any other file is read whole.

STREAM_READ = 1 << 20
# Bytes of a streamed file guessed per event, to guess how many it holds: the generators write
# some 200, an export some 300, a file written by hand more.
BYTES_PER_EVENT_GUESSED = 300
WHITESPACE = re.compile(r"[ \t\n\r]*")


def _events_come_last(path: str) -> bool:
    try:
        with open(path, "rb") as stream:
            stream.seek(0, 2)
            stream.seek(max(0, stream.tell() - 64))
            tail = stream.read().rstrip()
    except OSError:
        return False
    return tail.endswith(b"}") and tail[:-1].rstrip().endswith(b"]")


class _JSONStream:
    """Reads JSON values one at a time from a file, keeping only a window of it in memory."""

    # Whether a list's elements are first tried many lines at a time (off: one by one, always).
    LINES_AT_ONCE = True

    def __init__(self, path: str):
        self.path = path
        self.file = open(path, encoding="utf-8")  # noqa: SIM115 - closed by close()
        self.buffer, self.at, self.ended = "", 0, False
        # Whether the window holds no comma that ends a line from ``at`` on: set when one was
        # sought and none found, until the window grows (a file of one line would otherwise
        # have its window searched again for every element: quadratic).
        self.no_line_end = False
        self.decoder = json.JSONDecoder()
        # Until a run of whole lines fails to decode as elements (see _elements_of_whole_lines).
        self.lines_at_once = self.LINES_AT_ONCE

    def close(self) -> None:
        self.file.close()

    def _more(self) -> bool:
        try:
            chunk = self.file.read(STREAM_READ)
        except UnicodeDecodeError as error:
            raise FileRefused(self.path, _("is not valid UTF-8: {reason} (byte {start} of a block"
                                           " read)").format(reason=error.reason, start=error.start)) from None
        if not chunk:
            self.ended = True
            return False
        self.buffer, self.at = self.buffer[self.at:] + chunk, 0
        self.no_line_end = False
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end of the file)."""
        while True:
            self.at = WHITESPACE.match(self.buffer, self.at).end()
            if self.at < len(self.buffer) or not self._more():
                return self.buffer[self.at:self.at + 1]

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = self.peek() or _("the end of the file")
            raise FileRefused(self.path, _("is not valid JSON: expected {char!r}, found {found!r}")
                                         .format(char=char, found=found))
        self.at += 1

    def value(self) -> Any:
        """The value at the next character that is not white space."""
        if self.at >= len(self.buffer) or self.buffer[self.at] in " \t\n\r":
            self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.at)
            except json.JSONDecodeError as error:
                if self._more():
                    continue
                raise FileRefused(self.path, _("is not valid JSON: {msg}")
                                             .format(msg=error.msg)) from None
            except (ValueError, RecursionError) as error:  # a number too long, nesting too deep
                raise FileRefused(self.path, _("is not valid JSON: {load_problem}")
                                             .format(load_problem=_load_problem(error))) from None
            # A number that ends the window may go on in the next part of the file.
            if end == len(self.buffer) and not self.ended and self._more():
                continue
            self.at = end
            return value

    def _steps(self, opening: str, closing: str) -> Iterator[None]:
        """Walks an object or a list: one step per member, the commas between them read."""
        self.expect(opening)
        if self.peek() == closing:
            self.at += 1
            return
        while True:
            yield
            char = self.peek()
            self.at += 1
            if char == closing:
                return
            if char != ",":
                found = char or _("the end of the file")
                raise FileRefused(self.path, _("is not valid JSON: expected ',' or {closing!r}, "
                                               "found {found!r}").format(closing=closing, found=found))

    def members(self) -> Iterator[tuple[str, Any]]:
        """The object's (key, value) pairs; the value of ``events`` is left to be read."""
        for _step in self._steps("{", "}"):
            key = self.value()
            if not isinstance(key, str):
                raise FileRefused(self.path, _("is not valid JSON: a key must be a string"))
            self.expect(":")
            yield key, None if key == "events" and self.peek() == "[" else self.value()

    def elements(self) -> Iterator[Any]:
        for _step in self._steps("[", "]"):
            if batch := self._elements_of_whole_lines():
                yield from batch
            else:
                yield self.value()

    def _elements_of_whole_lines(self) -> list[Any]:
        """The list's elements from here up to the window's last comma that ends a line, decoded
        by one call instead of one call (and Python steps around it) each; the stream is left at
        that comma. [] when there is no such comma or that text is not a run of elements: the
        elements are then read one by one, whose refusals say what is wrong where.

        A raw line end cannot be inside a JSON string, so a comma before one is a token; if the
        text up to it decodes as the members of a list, it is the elements ``value`` would read
        one by one, and the comma is the list's. Files of one element a line (``export``, every
        generator) are so read nearly whole; after one failure, the rest of the file is read one
        by one, so that no text is decoded twice over."""
        if not self.lines_at_once or self.no_line_end:
            return []
        end = self._last_line_end()
        self.no_line_end = True  # none after it: the text up to it is read now, or one by one
        if end < 0:
            return []
        try:
            batch = json.loads("[" + self.buffer[self.at:end] + "]")
        except (ValueError, RecursionError):  # refused as the element that holds it is read
            self.lines_at_once = False
            return []
        if batch:  # (none: only white space before the comma, refused as value reads it)
            self.at = end
        return batch

    def _last_line_end(self) -> int:
        """Where the window's last comma that ends a line is, from ``at`` on (-1: none)."""
        return max(self.buffer.rfind(",\n", self.at), self.buffer.rfind(",\r\n", self.at))

    def expect_end(self) -> None:
        """Nothing but white space may follow the document."""
        if self.peek():
            raise FileRefused(self.path, _("is not valid JSON: there is text after the document"))


def _json_header(path: str) -> dict[str, Any]:
    """The keys before ``events`` (which is marked as a list, to be streamed)."""
    stream = _JSONStream(path)
    header: dict[str, Any] = {}
    try:
        for key, value in stream.members():
            if key == "events" and value is None:
                header["events"] = []
                break
            header[key] = value
    finally:
        stream.close()
    return header


class StreamedEntries:
    """The entries of a large JSON file, read from the file again at every iteration."""

    def __init__(self, path: str, default_source: Source | None):
        self.path, self.default_source = path, default_source

    def __length_hint__(self) -> int:
        """A guess of how many events the file holds, from its size, for the store to prepare
        for a large batch (``operator.length_hint``)."""
        return _size(self.path) // BYTES_PER_EVENT_GUESSED

    def __iter__(self) -> Iterator[Entry]:
        stream = _JSONStream(self.path)
        try:
            header: dict[str, Any] = {}
            for key, value in stream.members():
                if key == "events" and value is None:
                    for index, record in enumerate(stream.elements()):
                        yield _entry(self.path, index, record, self.default_source)
                    header["events"] = []
                else:
                    header[key] = value
            stream.expect_end()
            _check_header(self.path, header)  # keys after the events (only a refused file)
        finally:
            stream.close()


def entry_from_record(record: Any, default_source: Source | None = None) -> Entry:
    """One event of a log file, read into the domain's values."""
    if not isinstance(record, dict):
        raise Refusal(_("an event must be a mapping, not {record!r}").format(record=record))
    event_type = record.get("type")
    if event_type is None:
        raise Refusal(_("missing required field 'type'"))
    event_class = EVENT_TYPES.get(event_type) if isinstance(event_type, str) else None
    if event_class is None:
        raise Refusal(_("unknown event type {event_type!r}").format(event_type=event_type))
    known = _record_keys(event_class)
    if not known.issuperset(record):
        raise Refusal(_("unknown field {field} for {event_type}").format(
                          field=_shown(sorted(set(record) - known, key=str)[0]), event_type=event_type))
    if "date" not in record:
        raise Refusal(_("missing required field 'date'"))
    ref, note = record.get("ref"), record.get("note")
    fields: dict[str, Any] = {
        "date": _date("date", record["date"]),
        "ref": ref if ref is None or _is_plain_text(ref) else _plain_text("ref", ref),
        "note": note if note is None or _is_plain_text(note) else _plain_text("note", note),
        "source": _source(record["source"]) if "source" in record else default_source,
    }
    for name, is_text, read, required, empty in _reading_plan(event_class):
        value = record.get(name)
        if is_text and type(value) is str and value.strip() and value.isprintable():
            fields[name] = value  # the common case, without a call
        elif value is None:
            if required:
                raise Refusal(_("missing required field {name!r}").format(name=name))
            fields[name] = empty
        else:
            fields[name] = read(name, value)
    return Entry(event_type, fields)


def _is_plain_text(value: Any) -> bool:
    return type(value) is str and value.isprintable()


@cache
def _reading_plan(event_class: type) -> tuple[tuple[str, bool, Reading, bool, Any], ...]:
    """For each field a record gives: its name, whether it is plain text (most values are, and
    are taken without a call), how any other value of it is read, whether it is required and
    what it holds when left out."""
    return tuple((spec.name, spec.type is str, _field_reading(spec), spec.required, spec.empty)
                 for spec in fields_of(event_class) if not spec.implied)


@cache
def _record_keys(event_class: type) -> frozenset[str]:
    """The keys a record of that event type may hold."""
    return field_names_of(event_class, readable=True) | RECORD_FIELDS


# How a value of one declared type is read: (the field's name, for messages; the value) -> the
# domain's value, or a Refusal.
Reading = Callable[[str, Any], Any]


def _field_reading(spec: FieldSpec) -> Reading:
    read = _reading(spec.type)
    if not spec.one_or_many:
        return read
    return lambda name, value: read(name, value if isinstance(value, list) else [value])


@cache
def _reading(expected: Any) -> Reading:
    """The reading of a declared type, chosen once per type (reading runs for every field of
    every event)."""
    item_type = item_type_of(expected)
    if item_type is not None:
        return functools.partial(_items, _reading(item_type), item_type is str)
    if isinstance(expected, type) and issubclass(expected, Enum):
        return functools.partial(_member, expected)
    readings: dict[Any, Reading] = {
        str: _text, Euros: parse_amount, date: _date, BudgetLine: _budget_line,
        ProposalItem: _proposal_item, dict: plain_mapping, int: _whole_number}
    if expected not in readings:
        raise TypeError(f"no reading for {expected!r}")  # a declaration this module lacks
    return readings[expected]


def _items(read_item: Reading, of_text: bool, name: str, value: Any) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise Refusal(_("{name} must be a list, not {value!r}").format(name=name, value=value))
    if of_text:
        for item in value:  # (a loop, not all() of a generator: a list of text is common)
            if type(item) is not str or not item.isprintable() or not item.strip():
                break
        else:
            return tuple(value)
    return tuple(read_item(f"{name}[{i}]", item) for i, item in enumerate(value))


def _member(expected: type[Enum], name: str, value: Any) -> Enum:
    member = expected._value2member_map_.get(value) if isinstance(value, str) else None
    if member is None:
        choices = ", ".join(member.value for member in expected)
        raise Refusal(_("{name} must be one of {choices}, not {value!r}")
                      .format(name=name, choices=choices, value=value))
    return member


def _budget_line(name: str, value: Any) -> BudgetLine:
    line = _mapping(name, value, {"party", "purpose", "amount", "year", "from", "until"})
    return BudgetLine(
        party=_text(f"{name}.party", line.get("party")),
        purpose=_optional_text(f"{name}.purpose", line.get("purpose")),
        amount=parse_amount(f"{name}.amount", line.get("amount")),
        period=_period(name, line),
    )


def _proposal_item(name: str, value: Any) -> ProposalItem:
    keys = {"id", "purpose", "recipient", "amounts", "distribution", "conditions"}
    item = _mapping(name, value, keys)
    amounts = item.get("amounts")
    if not isinstance(amounts, list):
        raise Refusal(_("{name}.amounts must be a list, not {amounts!r}")
                      .format(name=name, amounts=amounts))
    conditions = item.get("conditions") or []
    if not isinstance(conditions, list):
        raise Refusal(_("{name}.conditions must be a list, not {conditions!r}")
                      .format(name=name, conditions=conditions))
    return ProposalItem(
        id=_text(f"{name}.id", item.get("id")),
        purpose=_text(f"{name}.purpose", item.get("purpose")),
        recipient=_text(f"{name}.recipient", item.get("recipient")),
        amounts=tuple(_amount(f"{name}.amounts[{i}]", a) for i, a in enumerate(amounts)),
        distribution=_optional_text(f"{name}.distribution", item.get("distribution")),
        conditions=tuple(
            _text(f"{name}.conditions[{i}]", c) for i, c in enumerate(conditions)
        ),
    )


def _whole_number(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refusal(_("{name} must be a whole number, not {value!r}")
                      .format(name=name, value=value))
    return require_storable(name, int(value))


def _mapping(name: str, value: Any, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Refusal(_("{name} must be a mapping, not {value!r}").format(name=name, value=value))
    if not keys.issuperset(value):
        unknown = sorted(set(value) - keys, key=str)
        raise Refusal(_("{name}: unknown field {unknown}")
                      .format(name=name, unknown=_shown(unknown[0])))
    return value


def plain_mapping(name: str, value: Any) -> dict[str, Any]:
    """A mapping of the file as plain Python values (the domain checks what they mean)."""
    if not isinstance(value, dict):
        raise Refusal(_("{name} must be a mapping, not {value!r}").format(name=name, value=value))
    for key in value:
        if not isinstance(key, str):
            raise Refusal(_("{name}: a key must be text, not {key!r}").format(name=name, key=key))
    return {str(key): plain_mapping(f"{name}.{key}", inner) if isinstance(inner, dict) else inner
            for key, inner in value.items()}


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Refusal(_("{name} must be non-empty text, not {value}")
                      .format(name=name, value=_shown(value)))
    return _plain_text(name, value)


def _plain_text(name: str, value: Any) -> Any:
    """Text without control characters (newline and tab allowed) or lone surrogates: what the
    views and a terminal would hide, cut or obey. Anything else is passed on to be checked."""
    if isinstance(value, str) and not value.isprintable():
        found = UNFIT_TEXT.search(value)
        if found is not None:
            raise Refusal(_("{name} holds the character {group!r} at {start}: text may hold no "
                            "control characters but newline and tab").format(name=name, group=found.group(), start=found.start()))
    return value


def _optional_text(name: str, value: Any) -> str | None:
    return None if value is None else _text(name, value)


# Dates read, by their text: every event has one or more, and a dossier's events share few
# (a date is immutable, so one object serves them all).
_DATES_READ: dict[str, date] = {}
DATES_KEPT = 4096


def _date(name: str, value: Any) -> date:
    found = _DATES_READ.get(value) if type(value) is str else None
    if found is not None:
        return found
    if isinstance(value, str):
        try:
            found = written_date(value)
        except ValueError:
            raise Refusal(_("{name} {value!r} is not a real date")
                          .format(name=name, value=value)) from None
        if found is not None:
            if len(_DATES_READ) >= DATES_KEPT:
                _DATES_READ.clear()
            _DATES_READ[value] = found
            return found
    raise Refusal(_("{name} must be a date written YYYY-MM-DD, not {value!r}")
                  .format(name=name, value=value))


def parse_amount(name: str, value: Any) -> Euros:
    """Whole euros from ``25000000``, ``"27.7M"`` or a Dutch notation (``"€ 5.000.000"``,
    ``"27,7 miljoen"``, ``"250k"``), computed exactly; fractions of a euro are refused."""
    if isinstance(value, bool) or isinstance(value, float):
        raise Refusal(_('{name} must be whole euros or a string such as "27,7M", not {value!r}')
                      .format(name=name, value=value))
    if isinstance(value, int):
        whole_euros = int(value)
    elif isinstance(value, str):
        whole_euros = _euros_of_text(name, value)
    else:
        raise Refusal(_('{name} {value} is not an amount (whole euros, or e.g. "27,7M")')
                      .format(name=name, value=_shown(value)))
    if whole_euros <= 0:
        raise Refusal(_("{name} must be positive, not {value}")
                      .format(name=name, value=_shown(value)))
    if whole_euros > MAX_EUROS:
        raise Refusal(_("{name} {value} is above the largest amount, 10^15 euros")
                      .format(name=name, value=_shown(value)))
    return Euros(whole_euros)


def _euros_of_text(name: str, value: str) -> int:
    text = value.strip()
    if len(text) > MAX_AMOUNT_TEXT:
        raise Refusal(_("{name} {value} is too long to be an amount")
                      .format(name=name, value=_shown(value)))
    if not text.isascii() and any(char.isdigit() and not "0" <= char <= "9" for char in text):
        raise Refusal(_("{name} {value} has a digit that is not 0-9")
                      .format(name=name, value=_shown(value)))
    match = AMOUNT.match(text)
    if match is not None and match.group(2) not in SUFFIX:
        raise Refusal(_("{name} {value}: {group!r} is not a suffix of an amount; write k, "
                        "duizend, M, miljoen, mln, miljard or mld").format(name=name, value=_shown(value), group=match.group(2)))
    if match is None:
        raise Refusal(_('{name} {value} is not an amount (whole euros, or e.g. "27,7M", "€ '
                        '5.000.000", "1,5 miljard", "250k")').format(name=name, value=_shown(value)))
    number, suffix = match.groups()
    whole, fraction = _marks_read(name, value, number, suffix)
    if len(whole) > MAX_DIGITS:
        raise Refusal(_("{name} {value} has more than {MAX_DIGITS} digits of euros")
                      .format(name=name, value=_shown(value), MAX_DIGITS=MAX_DIGITS))
    # Exact: the number is int(whole + fraction) / 10^len(fraction), times the suffix.
    numerator = int(whole + fraction) * SUFFIX[suffix]
    whole_euros, rest = divmod(numerator, 10 ** len(fraction))
    if rest:
        raise Refusal(_("{name} {value} is not a whole number of euros (a fraction of a euro is "
                        "refused)").format(name=name, value=_shown(value)))
    return whole_euros


def _marks_read(name: str, value: str, number: str, suffix: str | None) -> tuple[str, str]:
    """The digits before and after the decimal mark, the grouping dots taken out."""
    dots, commas = number.count("."), number.count(",")
    if commas > 1 or (commas and number.rfind(".") > number.find(",")):
        raise Refusal(_("{name} {value} mixes its marks: write a comma for the decimal mark and "
                        'dots only to group thousands ("1.500,5M")').format(name=name, value=_shown(value)))
    whole, _comma, fraction = number.partition(",")
    if number.endswith((",", ".")):
        raise Refusal(_("{name} {value} is not a number").format(name=name, value=_shown(value)))
    if commas:
        if dots and not GROUPED.match(whole):
            raise Refusal(_("{name} {value} has grouping dots that are not in threes")
                          .format(name=name, value=_shown(value)))
        return whole.replace(".", ""), fraction
    if dots == 1:
        before, after = whole.split(".")
        if len(after) == 3 and suffix is not None:
            decimal = f"{before},{after.rstrip('0')}".rstrip(",")
            raise Refusal(
                _("{name} {value} is ambiguous: with the dot grouping thousands it is {thousands}, "
                  'with the dot as a decimal point {point}; write "{before}{after}{suffix}" for'
                  ' the first or "{decimal}{suffix}" for the second').format(
                    name=name, value=_shown(value),
                    thousands=euros(int(before + after) * SUFFIX[suffix]),
                    point=euros(int(before + after) * SUFFIX[suffix] // 1000),
                    before=before, after=after, suffix=suffix, decimal=decimal))
        if len(after) != 3:  # revision 1: a decimal point, as in "27.7M"
            return before, after
    if dots and not GROUPED.match(whole):
        raise Refusal(_("{name} {value} has grouping dots that are not in threes (write "
                        '"5.000.000")').format(name=name, value=_shown(value)))
    return whole.replace(".", ""), fraction


def _shown(value: Any, width: int = 60) -> str:
    """A value as a refusal quotes it: its repr, cut to a bounded width."""
    try:
        text = repr(value)
    except RecursionError:
        return _("(a value nested too deeply to be shown)")
    except ValueError:  # an integer too long to be written out
        return _("(a number of some {count} digits)").format(count=int(value.bit_length() * 0.30103))
    return text if len(text) <= width else text[: width - 1] + "…"


def _period(name: str, record: dict[str, Any]) -> Period:
    has_year, has_from = "year" in record, "from" in record
    if has_year and has_from:
        raise Refusal(_("{name}: a period has year or from, not both").format(name=name))
    if has_year:
        if "until" in record:
            raise Refusal(_("{name}: until goes with from, not with year").format(name=name))
        return Period.year(_year(f"{name}.year", record["year"]))
    if has_from:
        until = record.get("until")
        return Period(
            _year(f"{name}.from", record["from"]),
            None if until is None else _year(f"{name}.until", until),
        )
    raise Refusal(_("{name}: a period needs year or from").format(name=name))


def _year(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2999:
        raise Refusal(_("{name} must be a year, not {value!r}").format(name=name, value=value))
    return int(value)


def _amount(name: str, value: Any) -> Amount:
    record = _mapping(name, value, {"amount", "year", "from", "until"})
    return Amount(parse_amount(f"{name}.amount", record.get("amount")), _period(name, record))


def _source(value: Any) -> Source | None:
    if value is None:
        return None
    record = _mapping("source", value, set(SOURCE_KEYS))
    parts = {}
    for key in SOURCE_KEYS:
        part = record.get(key)
        if isinstance(part, bool) or not isinstance(part, (str, int, type(None))):
            raise Refusal(_("source.{key} must be text, not {part}")
                          .format(key=key, part=_shown(part)))
        parts[key] = None if part is None else _plain_text(f"source.{key}", str(part))
    return Source(**parts)


# -- writing ------------------------------------------------------------------------------------


# Events per call of the YAML emitter: big enough that its set-up cost vanishes, small enough
# that an export of a million events holds one page of records at a time.
EXPORT_PAGE = 500


def write_log(stream: Any, negotiation: str, events: Iterable[tuple[int, Negotiation.Event]]) -> int:
    """Writes a dossier's events as a log file of this format (YAML); returns how many.

    The file re-imports into an empty store as the same events. What the format has no field for
    (position, recorded at, recorded by) goes into a comment above each event. The events are
    written a page at a time, as they are read: the file is never built whole in memory.
    """
    from akkoord.interchange.yaml12 import comment, dump

    stream.write(comment(
        f"Dossier {negotiation}, exported from an akkoord event store\n(format {FORMAT}). "
        "Importing it records these events anew, at new\npositions, by whoever imports it."))
    stream.write(dump({"format": FORMAT, "negotiation": negotiation}))
    count = 0
    page: list[tuple[int, Negotiation.Event]] = []
    for item in events:
        page.append(item)
        if len(page) == EXPORT_PAGE:
            count += _write_page(stream, page, count == 0)
            page = []
    if page or count == 0:
        count += _write_page(stream, page, count == 0)
    return count


def _write_page(stream: Any, page: list[tuple[int, Negotiation.Event]], first: bool) -> int:
    from akkoord.interchange.yaml12 import comment, dump_items

    if first:
        stream.write("events:\n" if page else "events: []\n")
    items = dump_items([record_of(event) for _position, event in page])
    for (position, event), item in zip(page, items, strict=True):
        stream.write(comment(f"position {position}, recorded {event.timestamp.isoformat()} "
                             f"by {event.recorded_by}"))
        stream.write(item)
    return len(page)


def write_records(stream: Any, records: list[dict[str, Any]]) -> None:
    """Records of this format as a YAML list, as they stand in a log file's ``events``."""
    from akkoord.interchange.yaml12 import dump

    stream.write(dump(records))
