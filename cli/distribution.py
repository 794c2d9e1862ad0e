"""Distribution keys on the command line: ``distribute`` (an item over the regions, and its
exports for the people who pay) and ``key import`` / ``key list`` (a region table from CSV or
XLSX into a ``distribution_key_recorded`` event, and the keys of a dossier).

Encryption keys are another thing (``keygen``, cli/keys.py).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from akkoord.cli.render import emit, euros, print_json, table
from akkoord.cli.session import Session, UsageError, actor, add_command
from akkoord.i18n import _, human_date

EXPORT_FORMATS = ("csv", "xlsx")
KEY_EVENT = "distribution_key_recorded"


def register(subparsers: Any, shared: dict[str, argparse.ArgumentParser]) -> None:
    store, reading = shared["store"], shared["reading"]
    p = add_command(subparsers, "distribute", run_distribute,
                    _("an item of the proposal divided over the regions by its distribution key"),
                    [store, reading])
    p.add_argument("item", metavar="ITEM")
    p.add_argument("--key", metavar="ID", help=_("divide by this key instead (to compare)"))
    p.add_argument("--revision", type=int, metavar="N",
                   help=_("the item as revision N has it (default: the current proposal)"))
    p.add_argument("--format", choices=EXPORT_FORMATS,
                   help=_("write a table for the people who pay: a row per region, a column "
                          "per year, the totals and the key's source (needs -o)"))
    p.add_argument("-o", "--output", metavar="FILE", help=_("the file --format writes"))

    key = subparsers.add_parser("key", help=_("distribution keys: import a region table, list "
                                              "the keys"))
    commands = key.add_subparsers(dest="key_command", metavar="COMMAND", required=True)
    p = add_command(commands, "import", run_key_import,
                    _("record a distribution key from a region table (CSV or XLSX)"), [store],
                    _("Record a distribution_key_recorded event from a region table: a header "
                      "row with id, name and a column per maatstaf (method formula) or weight "
                      "(method shares), then a row per region. The weights and the fixed amount "
                      "of a formula key come from --weights (YAML or JSON: weights, fixed, "
                      "source). Refused as the log format refuses a key: exit 2, nothing "
                      "stored."))
    p.add_argument("table", metavar="FILE", help=_("the region table (.csv or .xlsx)"))
    p.add_argument("--negotiation", metavar="SLUG",
                   help=_("the dossier (may be left out when the store holds one)"))
    p.add_argument("--id", required=True, metavar="ID", help=_("the key's id (a slug)"))
    p.add_argument("--method", required=True, metavar="METHOD", help=_("formula or shares"))
    p.add_argument("--title", required=True, metavar="TEXT")
    p.add_argument("--date", required=True, type=_date, metavar="DATE",
                   help=_("the effective date of the key (YYYY-MM-DD)"))
    p.add_argument("--weights", metavar="FILE",
                   help=_("YAML or JSON with weights (maatstaf: euros per unit), fixed, and "
                          "optionally source (method formula)"))
    p.add_argument("--sheet", metavar="NAME", help=_("the sheet of an XLSX file (default: the "
                                                     "first)"))
    for part in ("document", "section", "page", "classification"):
        p.add_argument(f"--{part}", metavar="TEXT",
                       help=_("the source's {part} (overrides the weights file's)").format(
                           part=part))
    p.add_argument("--ref", metavar="SLUG")
    p.add_argument("--note", metavar="TEXT")
    p.add_argument("--check", action="store_true",
                   help=_("decide the key and print it as a log file (akkoord/1) that "
                          "akkoord import reads; store nothing"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))

    add_command(commands, "list", run_key_list,
                _("the distribution keys of the dossier: recorded, and retired"),
                [store, reading])


def _date(text: str) -> date:
    from akkoord.cli.options import _date as parse

    return parse(text)


# -- distribute ----------------------------------------------------------------------------------


def run_distribute(session: Session, args: Any) -> int:
    if (args.format is None) != (args.output is None):
        raise UsageError(_("--format and -o go together: distribute ITEM --format csv -o FILE"))
    from akkoord.interchange.output import write_atomically

    result = distribution(session, args.item, args.key, args.revision)
    if args.format is not None:
        data = _csv_bytes(result) if args.format == "csv" else _xlsx_bytes(result)
        write_atomically(args.output, lambda stream: stream.write(data), binary=True,
                         protected=session.protected_paths())
        if args.json:
            print_json({"output": args.output, "format": args.format, "item": result["item"],
                        "key": result["key"]})
        else:
            print(_("{item} divided by {key}: {regions} regions written to {path}").format(
                item=result["item"], key=result["key"], regions=len(result["regions"]),
                path=args.output))
        return 0
    return emit(args, result, render_distribution)


def distribution(session: Session, item_id: str, key_id: str | None,
                 revision: int | None) -> dict[str, Any]:
    """The ``distribute --json`` answer: the item of the proposal divided by its key (or another)."""
    from akkoord.projections.divisions import division

    queries, negotiation, axes = session.queries, session.negotiation, session.axes
    proposal = queries.proposal(negotiation, axes, revision)
    item = next((i for i in proposal["items"] if i["id"] == item_id), None)
    if item is None:
        raise UsageError(_("item {item!r} is not in revision {revision} of {negotiation} (its "
                           "items: {items})").format(
            item=item_id, revision=proposal["revision"], negotiation=negotiation,
            items=", ".join(i["id"] for i in proposal["items"]) or _("none")))
    named = key_id if key_id is not None else item["distribution"]
    row = queries.distribution_key(negotiation, axes, named) if named is not None else None
    if row is None:
        raise UsageError(_no_key(session, item, named, given=key_id is not None))
    divided = division(row, item["by_year"])
    return {
        "negotiation": negotiation, "item": item_id, "revision": proposal["revision"],
        "key": divided["key"], "method": divided["method"], "title": divided["title"],
        "years": proposal["years"], "regions": divided["regions"], "total": divided["total"],
        "source": divided["source"],
        "sources": {"key": [row["position"]], "item": item["sources"],
                    "by_year": sorted({row["position"], *item["sources"]})},
    }


def _no_key(session: Session, item: dict[str, Any], named: str | None, given: bool) -> str:
    keys = session.queries.distribution_keys(session.negotiation, session.axes)
    in_force = [k for k, row in keys.items() if row["retired"] is None]
    known = ", ".join(in_force) or _("none")
    if named is None:
        return _("item {item!r} names no distribution; give --key (keys recorded: {keys})").format(
            item=item["id"], keys=known)
    retired = keys.get(named, {}).get("retired")
    if retired is not None:
        reason = _("distribution key {key!r} was retired on {date}: {reason}").format(
            key=named, date=human_date(retired["date"]), reason=retired["reason"])
    elif given:
        reason = _("no distribution key {key!r} is recorded in {negotiation} at that "
                   "point").format(key=named, negotiation=session.negotiation)
    else:
        reason = _("item {item!r} has distribution {key!r} (free text): no distribution key of "
                   "that name is recorded in {negotiation} at that point").format(
            item=item["id"], key=named, negotiation=session.negotiation)
    return reason + "; " + _("keys recorded: {keys}").format(keys=known)


def render_distribution(result: dict[str, Any]) -> str:
    from akkoord.projections.divisions import percent

    years = [str(y) for y in result["years"]]
    lines = [
        _("{negotiation}: item {item} of revision {revision}, divided by key {key} ({method}): "
          "{title}").format(**result),
        _("the key's source: {source}").format(source=source_text(result["source"])),
        "",
    ]
    rows = [[r["id"], r["name"], percent(r["share"])]
            + [euros(r["by_year"][y]) if r["by_year"][y] else "-" for y in years]
            for r in result["regions"]]
    rows.append([_("total"), "", "100.00%"] + [euros(result["total"][y]) for y in years])
    headers = [_("region"), _("name"), _("share")] + labelled(years)
    lines.append(table(headers, rows, right=range(2, 3 + len(years))))
    lines.append("")
    lines.append(_("Shares are rounded here; --json gives each exactly. Each year's euros sum to "
                   "the item's amount exactly (largest remainders)."))
    if years:
        lines.append(_("{year}+ is every year from {year} on (structural).").format(year=years[-1]))
    return "\n".join(lines)


def labelled(years: list[str]) -> list[str]:
    """Year headings: the last year stands for every year after it (``2027+``), as in proposal."""
    return [f"{year}+" if year == years[-1] else year for year in years]


def source_text(source: dict[str, str] | None) -> str:
    if not source:
        return _("not recorded")
    return ", ".join(source[part] for part in ("document", "section", "page", "classification")
                     if part in source)


# -- in proposal, status and diff ---------------------------------------------------------------


def render_item_keys(items: list[dict[str, Any]]) -> list[str]:
    """Lines under the proposal for the items that name a distribution: the key that divides
    each (regions, largest and smallest share), or that the text names no key."""
    from akkoord.projections.divisions import percent

    lines = []
    for item in items:
        key = item.get("key")
        if key is not None:
            lines.append(_("  {item}: key {key} ({method}, {regions} regions); largest share "
                           "{large} {large_share}, smallest {small} {small_share}; see akkoord "
                           "distribute {item}").format(
                item=item["id"], key=key["id"], method=key["method"], regions=key["regions"],
                large=key["largest"]["name"], large_share=percent(key["largest"]["share"]),
                small=key["smallest"]["name"], small_share=percent(key["smallest"]["share"])))
        elif item.get("distribution"):
            lines.append(_("  {item}: {text!r} (free text: no distribution key of that name, "
                           "not divided)").format(item=item["id"], text=item["distribution"]))
    return ["", _("Distribution over the regions:"), *lines] if lines else []


def render_region_changes(diff: dict[str, Any]) -> str:
    """For each item whose amount or key changed, what each region gains or loses per year."""
    years = [str(y) for y in diff["years"]]
    parts = []
    for item in diff["items"]:
        if "regions" not in item:
            continue
        keys = item["keys"]
        sides = [_("key {key}").format(key=key) if key else _("not divided")
                 for key in (keys["from"], keys["to"])]
        parts.append("\n\n" + _("{item}: what each region gains or loses ({before} -> "
                                  "{after})").format(item=item["id"], before=sides[0],
                                                     after=sides[1]) + "\n")
        rows = [[region["id"], region["name"]] + [_region_change(region["by_year"][y])
                                                  for y in years]
                for region in item["regions"]]
        parts.append(table([_("region"), _("name")] + labelled(years), rows,
                           right=range(2, 2 + len(years))))
    return "".join(parts)


def _region_change(cell: dict[str, Any]) -> str:
    if cell["delta"] is None:
        shown = cell["to"] if cell["to"] is not None else cell["from"]
        if not shown:
            return "-"
        side = _("now") if cell["to"] is not None else _("was")
        return f"({side} {euros(shown)})"
    delta = cell["delta"]
    return "-" if delta == 0 else ("+" if delta > 0 else "-") + euros(abs(delta))


# -- exports -------------------------------------------------------------------------------------


def export_rows(result: dict[str, Any]) -> list[list[Any]]:
    """The table both exports write: a header, a row per region, the totals, then the key and
    where it comes from. Amounts are whole euros (numbers), the share exact text ``p/q``."""
    years = [str(y) for y in result["years"]]
    rows: list[list[Any]] = [["region", "name", "share"] + labelled(years)]
    for region in result["regions"]:
        rows.append([region["id"], region["name"], region["share"]]
                    + [region["by_year"][y] for y in years])
    rows.append(["total", "", "1"] + [result["total"][y] for y in years])
    rows.append([])
    source = result["source"] or {}
    rows += [
        ["dossier", result["negotiation"]],
        ["item", result["item"], f"revision {result['revision']}"],
        ["key", result["key"], result["method"], result["title"]],
        ["source", source_text(source)],
        ["recorded at position", *result["sources"]["key"]],
    ]
    if years:
        rows.append(["note", f"{years[-1]}+ is every year from {years[-1]} on (structural)"])
    return rows


def _csv_bytes(result: dict[str, Any]) -> bytes:
    import csv
    import io

    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(export_rows(result))
    return text.getvalue().encode("utf-8")


def _xlsx_bytes(result: dict[str, Any]) -> bytes:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "distribution"
    for row in export_rows(result):
        sheet.append(row)
    for column in ("A", "B", "C"):
        sheet.column_dimensions[column].width = 28 if column == "B" else 16
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


def run_key_import(session: Session, args: Any) -> int:
    from akkoord.application.service import Entry
    from akkoord.domain.errors import EventRefused, Refusal
    from akkoord.interchange.region_table import TableRefused, read_region_table

    try:
        regions = read_region_table(args.table, args.sheet)
    except TableRefused as refused:
        raise UsageError(f"{refused} ({_('nothing stored')})") from None
    weights, fixed, source = _weights_file(args.weights) if args.weights else (None, None, None)
    source = _source(args, source)
    fields = {"date": args.date, "ref": args.ref, "source": source, "note": args.note,
              "id": args.id, "method": args.method, "title": args.title,
              "regions": tuple(regions), "weights": weights, "fixed": fixed}
    negotiation = session.choose_dossier(list(session.app.negotiations()))
    try:
        if args.check:
            return _print_checked(session, negotiation, fields, args)
        positions = session.app.record(negotiation, [Entry(KEY_EVENT, fields)], actor(args))
    except EventRefused as refusal:
        raise UsageError(f"{args.table}: {refusal.reason} ({_('nothing stored')})") from None
    except Refusal as refusal:
        raise UsageError(f"{args.table}: {refusal} ({_('nothing stored')})") from None
    if args.json:
        print_json({"negotiation": negotiation, "key": args.id, "regions": len(regions),
                    "position": positions[0]})
    else:
        print(_("{path}: key {key} ({method}, {regions} regions) stored in {negotiation} at "
                "position {position}").format(path=args.table, key=args.id, method=args.method,
                                              regions=len(regions), negotiation=negotiation,
                                              position=positions[0]))
    return 0


def _print_checked(session: Session, negotiation: str, fields: dict[str, Any], args: Any) -> int:
    """Decides the key on the dossier as it stands, and prints it as a log file; stores nothing."""
    import sys

    from akkoord.domain.records import record_of
    from akkoord.interchange.logformat import FORMAT, write_records

    dossier = session.app.dossier(negotiation)
    dossier.record(KEY_EVENT, recorded_by=actor(args), **fields)
    record = record_of(dossier.collect_events()[-1])
    if args.json:
        print_json({"format": FORMAT, "negotiation": negotiation, "events": [record]})
        return 0
    import io

    events = io.StringIO()
    write_records(events, [record])
    sys.stdout.write(f"format: {FORMAT}\nnegotiation: {negotiation}\nevents:\n")
    sys.stdout.write("".join(f"  {line}\n" for line in events.getvalue().splitlines()))
    return 0


def _weights_file(path: str) -> tuple[Any, Any, Any]:
    """``weights``, ``fixed`` and ``source`` of a YAML or JSON file. YAML decimals are kept as
    the text they are written in (``0.25`` stays exactly 0.25)."""
    import json

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(_("{path}: cannot be read: {error}").format(path=path, error=error)) \
            from None
    try:
        if path.endswith(".json"):
            from decimal import Decimal

            document = json.loads(text, parse_float=lambda text: str(Decimal(text)))
        else:
            document = _decimal_yaml().load(text)
    except Exception as error:  # a parser's own error classes: the file is not what it says
        raise UsageError(_("{path}: is not valid YAML or JSON: {error}").format(
            path=path, error=" ".join(str(error).split()))) from None
    if not isinstance(document, dict):
        raise UsageError(_("{path}: must be a mapping with weights and fixed").format(path=path))
    unknown = sorted(set(document) - {"weights", "fixed", "source"})
    if unknown:
        raise UsageError(_("{path}: unknown key {key!r} (weights, fixed, source)").format(
            path=path, key=unknown[0]))
    from akkoord.domain.errors import Refusal
    from akkoord.interchange.logformat import plain_mapping

    try:
        weights = (plain_mapping("weights", document["weights"])
                   if document.get("weights") is not None else None)
    except Refusal as refusal:
        raise UsageError(f"{path}: {refusal}") from None
    return weights, document.get("fixed"), document.get("source")


def _decimal_yaml() -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor

    class Constructor(SafeConstructor):
        """YAML's floats kept as their text, so a weight is the decimal its writer wrote."""

    Constructor.add_constructor("tag:yaml.org,2002:float",
                                lambda self, node: str(self.construct_scalar(node)))
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = Constructor
    return yaml


