"""A large YAML log file read in a process of its own, its events streamed to the import.

Reading YAML (libyaml's parser, a Python event and two marks for every scalar, and the loop of
``yaml12`` that builds values of them) costs more per event than all the rest of an import. So
``logformat`` has a large YAML file read here, in a second interpreter, while the importing
process decides the events already read (and the writer process inserts them): one JSON line a
message on standard output, ``yaml12.load`` being told of each event as it is read:

- ``["header", {keys before events}]`` once ``events`` begins;
- ``["event", line, record]`` for each event, whole;
- ``["end", {keys after events}]`` at the end of a file so streamed;
- ``["whole", document, lines]`` for a file whose ``events`` is not a list of the top mapping;
- ``["refused", message]`` for text that is not YAML this format reads (``YAMLRefused``), and
  ``["unreadable", error]`` for a file that cannot be read as UTF-8.

Values are JSON's (text, numbers, booleans, null, lists and mappings: what ``yaml12`` reads),
written by orjson, or by ``json`` where orjson would write them otherwise (``NaN``, whole
numbers of any length), so that they come back the same.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess

# A YAML file of this many bytes or more is read apart (some 5,000 events): a smaller one is read
# by the importing process itself, whole, as before.
READ_APART_FROM = 1 << 20

SCAN_BLOCK = 1 << 20
# A line at the first column that is not blank and starts no item, comment or marker: a key of
# the top mapping, in block style the only one whose keys start there. (A key beginning with "-"
# is none of format, negotiation, source and events, and is refused on either path.)
TOP_LEVEL_LINE = re.compile(rb"\n[^ \t\r\n#\-.][^\r\n]*")
EVENTS_KEY = re.compile(rb"(events|'events'|\"events\")[ \t]*:[ \t]*(#[^\r\n]*)?\r?$")


def read_apart(path: str) -> bool:
    """Whether the file is read by a process of its own: a large YAML file whose last top-level
    key is ``events`` (written at the first column), so that its events can be decided as they
    are read, the keys before them being all there is of the header, as in a streamed JSON
    file. Any other file is read whole, by the importing process."""
    if path.endswith(".json"):
        return False
    try:
        if os.path.getsize(path) < READ_APART_FROM:
            return False
        last = _last_top_level_line(path)
    except OSError:
        return False  # read whole, which says why it cannot be
    return last is not None and EVENTS_KEY.match(last) is not None


def _last_top_level_line(path: str) -> bytes | None:
    """The file's last line that ``TOP_LEVEL_LINE`` finds, read a block at a time (a file of a
    million events is 200 MB): each block is searched up to its last whole line, the rest kept
    for the next."""
    last = None
    rest = b"\n"  # (the first line starts a line too)
    with open(path, "rb") as stream:
        while block := stream.read(SCAN_BLOCK):
            text = rest + block
            cut = text.rfind(b"\n")
            for found in TOP_LEVEL_LINE.finditer(text, 0, cut):
                last = found.group()[1:]
            rest = text[cut:]
    for found in TOP_LEVEL_LINE.finditer(rest):
        last = found.group()[1:]
    return last


class Reader:
    """The process reading a YAML file, seen from the importing process."""

    def __init__(self, process: subprocess.Popen[bytes]):
        self.process = process

    @classmethod
    def start(cls, path: str) -> Reader | None:
        import subprocess

        from akkoord.i18n import language

        if not sys.executable:
            return None
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "akkoord.interchange.yaml_reader", path, language()],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            return None  # read here instead
        return cls(process)

    def message(self) -> list[Any]:
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        return json.loads(line) if line else ["stopped"]

    def close(self) -> None:
        """Ends the reader, whether or not it has read the whole file."""
        self.process.stdout.close()  # type: ignore[union-attr]
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


# Readers started before the importing process loaded what it decides with (``start_ahead``).
_AHEAD: dict[str, Reader] = {}


def start_ahead(path: str) -> None:
    """Starts the reader of a file to be imported, if it is read apart, so that it reads while
    this process loads the modules it decides with (a tenth of a second)."""
    if path not in _AHEAD and read_apart(path):
        reader = Reader.start(path)
        if reader is not None:
            _AHEAD[path] = reader


def reader_for(path: str) -> Reader | None:
    """The reader of the file (the one started ahead, or a new one), or None where the file is
    read whole."""
    ahead = _AHEAD.pop(path, None)
    if ahead is not None:
        return ahead
    return Reader.start(path) if read_apart(path) else None


def main(argv: list[str]) -> int:
    # Ctrl-C goes to the process group: the importing process stops this one by closing the pipe
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import orjson

    from akkoord.i18n import activate
    from akkoord.interchange import yaml12
    from akkoord.interchange.yaml12 import YAMLRefused, load

    path, language = argv[1], argv[2]
    activate(language)
    out = sys.stdout.buffer
    non_finite = yaml12.non_finite_read

    def send(message: list[Any]) -> None:
        # orjson, ten times as fast (a tenth of the reading), for what it writes as json does:
        # not for numbers JSON has no words for (it writes null), nor for what it refuses (whole
        # numbers beyond 64 bits, keys that are not text, lone surrogates, deep nesting).
        nonlocal non_finite
        if yaml12.non_finite_read == non_finite:
            try:
                out.write(orjson.dumps(message) + b"\n")
                return
            except TypeError:  # (orjson.JSONEncodeError is one)
                pass
        non_finite = yaml12.non_finite_read
        out.write(json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n")

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        send(["unreadable", str(error)])
        return 0
    header: dict[str, Any] | None = None

    def events_begin(before: dict[str, Any]) -> None:
        nonlocal header
        header = before
        send(["header", before])

    try:
        document, lines = load(text, events_begin, lambda record, line: send(["event", line,
                                                                              record]))
    except YAMLRefused as refusal:
        send(["refused", str(refusal)])
        return 0
    if header is None:
        send(["whole", document, lines])
    else:
        send(["end", {key: value for key, value in document.items()
                      if key not in header and key != "events"}])
    out.flush()
    return 0


if __name__ == "__main__":
    try:
        status = main(sys.argv)
        sys.stdout.flush()
    except BrokenPipeError:  # the importing process stopped reading: a refusal, say
        status = 0
    os._exit(status)
