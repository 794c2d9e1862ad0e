"""YAML 1.2 (core schema) read and written with libyaml, PyYAML's C binding.

PyYAML resolves plain scalars by YAML 1.1 (``no`` and ``on`` are booleans, ``2025-06-27`` a date,
``017`` octal), and its C loader spends most of its time building a node per scalar. So only the
C parser is used: its events are built into plain values here, in one loop, by the YAML 1.2
core schema, which also lets the loop note the line of each event of a log file and bound what
a hostile file can ask for (nesting depth, aliases expanding beyond the file's own size).

Writing goes through libyaml's emitter, with every text that a YAML 1.1 *or* 1.2 reader would
take for something else quoted, so the file reads the same with any YAML library.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from akkoord.i18n import _

try:
    from yaml.cyaml import CParser
    from yaml.cyaml import CSafeDumper as SafeDumper
except ImportError:  # pragma: no cover - a PyYAML built without libyaml: the same, in Python
    from yaml import SafeDumper
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class CParser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)

# Deeper than any record of the format (document, events, event, items, amounts, amount: 6).
MAX_DEPTH = 64
# Aliases may add at most as many values as the file writes out itself, plus this many: a file
# that reuses a source mapping in every event passes, a "billion laughs" does not.
ALIAS_ALLOWANCE = 10_000
# Python refuses to read integers of more digits than this (int_max_str_digits).
MAX_DIGITS = 4300

STR, INT, FLOAT, BOOL, NULL, TIMESTAMP = (f"tag:yaml.org,2002:{name}" for name in (
    "str", "int", "float", "bool", "null", "timestamp"))
NULLS = frozenset({"", "~", "null", "Null", "NULL"})
BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
DECIMAL = re.compile(r"[-+]?[0-9]+")
OCTAL = re.compile(r"0o[0-7]+")
HEXADECIMAL = re.compile(r"0x[0-9a-fA-F]+")
FLOATING = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
INFINITE = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
NOT_A_NUMBER = re.compile(r"\.(?:nan|NaN|NAN)")
# A plain scalar is text unless it starts like a number, a null or a boolean.
MAY_RESOLVE = frozenset("0123456789+-.~nNtTfF")


class YAMLRefused(Exception):
    """Text that is not YAML this reader accepts; the message says why (and where)."""


def _plain(value: str) -> Any:
    """A plain scalar by the YAML 1.2 core schema (section 10.3.2)."""
    if not value:
        return None
    if value[0] not in MAY_RESOLVE:
        return value
    if value in NULLS:
        return None
    if value in BOOLS:
        return BOOLS[value]
    if DECIMAL.fullmatch(value):
        return _integer(value, 10)
    if OCTAL.fullmatch(value):
        return _integer(value[2:], 8)
    if HEXADECIMAL.fullmatch(value):
        return _integer(value[2:], 16)
    if FLOATING.fullmatch(value):
        number = float(value)
        if number in (INF, -INF):  # 1e400
            _read_non_finite()
        return number
    if INFINITE.fullmatch(value):
        _read_non_finite()
        return -INF if value[0] == "-" else INF
    if NOT_A_NUMBER.fullmatch(value):
        _read_non_finite()
        return float("nan")
    return value


INF = float("inf")
# How many numbers JSON has no words for (infinite, not a number) have been read: a writer of
# JSON that knows none (orjson writes null) must not be given them (``yaml_reader``).
non_finite_read = 0


def _read_non_finite() -> None:
    global non_finite_read
    non_finite_read += 1


def _integer(digits: str, base: int) -> int:
    if len(digits) > MAX_DIGITS:
        raise YAMLRefused(_("an integer of {count} digits (at most {MAX_DIGITS})")
                          .format(count=len(digits), MAX_DIGITS=MAX_DIGITS))
    return int(digits, base)


def _tagged(tag: str, value: str) -> Any:
    """A scalar with an explicit tag: only the core schema's own, and timestamps kept as text
    (a date is read by the format, so that 2025-02-30 is refused with a reason)."""
    if tag in (STR, TIMESTAMP, "!"):
        return value
    resolved = _plain(value)
    expected = {INT: int, FLOAT: float, BOOL: bool, NULL: type(None)}.get(tag)
    if expected is None:
        raise YAMLRefused(_("the tag {tag!r} is not one this format reads").format(tag=tag))
    if expected is float and type(resolved) is int:
        return float(resolved)
    if type(resolved) is not expected:
        raise YAMLRefused(_("{value!r} is not a valid {kind}")
                          .format(value=value, kind=tag.rsplit(':', 1)[-1]))
    return resolved


def _scalar(event: ScalarEvent) -> Any:
    try:
        tag = event.tag
        if tag is not None and tag != "!":
            return _tagged(tag, event.value)
        # implicit[0]: the scalar is plain (unquoted); quoted or block scalars are text.
        return _plain(event.value) if event.implicit[0] else event.value
    except YAMLRefused as refusal:
        raise YAMLRefused(_("{where}: {refusal}")
                          .format(where=_where(event), refusal=refusal)) from None


def _where(event: Any) -> str:
    return f"line {event.start_mark.line + 1}"


class _Open:
    """A mapping or sequence being built: its value, the key waiting for its value, and how
    many values it holds with aliases expanded."""

    __slots__ = ("value", "key", "size", "anchor", "lines")

    def __init__(self, value: Any, anchor: str | None, lines: list[int] | None = None):
        self.value, self.anchor, self.lines = value, anchor, lines
        self.key: Any = _Open  # no key waiting
        self.size = 1


# Told of a log file's events as they are read (``load``'s streaming): the keys read before the
# events, then each event with its line.
EventsBegin = Callable[[dict[str, Any]], None]
EventRead = Callable[[Any, int], None]


def load(text: str, events_begin: EventsBegin | None = None,
         event_read: EventRead | None = None) -> tuple[Any, list[int]]:
    """The one document in ``text``, and the line of each item of its top-level ``events``.

    With ``event_read``, each item of ``events`` is given to it once whole (with its line) and
    not kept in the document, whose ``events`` stays empty; ``events_begin`` is given the keys
    read before ``events`` first (a file reader streams them: ``interchange.yaml_reader``)."""
    try:
        return _build(CParser(text), events_begin, event_read)
    except yaml.YAMLError as error:
        message = " ".join(str(error).replace('in "<unicode string>", ', "").split())
        raise YAMLRefused(message) from None
    except UnicodeError as error:  # a lone surrogate, say
        raise YAMLRefused(_("holds text that is not Unicode: {reason}")
                          .format(reason=error.reason)) from None
    except RecursionError:  # pragma: no cover - the depth is bounded before Python recurses
        raise YAMLRefused(_("nested deeper than {MAX_DEPTH} levels")
                          .format(MAX_DEPTH=MAX_DEPTH)) from None


def _build(parser: CParser, events_begin: EventsBegin | None = None,
           event_read: EventRead | None = None) -> tuple[Any, list[int]]:
    stack: list[_Open] = []
    anchors: dict[str, tuple[Any, int]] = {}
    written = expanded = 0
    lines: list[int] = []
    document: Any = None
    documents = 0
    get = parser.get_event
    while True:
        event = get()
        kind = type(event)
        if kind is ScalarEvent:
            value, size, anchor = _scalar(event), 1, event.anchor
            written += 1
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if len(stack) >= MAX_DEPTH:
                raise YAMLRefused(_("{where}: nested deeper than {MAX_DEPTH} levels")
                                  .format(where=_where(event), MAX_DEPTH=MAX_DEPTH))
            written += 1
            opened = _Open({} if kind is MappingStartEvent else [], event.anchor)
            if (kind is SequenceStartEvent and len(stack) == 1 and stack[0].key == "events"
                    and isinstance(stack[0].value, dict)):
                opened.lines = lines
                if events_begin is not None:
                    events_begin(dict(stack[0].value))
            _add(stack, opened, event)
            stack.append(opened)
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            closed = stack.pop()
            value, size, anchor = closed.value, closed.size, closed.anchor
            if anchor is not None:
                anchors[anchor] = (value, size)
            if stack:
                stack[-1].size += size
                if event_read is not None and stack[-1].lines is not None:
                    event_read(stack[-1].value.pop(), lines[-1])  # an event, whole
                continue
            document = value
            continue
        elif kind is AliasEvent:
            if event.anchor not in anchors:
                raise YAMLRefused(_("{where}: the alias *{anchor} names no anchor")
                                  .format(where=_where(event), anchor=event.anchor))
            value, size = anchors[event.anchor]
            expanded += size
            if expanded > written + ALIAS_ALLOWANCE:
                raise YAMLRefused(_("{where}: aliases expand to more values than the file holds "
                                    "(more than {value:,})").format(where=_where(event), value=written + ALIAS_ALLOWANCE))
            anchor = None
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise YAMLRefused(_("{where}: a second document (a log file holds one)")
                                  .format(where=_where(event)))
            continue
        elif kind is StreamEndEvent:
            return document, lines
        else:
            continue
        if anchor is not None:
            anchors[anchor] = (value, size)
        if not stack:
            document = value
            continue
        stack[-1].size += size
        _add(stack, value, event)
        if event_read is not None and stack[-1].lines is not None:
            event_read(stack[-1].value.pop(), lines[-1])  # an event that is a scalar or alias


def _add(stack: list[_Open], value: Any, event: Any) -> None:
    """Puts a value into the open mapping or sequence (a mapping's key waits for its value)."""
    if not stack:
        return
    top = stack[-1]
    target = value.value if type(value) is _Open else value
    container = top.value
    if type(container) is list:
        if top.lines is not None:
            top.lines.append(event.start_mark.line + 1)
        container.append(target)
    elif top.key is _Open:
        if type(target) is not str:
            shown = "a mapping or list" if isinstance(target, (dict, list)) else repr(target)
            raise YAMLRefused(_("{where}: a key must be text, not {shown}")
                              .format(where=_where(event), shown=shown))
        if target in container:
            raise YAMLRefused(_("{where}: the key {target!r} appears twice in one mapping")
                              .format(where=_where(event), target=target))
        top.key = target
    else:
        container[top.key] = target
        top.key = _Open


# -- writing ------------------------------------------------------------------------------------


# YAML 1.1's one-letter booleans, which PyYAML's own resolver leaves out.
YAML_1_1_LETTERS = frozenset({"y", "Y", "n", "N"})
MAP, SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
# Resolved tags and text styles kept (``_Dumper``): a page of records repeats few scalars.
RESOLVED_KEPT = 4096


def _text_style(value: str) -> str | None:
    # PyYAML quotes what YAML 1.1 would resolve otherwise ("no", "2025-06-27"); also quote what
    # only YAML 1.2 would (1e3, 0o17), so every reader takes the text as text.
    plain = type(_plain(value)) is str and value not in YAML_1_1_LETTERS
    return None if plain else "'"


def _represent_text(dumper: Any, value: str) -> Any:
    return dumper.represent_scalar(STR, value, style=_text_style(value))


class _Dumper(SafeDumper):
    """PyYAML's safe dumper, its text quoted by ``_text_style``, that makes the very nodes and
    tags of its representer and resolver at a fraction of their cost (an export is some 30
    scalars an event): the plain types of a record (text, whole numbers, booleans, null,
    mappings and lists) are represented here without the representer's look-ups per value, and
    the emitter's two resolutions of each scalar are kept. tests/test_yaml.py holds the output
    to PyYAML's own."""

    _resolved: dict[tuple[Any, ...], str] = {}
    _styles: dict[str, str | None] = {}  # of texts met: ids, names and types recur

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, *implicit)  # a scalar's tag depends on these alone (no path resolvers)
        tag = self._resolved.get(key)
        if tag is None:
            if len(self._resolved) >= RESOLVED_KEPT:
                self._resolved.clear()
            tag = self._resolved[key] = super().resolve(kind, value, implicit)
        return tag

    def represent_data(self, data: Any) -> Any:
        kind = type(data)
        if kind is str:
            styles = self._styles
            style = styles.get(data, "")
            if style == "":
                if len(styles) >= RESOLVED_KEPT:
                    styles.clear()
                style = styles[data] = _text_style(data)
            return ScalarNode(STR, data, style=style)
        if kind is int:
            return ScalarNode(INT, str(data))
        if kind is bool:
            return ScalarNode(BOOL, "true" if data else "false")
        if data is None:
            return ScalarNode(NULL, "null")
        if (kind is not dict and kind is not list) or self.sort_keys or (
                self.default_flow_style is None):  # (``dump`` sets neither)
            return super().represent_data(data)
        # A mapping or list met again in the same document is an alias, as the representer
        # makes it (``represented_objects``; ``object_keeper`` keeps its id from being reused).
        found = self.represented_objects.get(id(data))
        if found is not None:
            return found
        self.object_keeper.append(data)
        content: list[Any] = []
        node = (MappingNode(MAP, content, flow_style=self.default_flow_style) if kind is dict
                else SequenceNode(SEQ, content, flow_style=self.default_flow_style))
        self.represented_objects[id(data)] = node
        represent = self.represent_data
        if kind is dict:
            for key, value in data.items():
                content.append((represent(key), represent(value)))
        else:
            for item in data:
                content.append(represent(item))
        return node


_Dumper.add_representer(str, _represent_text)


def dump(value: Any) -> str:
    """``value`` as block-style YAML, wrapped near 64 columns (yamllint asks for at most 80) (libyaml's emitter)."""
    return yaml.dump(value, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=64)


def dump_items(values: list[Any]) -> list[str]:
    """Each value as an item of a block sequence ("- ..." and its indented lines)."""
    if not values:
        return []
    text = dump(values)
    # Every line but an item's first is indented (libyaml indents continuation lines of
    # scalars too), so items start exactly where a line starts with "- ".
    items = text[2:].split("\n- ")
    return [f"- {item}\n" if not item.endswith("\n") else f"- {item}" for item in items]


UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def comment(text: str) -> str:
    """Comment lines holding ``text``; a control character in it is shown escaped, so no text
    ends a comment early and adds a line of YAML."""
    return "".join(f"# {UNPRINTABLE.sub(_escaped, line)}".rstrip() + "\n"
                   for line in text.split("\n"))
