"""Region tables as finance officers keep them: a CSV or XLSX sheet, one row per region.

The first row names the columns: ``id``, ``name``, then one column per maatstaf (method
``formula``) or ``weight`` (method ``shares``). Every other cell is a number, read exactly
(``domain.distribution.read_number``): a CSV cell as decimal text ('.' or ',' as the decimal
mark, no thousands separators; a mark followed by exactly three digits, "586.000", is refused
as ambiguous), an XLSX number as the decimal its cell holds. ``openpyxl`` is
imported only when an XLSX file is read.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from akkoord.i18n import _
from akkoord.domain.distribution import NUMBER, REGION_FIELDS, Number, number_text, read_number
from akkoord.domain.errors import Refusal

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
MAX_ROWS = 10_000  # a key of regions, not a data set: a larger sheet is refused, not read
MAX_CSV_BYTES = 16 << 20


class TableRefused(Exception):
    """A region table that cannot be read into a key; nothing is stored."""


def read_region_table(path: str, sheet: str | None = None) -> list[dict[str, Any]]:
    """The regions of the table, in its order, each ``{id, name, column: number, …}``."""
    suffix = Path(path).suffix.lower()
    if suffix in CSV_SUFFIXES:
        if sheet is not None:
            raise TableRefused(_("{path}: --sheet goes with an XLSX file, not a CSV file")
                               .format(path=path))
        rows = _csv_rows(path)
    elif suffix in XLSX_SUFFIXES:
        rows = _xlsx_rows(path, sheet)
    else:
        raise TableRefused(_("{path}: a region table is a .csv or .xlsx file").format(path=path))
    return _regions(path, rows)


def _csv_rows(path: str) -> list[tuple[int, list[Any]]]:
    try:
        if Path(path).stat().st_size > MAX_CSV_BYTES:
            raise TableRefused(_("{path}: larger than {size} MiB; a key lists regions")
                               .format(path=path, size=MAX_CSV_BYTES >> 20))
        # utf-8-sig: a spreadsheet program's CSV often starts with a byte order mark.
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise TableRefused(_("{path}: cannot be read: {error}")
                           .format(path=path, error=error)) from None
    first = text.split("\n", 1)[0]
    # A Dutch spreadsheet writes ';' between cells (its ',' is the decimal mark).
    delimiter = max(";,\t", key=first.count)
    try:
        rows = list(enumerate(csv.reader(text.splitlines(), delimiter=delimiter), start=1))
    except csv.Error as error:
        raise TableRefused(_("{path}: is not a readable CSV file: {error}")
                           .format(path=path, error=error)) from None
    return rows


def _xlsx_rows(path: str, sheet: str | None) -> list[tuple[int, list[Any]]]:
    from zipfile import BadZipFile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, BadZipFile, InvalidFileException, KeyError, ValueError) as error:
        raise TableRefused(_("{path}: is not a readable XLSX file: {error}")
                           .format(path=path, error=error)) from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise TableRefused(_("{path}: no sheet {sheet!r}; it has {sheets}").format(
                                   path=path, sheet=sheet, sheets=', '.join(map(repr, workbook.sheetnames))))
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        rows = []
        for line, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if line > MAX_ROWS + 1:
                raise TableRefused(_("{path}: more than {MAX_ROWS} rows; a key lists regions")
                                   .format(path=path, MAX_ROWS=MAX_ROWS))
            rows.append((line, list(row)))
        return rows
    finally:
        workbook.close()


def _regions(path: str, rows: list[tuple[int, list[Any]]]) -> list[dict[str, Any]]:
    rows = [(line, cells) for line, cells in rows if any(_blank(c) is not None for c in cells)]
    if not rows:
        raise TableRefused(_("{path}: holds no rows").format(path=path))
    header_line, header = rows[0]
    columns = [_blank(cell) for cell in header]
    while columns and columns[-1] is None:
        columns.pop()
    columns = [str(c).strip() if c is not None else None for c in columns]
    for index, column in enumerate(columns):
        if column is None:
            raise TableRefused(_("{path}: line {header_line}: column {number} has no name")
                               .format(path=path, header_line=header_line, number=index + 1))
        if columns.index(column) != index:
            raise TableRefused(_("{path}: line {header_line}: column {column!r} repeats")
                               .format(path=path, header_line=header_line, column=column))
    for field in REGION_FIELDS:
        if field not in columns:
            raise TableRefused(_("{path}: line {header_line}: no column {field!r} (the columns "
                                 "are {columns})").format(
                                   path=path, header_line=header_line, field=field, columns=', '.join(columns)))
    if len(rows) > MAX_ROWS + 1:
        raise TableRefused(_("{path}: more than {MAX_ROWS} rows; a key lists regions")
                           .format(path=path, MAX_ROWS=MAX_ROWS))
    regions = []
    for line, cells in rows[1:]:
        extra = [c for c in cells[len(columns):] if _blank(c) is not None]
        if extra:
            raise TableRefused(_("{path}: line {line}: a cell ({extra!r}) beyond the named "
                                 "columns").format(path=path, line=line, extra=extra[0]))
        region: dict[str, Any] = {}
        for column, cell in zip(columns, cells):
            cell = _blank(cell)
            if cell is None:
                continue  # the key's rules name what is missing
            try:
                region[column] = (_text(cell) if column in REGION_FIELDS
                                  else _number(f"{column}", cell))
            except Refusal as refusal:
                raise TableRefused(_("{path}: line {line}: {refusal}")
                                   .format(path=path, line=line, refusal=refusal)) from None
        regions.append(region)
    return regions


def _blank(cell: Any) -> Any:
    """The cell, or None when it holds nothing."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    return cell


def _text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)  # an id typed as a number in a sheet
    if isinstance(cell, (bool, float)) or not isinstance(cell, (str, int)):
        raise Refusal(_("{cell!r} is not text").format(cell=cell))
    return str(cell).strip()


def _number(name: str, cell: Any) -> Number:
    if isinstance(cell, float):
        # A sheet's number is the decimal its cell shows; its shortest repr is that decimal.
        if cell != cell or cell in (float("inf"), float("-inf")):
            raise Refusal(_("{name} {cell!r} is not a number").format(name=name, cell=cell))
        number = Fraction(Decimal(repr(cell)))
        if number < 0:
            raise Refusal(_("{name} must not be negative, not {cell!r}")
                          .format(name=name, cell=cell))
        return number_text(number)
    if isinstance(cell, str):
        cell = cell.strip()
        match = NUMBER.match(cell)
        if match and match[3] is not None and len(match[3]) == 3 and int(match[2]) != 0:
            # "586.000": a Dutch sheet's thousands, or a program's 586? Neither is guessed.
            grouped = f"{match[2]}{match[3]}"
            raise Refusal(_("{name} {cell!r} is ambiguous: write {grouped} for the whole number, "
                            "or {whole}.{fraction}0 for the decimal").format(
                              name=name, cell=cell, grouped=grouped, whole=match[2], fraction=match[3]))
        return read_number(name, cell)
    if isinstance(cell, int) and not isinstance(cell, bool):
        return read_number(name, cell)
    raise Refusal(_("{name} {cell!r} is not a number").format(name=name, cell=cell))