def _source(args: Any, given: Any) -> Any:
    from akkoord.domain.values import Source

    parts: dict[str, Any] = {}
    if given is not None:
        if not isinstance(given, dict):
            raise UsageError(_("source must be a mapping (document, section, page, "
                               "classification)"))
        parts.update(given)
    for part in ("document", "section", "page", "classification"):
        if getattr(args, part) is not None:
            parts[part] = getattr(args, part)
    if not parts:
        return None
    unknown = sorted(set(parts) - {"document", "section", "page", "classification"})
    if unknown:
        raise UsageError(_("source: unknown field {field!r}").format(field=unknown[0]))
    return Source(**{part: None if parts.get(part) is None else str(parts[part])
                     for part in ("document", "section", "page", "classification")})


def run_key_list(session: Session, args: Any) -> int:
    import json

    keys = session.queries.distribution_keys(session.negotiation, session.axes)
    listed = [{"id": row["id"], "method": row["method"], "title": row["title"],
               "regions": len(json.loads(row["regions"])), "date": row["date"],
               "retired": None if row["retired"] is None else
               {"date": row["retired"]["date"], "reason": row["retired"]["reason"]},
               "sources": [row["position"]] + ([row["retired"]["position"]]
                                               if row["retired"] else [])}
              for row in keys.values()]
    return emit(args, listed, lambda keys: table(
        [_("key"), _("method"), _("regions"), _("since"), _("retired"), _("title")],
        [[k["id"], k["method"], k["regions"], human_date(k["date"]),
          human_date(k["retired"]["date"]) if k["retired"] else "-", k["title"]] for k in keys],
        right=(2,)))
