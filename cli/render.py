"""Human output: aligned tables, euros as a Dutch reader reads them, JSON for machines."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from typing import Any

from akkoord.domain.written import euros
from akkoord.i18n import _
from akkoord.interchange.text import shorten

__all__ = ["delta_euros", "emit", "euros", "plain", "print_json", "table", "Progress"]


def print_json(value: Any) -> None:
    # One write: json.dump writes every token separately, which dominated large answers.
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def json_language(args: Any) -> contextlib.AbstractContextManager[None]:
    """English while a ``--json`` answer is computed (the log's summaries are written as it is
    read), so that JSON is the same in every language; the chosen language otherwise."""
    from akkoord.i18n import english

    return english() if getattr(args, "json", False) else contextlib.nullcontext()


def emit(args: Any, value: Any, render: Callable[[Any], str]) -> int:
    """Prints the value as JSON with ``--json``, else as ``render`` shows it to a person."""
    if getattr(args, "json", False):
        print_json(value)
    else:
        print(render(value))
    return 0


def moment(recorded_at: str) -> str:
    """A recorded-at time (ISO, UTC) to the second, as a table shows it."""
    return recorded_at[:19].replace("T", " ")


def escaped(text: str) -> str:
    """Text with its control characters written as escapes (``\\n``, ``\\x1b``), so that what a
    file or a name holds can neither forge a line nor steer the terminal."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else
                   char.encode("unicode_escape").decode("ascii") for char in text)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = (),
          width: int | None = None, shrink: Sequence[int] | None = None) -> str:
    """Columns padded to their widest cell; the columns named in ``right`` align right.

    A table of many amounts wider than ``width`` (default: the terminal's, see
    ``terminal_width``) is shown in blocks of columns (``column_blocks``); any other table wider
    than that has its text columns shortened with an ellipsis: those named in ``shrink``, the first first, each down to
    a few words; without ``shrink``, every left-aligned column, the widest first. Amounts,
    positions and dates (right-aligned, or left out of ``shrink``) stay whole."""
    cells = [[str(h) for h in headers]] + [["" if c is None else escaped(str(c)) for c in row]
                                           for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    limit = terminal_width() if width is None else width
    blocks = column_blocks(widths, right, limit) if limit else [list(range(len(widths)))]
    if limit and len(blocks) == 1:
        floors = [min(w, max(NARROWEST_TEXT_COLUMN, len(str(h)))) for w, h in zip(widths, headers)]
        excess = sum(widths) + COLUMN_GAP * (len(widths) - 1) - limit
        if shrink is None:
            widths = widest_first(widths, floors, [i for i in range(len(widths)) if i not in right],
                                  excess)
        else:
            # first each down to a few words; if that is not enough, the last named first
            # down to its heading, so the first named keeps its few words longest
            headings = [max(NARROWEST_CUT, len(str(h))) for h in headers]
            for column_floors, order in ((floors, shrink), (headings, shrink[::-1])):
                for i in order:
                    cut = max(0, min(excess, widths[i] - column_floors[i]))
                    widths[i] -= cut
                    excess -= cut
    lines: list[str] = []
    for block in blocks:
        if lines:
            lines.append("")
        for index, row in enumerate(cells):
            padded = [
                shorten(row[i], widths[i]).rjust(widths[i]) if i in right
                else shorten(row[i], widths[i]).ljust(widths[i])
                for i in block
            ]
            lines.append("  ".join(padded).rstrip())
            if index == 0:
                lines.append("  ".join("-" * widths[i] for i in block))
    return "\n".join(lines)


def column_blocks(widths: Sequence[int], right: Sequence[int], limit: int) -> list[list[int]]:
    """The columns in blocks that each fit ``limit``, every block led by the table's leading
    columns (the first, and the text columns after it up to the first right-aligned one): a
    table of amounts by year for a decade or more is shown as several tables of the same rows,
    whose years follow on, rather than as lines too long for the terminal. One block when the
    table fits (or when the leading columns alone leave no room)."""
    every = list(range(len(widths)))
    if sum(widths) + COLUMN_GAP * (len(widths) - 1) <= limit:
        return [every]
    leading = [0]
    while leading[-1] + 1 < len(widths) and leading[-1] + 1 not in right:
        leading.append(leading[-1] + 1)
    room = limit - sum(widths[i] for i in leading) - COLUMN_GAP * (len(leading) - 1)
    rest = every[len(leading):]
    if not rest or any(widths[i] > room for i in rest):
        return [every]
    blocks: list[list[int]] = []
    used = room  # what the open block takes of ``room``: none open yet
    for i in rest:
        if used + COLUMN_GAP + widths[i] > room:
            blocks.append(list(leading))
            used = 0
        blocks[-1].append(i)
        used += COLUMN_GAP + widths[i]
    return blocks


# A text column is never shortened below this (or below its heading): a few words still show.
NARROWEST_TEXT_COLUMN = 12
# ... unless the terminal is too narrow for that: then a named column may go down to its
# heading, or this many characters.
NARROWEST_CUT = 4
COLUMN_GAP = 2


def terminal_width() -> int | None:
    """The width to fit: ``$COLUMNS``, else the terminal's; None (no limit) when not a terminal."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def widest_first(widths: list[int], floors: list[int], shrinkable: list[int], excess: int) -> list[int]:
    """The widths less ``excess`` in all, taken from the widest of the ``shrinkable`` columns
    first, none below its floor."""
    widths = list(widths)
    while excess > 0:
        candidates = [i for i in shrinkable if widths[i] > floors[i]]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        others = [widths[i] for i in candidates if i != widest]
        # down to the next widest column (or its floor), at most by what is still too much
        target = max(max(others, default=floors[widest]), floors[widest], widths[widest] - excess)
        if target == widths[widest]:
            target -= 1
        excess -= widths[widest] - target
        widths[widest] = target
    return widths


def signed_euros(amount: int) -> str:
    return ("-" if amount < 0 else "") + euros(abs(amount)) if amount else "€ 0"


def delta_euros(amount: int) -> str:
    """A change in euros, its sign always written: +€ 5.000.000, −€ 5.000.000, € 0."""
    return ("+" if amount > 0 else "−") + euros(abs(amount)) if amount else "€ 0"


def plain(value: Any) -> str:
    """A field's value as a reader writes it: a list as its items, nothing as "none"."""
    if value is None or value == "" or value == []:
        return _("none")
    if isinstance(value, list):
        items = [plain(v) for v in value]
        # sentences already end in a stop; other items are kept apart by a semicolon
        return " ".join(items) if all(i.endswith((".", "!", "?")) for i in items) else "; ".join(items)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {plain(v)}" for k, v in value.items())
    return str(value)


def dotted(count: int) -> str:
    """A count with its thousands kept apart by dots, as Dutch readers (and our euros) write."""
    return f"{count:,}".replace(",", ".")


class Progress:
    """A progress line on a terminal's standard error; silent when piped or asked for JSON."""

    def __init__(self, label: str, enabled: bool):
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()
        self.shown = False

    def __call__(self, done: int, total: int | None) -> None:
        """Shows how far it got; without a total (a file read as it goes), the count only."""
        if not self.enabled:
            return
        if total is None:
            shown = _("{done} events").format(done=dotted(done))
        else:
            shown = _("{done}/{total} events ({percent}%)").format(
                done=dotted(done), total=dotted(total),
                percent=100 * done // total if total else 100)
        sys.stderr.write(f"\r{self.label}: {shown}")
        sys.stderr.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
