"""Human output: aligned tables, euros as a Dutch reader reads them, JSON for machines."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from akkoord.domain.values import euros

__all__ = ["emit", "euros", "print_json", "table", "Progress"]


def print_json(value: Any) -> None:
    # One write: json.dump writes every token separately, which dominated large answers.
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


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


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    """Columns padded to their widest cell; the columns named in ``right`` align right."""
    cells = [[str(h) for h in headers]] + [["" if c is None else escaped(str(c)) for c in row]
                                           for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        padded = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(padded).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def signed_euros(amount: int) -> str:
    return ("-" if amount < 0 else "") + euros(abs(amount)) if amount else "€ 0"


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
            shown = f"{done:,} events"
        else:
            shown = f"{done:,}/{total:,} events ({100 * done // total if total else 100}%)"
        sys.stderr.write(f"\r{self.label}: {shown}".replace(",", "."))
        sys.stderr.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
