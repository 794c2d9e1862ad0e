"""The core commands: import, the registers and the proposal, the log, status, rebuild."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from akkoord.bootstrap import StoreError
from akkoord.cli.options import _date, _position, _revision
from akkoord.cli.render import (
    NARROWEST_TEXT_COLUMN,
    Progress,
    delta_euros,
    emit,
    euros,
    json_language,
    moment,
    plain,
    print_json,
    signed_euros,
    table,
    terminal_width,
)
from akkoord.cli.session import Session, UsageError, actor, add_command
from akkoord.domain.errors import EventRefused, Refusal
from akkoord.i18n import _, human_date
from akkoord.i18n.labels import label
from akkoord.interchange.text import shorten
from akkoord.projections.axes import NotFound

if TYPE_CHECKING:
    from akkoord.interchange.logformat import LogFile

COMMITMENT_STATES = ("open", "overdue", "fulfilled", "withdrawn")
STDIN = "-"
STDIN_FORMATS = ("yaml", "json")
# Rows a register shows a person by default; --json gives every row unless --limit is given,
# as cli.md promises scripts the whole list.
PAGE = 50
# Rows of each kind the status overview shows before saying that more follow, and how many more
# it counts (beyond them it says "more than 100": counting every overdue commitment or every
# latest stance of a large dossier would cost a pass over the dossier).
OVERVIEW = 10
MORE_COUNTED = 100
DUE_SOON_DAYS = 30
# The command that lists the whole of each of status's short lists (a command line: never
# translated).
STATUS_REGISTERS = {"overdue": "commitments --status overdue",
                    "due_soon": "commitments --status open", "claims": "claims",
                    "positions": "positions", "meetings": "meetings"}


def register(subparsers: Any, shared: dict[str, argparse.ArgumentParser]) -> None:
    store, reading = shared["store"], shared["reading"]

    def add(name: str, run: Any, help: str, *, reads: bool = True) -> argparse.ArgumentParser:
        return add_command(subparsers, name, run, help, [store, reading] if reads else [store])

    p = add("import", run_import, _("append the events of log files (akkoord/1), each file "
                                     "whole or not at all"), reads=False)
    p.add_argument("files", nargs="+", metavar="FILE",
                   help=_("a log file; - reads one from standard input"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.add_argument("--check", action="store_true",
                   help=_("decide every file as an import would and say what it would store; "
                          "store nothing, create no store (exit 2 if any file would be refused)"))
    p.add_argument("--again", action="store_true",
                   help=_("record a file even though its events were recorded before"))
    p.add_argument("--format", choices=STDIN_FORMATS, default="yaml",
                   help=_("the notation of standard input (-); a file's is told by its name"))

    p = add("log", run_log, _("the history in recorded order"))
    add_paging(p)
    p.add_argument("--stakeholder", metavar="ID", help=_("only the events about this party"))
    p.add_argument("--type", metavar="TYPE", help=_("only the events of this type"))
    p.add_argument("--since", type=_date, metavar="DATE",
                   help=_("only the events dated on or after this date"))
    p.add_argument("--until", type=_date, metavar="DATE",
                   help=_("only the events dated on or before this date"))
    p.add_argument("--position", type=_position, metavar="N",
                   help=_("show the event at position N whole: its data, how it is stored, and "
                          "what it changed in the views"))

    p = add("proposal", run_proposal,
            _("the verdelingsvoorstel: items x years against the budget"))
    p.add_argument("--revision", type=_revision, metavar="N",
                   help=_("this revision (default: the latest)"))

    p = add("diff", run_diff, _("what changed from revision A to revision B"))
    p.add_argument("a", type=_revision, metavar="A", help=_("the earlier revision"))
    p.add_argument("b", type=_revision, metavar="B", help=_("the later revision"))

    add_paging(add("positions", run_positions,
                   _("the latest stance of each party on each subject")))
    add_paging(add("claims", run_claims, _("the claims and their state")))
    p = add("commitments", run_commitments, _("the commitments (toezeggingen) and their state"))
    p.add_argument("--status", choices=COMMITMENT_STATES,
                   help=_("only the commitments in this state"))
    add_paging(p)
    add("status", run_status, _("the dossier at a glance"))

    p = add("rebuild", run_rebuild, _("drop every view and rebuild it from the events"),
            reads=False)
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))


def add_paging(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """--limit, --offset and --all: a register shows a page of rows, not the whole store."""
    parser.add_argument("--limit", type=_position, metavar="N",
                        help=_("show at most N rows (default {page} in a table; --json gives "
                               "every row unless --limit is given)").format(page=PAGE))
    parser.add_argument("--offset", type=_position, default=0, metavar="N",
                        help=_("skip the first N rows"))
    parser.add_argument("--all", action="store_true", help=_("show every row"))
    return parser


def page_of(args: Any) -> tuple[int | None, int]:
    """The (limit, offset) a command reads; a limit of None is every row."""
    if args.all:
        return None, args.offset
    if args.limit is not None:
        return args.limit, args.offset
    return (None if args.json else PAGE), args.offset


def _paged(args: Any, read: Any) -> tuple[list[Any], bool]:
    """The rows of the page and whether more follow (one row more is read to know)."""
    limit, offset = page_of(args)
    rows = read(None if limit is None else limit + 1, offset)
    if limit is not None and len(rows) > limit:
        return rows[:limit], True
    return rows, False


def more_hint(args: Any, shown: int, more: bool, count: int | None = None) -> str:
    """The line under a page of a register that says how to see the next one (and, where it is
    known, how many rows there are in all)."""
    if not more:
        return ""
    following = args.offset + shown
    first = args.offset + 1 if shown else 0
    if count is not None:
        return "\n" + _("rows {first}-{last} of {count} shown; --offset {following} for the next "
                         "page, --all for every row").format(first=first, last=following,
                                                             count=count, following=following)
    return "\n" + _("rows {first}-{last} shown; --offset {following} for the next page, --all for "
                     "every row").format(first=first, last=following, following=following)


# -- import --------------------------------------------------------------------------------------


def run_import(session: Session, args: Any) -> int:
    from akkoord.interchange import yaml_reader

    if args.files and args.files[0] != STDIN:  # reads while the next line loads the domain
        yaml_reader.start_ahead(args.files[0])
    from akkoord.interchange.logformat import FileRefused

    if args.files.count(STDIN) > 1:
        raise UsageError(_("standard input (-) can be read only once"))
    if args.check:
        return check_import(session, args)
    stored: list[dict[str, Any]] = []
    try:
        for path in args.files:
            log_file = read_input(path, args.format)
            with progress_of(log_file, _("importing"), args) as told, \
                    refused_as_file(log_file, session):
                positions = session.store.record(log_file.negotiation, log_file.entries,
                                                 actor(args), told,
                                                 **recording_options(log_file, args))
            stored.append({"path": log_file.path, "negotiation": log_file.negotiation,
                           "events": len(positions),
                           "positions": [positions[0], positions[-1]] if positions else []})
    except FileRefused as refused:
        done = "".join("; " + _("{path} stored").format(path=s["path"]) for s in stored)
        raise UsageError(_("{refusal} (nothing of this file was stored{stored_before})").format(
            refusal=refused, stored_before=done)) from None
    if args.json:
        print_json(stored)
    else:
        for s in stored:
            span = (_("positions {first}-{last}").format(first=s["positions"][0],
                                                          last=s["positions"][1])
                    if s["positions"] else _("nothing new"))
            print(_("{path}: {events} events stored in {negotiation} ({span})").format(
                path=s["path"], events=s["events"], negotiation=s["negotiation"], span=span))
    return 0


def check_import(session: Session, args: Any) -> int:
    """``import --check``: each file decided as the import would, after the files before it."""
    from akkoord.interchange.logformat import FileRefused

    decided: dict[str, Any] = {}  # the dossier as the files checked so far would leave it
    results: list[dict[str, Any]] = []
    for path in args.files:
        try:
            log_file = read_input(path, args.format)
            with progress_of(log_file, _("checking"), args) as told, \
                    refused_as_file(log_file, session):
                decision = session.store.decide(log_file.negotiation, log_file.entries,
                                                actor(args), told,
                                                after=decided.get(log_file.negotiation),
                                                **recording_options(log_file, args))
        except FileRefused as refused:
            results.append({"path": refused.path, "negotiation": None, "events": 0, "types": {},
                            "refused": str(refused)})
            continue
        decided[log_file.negotiation] = decision
        results.append({"path": log_file.path, "negotiation": log_file.negotiation,
                        "events": decision.events, "types": decision.types, "refused": None})
    if args.json:
        print_json(results)
    else:
        for result in results:
            if result["refused"] is None:
                print(render_check(result))
    for result in results:
        if result["refused"] is not None:
            print(_("akkoord: {refusal} (would not be stored)").format(refusal=result["refused"]),
                  file=sys.stderr)
    return 2 if any(result["refused"] is not None for result in results) else 0


def render_check(result: dict[str, Any]) -> str:
    counts = ", ".join(f"{count} {event_type}" for event_type, count in result["types"].items())
    return _("{path}: would store {events} events in {negotiation}{counts}; nothing stored "
             "(--check)").format(path=result["path"], events=result["events"],
                                 negotiation=result["negotiation"],
                                 counts=f" ({counts})" if counts else "")


def read_input(path: str, notation: str) -> LogFile:
    """The log file at ``path``, or (``-``) the one on standard input in the given notation."""
    from akkoord.interchange.logformat import FileRefused, read_log_file

    if path != STDIN:
        return read_log_file(path)
    from akkoord.interchange.logformat import read_log_text

    name = _("standard input")
    try:
        text = sys.stdin.buffer.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FileRefused(name, _("cannot be read: {error}").format(error=error)) from None
    return read_log_text(text, name, notation)


def recording_options(log_file: LogFile, args: Any) -> dict[str, Any]:
    """Which file the events come from, and whether it may be recorded a second time."""
    return {"origin": log_file.origin, "again": args.again}


@contextlib.contextmanager
def progress_of(log_file: LogFile, doing: str, args: Any) -> Iterator[Callable[[int], None]]:
    """A progress line for recording (or deciding) the file, told how many entries are done."""
    entries = log_file.entries
    total = len(entries) if isinstance(entries, list) else None
    progress = Progress(f"{doing} {log_file.path}", not args.json)
    try:
        yield lambda done: progress(done, total)
    finally:
        progress.finish()


@contextlib.contextmanager
def refused_as_file(log_file: LogFile, session: Session) -> Iterator[None]:
    """A refusal while recording the file, as the file's refusal (naming the event, if one)."""
    from eventsourcing.persistence import PersistenceError

    from akkoord.interchange.logformat import FileRefused
    from akkoord.store.chain import ChainError

    try:
        yield
    except EventRefused as refusal:
        raise log_file.refusal(refusal.index, refusal.reason, refusal.event_type) from None
    except (Refusal, ChainError, StoreError) as refusal:
        raise FileRefused(log_file.path, str(refusal)) from None
    except PersistenceError as error:  # e.g. a lock held longer than the lock timeout
        raise FileRefused(log_file.path, _("store {store} could not be written: {error}").format(
            store=session.shown, error=error)) from None


# -- reading -------------------------------------------------------------------------------------


def run_log(session: Session, args: Any) -> int:
    if args.position is not None:
        return run_log_position(session, args)
    negotiation = args.negotiation
    if negotiation is not None:
        session.negotiation  # noqa: B018 - refuses an unknown dossier
    _refuse_unknown_filters(session, args)
    with json_language(args):
        entries, more = _paged(args, lambda limit, offset: session.queries.log(
            session.axes, negotiation, args.stakeholder, args.type, args.since, args.until,
            limit=limit, offset=offset))
    return _show(args, entries, [_("pos"), _("recorded at (UTC)"), _("by"), _("date"),
                                 _("dossier"), _("type"), _("summary")],
                 lambda e: [e["position"], moment(e["recorded_at"]), e["recorded_by"],
                            human_date(e["date"]), e["negotiation"],
                            e["type"] + (" " + _("(retracted)") if e["retracted_by"] else ""),
                            shorten(e["summary"], 100)], right=(0,), more=more,
                            shrink=(6, 5, 4, 2))


def _refuse_unknown_filters(session: Session, args: Any) -> None:
    """A type or party that does not exist is a mistake to name, not an empty answer."""
    from akkoord.projections.records import EVENT_TYPE_NAMES

    if args.type is not None and args.type not in EVENT_TYPE_NAMES:
        raise UsageError(_("no event type {type!r}; the types are: {types}").format(
            type=args.type, types=", ".join(sorted(EVENT_TYPE_NAMES))))
    if args.stakeholder is not None:
        session.queries  # noqa: B018 - the views caught up
        conn = session.views.conn
        if conn.execute("SELECT 1 FROM stakeholders WHERE id = ?", [args.stakeholder]).fetchone():
            return
        known = sorted({row[0] for row in conn.execute("SELECT id FROM stakeholders")})
        raise UsageError(_("no stakeholder {party!r} in {store}; the stakeholders are: "
                           "{parties}").format(party=args.stakeholder, store=session.shown,
                                               parties=", ".join(known) or _("none")))


def run_log_position(session: Session, args: Any) -> int:
    from akkoord.projections.provenance import changes
    from akkoord.store.integrity import stored_form

    with json_language(args):
        found = session.queries.log(session.axes, where=("position = ?", [args.position]))
    if not found:
        if args.known_at is not None:
            raise UsageError(_("no event at position {position} known at position {known_at} "
                               "in {store}").format(position=args.position,
                                                    known_at=args.known_at, store=session.shown))
        raise UsageError(_("no event at position {position} in {store}").format(
            position=args.position, store=session.shown))
    entry = found[0]
    entry["stored"] = stored_form(session.app.recorder, args.position)
    entry["changes"] = changes(session.queries, entry["negotiation"], args.position)
    return emit(args, entry, render_event)


def render_event(entry: dict[str, Any]) -> str:
    """One event whole: when and by whom, its record as in the log format, its stored form."""
    from io import StringIO

    from akkoord.interchange.logformat import write_records

    recorded = moment(entry["recorded_at"])
    heading = _("position {position}: {type} in {negotiation}").format(
        position=entry["position"], type=entry["type"], negotiation=entry["negotiation"])
    if entry["ref"]:
        heading += " " + _("(ref {ref})").format(ref=entry["ref"])
    lines = [
        heading,
        _("effective date {date}; recorded {recorded} UTC by {actor}").format(
            date=human_date(entry["date"]), recorded=recorded, actor=entry["recorded_by"]),
        entry["summary"],
    ]
    if entry["retracted_by"]:
        lines.append(_("retracted by the event at position {position}").format(
            position=entry["retracted_by"]))
    if entry.get("origin"):
        lines.append(_("imported from {name} (SHA-256 {sha256})").format(
            name=entry["origin"]["name"], sha256=entry["origin"]["sha256"]))
    record = StringIO()
    write_records(record, [entry["data"]])
    lines += ["", _("as in the log format:"), record.getvalue().rstrip()]
    stored = entry["stored"]
    if stored is not None:
        lines += ["", _("stored as version {version} of aggregate {aggregate}, topic {topic}, "
                        "{bytes} bytes").format(version=stored["version"],
                                                aggregate=stored["aggregate_id"],
                                                topic=stored["topic"], bytes=stored["bytes"]),
                  _("leaf hash {leaf}").format(leaf=stored["leaf"])
                  + ("" if stored["leaf_holds"]
                     else "  " + _("(DOES NOT MATCH THE CHAIN: run akkoord verify)")),
                  _("chain     {chain}").format(chain=stored["chain"] or _("(no chain row)"))]
    lines += ["", _("what it changed in the views (known before it -> known after it):")]
    lines += render_changes(entry["changes"]) or ["  " + _("nothing")]
    return "\n".join(lines)


def render_changes(changes: list[dict[str, Any]]) -> list[str]:
    """A view row that appeared or went is one line; a changed figure is one line each."""
    groups: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    for change in changes:
        groups.setdefault((change["view"], change["row"]), []).append(change)
    lines = []
    for (view, row), members in groups.items():
        name = view if row is None else f"{view} {row}"
        if all(m["before"] is None for m in members):
            lines.append(f"  + {name}")
        elif all(m["after"] is None for m in members):
            lines.append(f"  - {name}")
        else:
            lines += [f"  ~ {m['figure']}: {_shown(m['before'])} -> {_shown(m['after'])}"
                      for m in members]
    return lines


def _shown(value: Any) -> str:
    import json

    return "-" if value is None else shorten(json.dumps(value, ensure_ascii=False), 80)


def year_label(proposal: dict[str, Any], year: str) -> str:
    return f"{year}+" if year == str(proposal["years"][-1]) else year


def run_proposal(session: Session, args: Any) -> int:
    proposal = session.queries.proposal(session.negotiation, session.axes, args.revision)
    return emit(args, proposal, render_proposal)


def render_proposal(proposal: dict[str, Any]) -> str:
    years = [str(y) for y in proposal["years"]]
    status = label("revision", proposal["status"])
    if proposal["agreed_by"]:
        status = _("{status} by {parties}").format(status=status,
                                                   parties=", ".join(proposal["agreed_by"]))
    lines = [
        _("{negotiation}: verdelingsvoorstel, revision {revision} ({status}), proposed by "
          "{parties} on {date}").format(negotiation=proposal["negotiation"],
                                        revision=proposal["revision"], status=status,
                                        parties=", ".join(proposal["proposed_by"]),
                                        date=human_date(proposal["date"])),
        "",
    ]
    rows = [[item["id"], item["recipient"]] + [euros(item["by_year"][y]) if item["by_year"][y] else "-"
                                             for y in years] for item in proposal["items"]]
    rows.append([_("total"), ""] + [euros(proposal["total"][y]) for y in years])
    rows.append([_("budget"), ""] + [euros(proposal["budget"][y]) for y in years])
    rows.append([_("unallocated"), ""] + [signed_euros(proposal["unallocated"][y]) for y in years])
    headers = [_("item"), _("recipient")] + [year_label(proposal, y) for y in years]
    lines.append(table(headers, rows, right=range(2, 2 + len(years))))
    if years:
        lines.append("\n" + _("{year}+ is every year from {year} on (structural).").format(
            year=years[-1]))
    from akkoord.cli.distribution import render_item_keys

    lines += render_item_keys(proposal["items"])
    return "\n".join(lines)


def run_diff(session: Session, args: Any) -> int:
    return emit(args, session.queries.diff(session.negotiation, session.axes, args.a, args.b),
                render_diff)


def render_diff(diff: dict[str, Any]) -> str:
    """Per item and year, old → new and the signed change; a changed field as old → new."""
    from akkoord.i18n import _

    years = [str(y) for y in diff["years"]]
    last = years[-1] if years else ""

    def year(y: str) -> str:
        return f"{y}+" if y == last else y

    def amount(euro: int) -> str:
        return euros(euro) if euro else "-"

    heading = _("{negotiation}: revision {a} ({a_status}) → revision {b} ({b_status})").format(
        negotiation=diff["negotiation"], a=diff["from"],
        a_status=label("revision", diff["status"]["from"]), b=diff["to"],
        b_status=label("revision", diff["status"]["to"]))
    rows: list[list[Any]] = []
    for item in diff["items"]:
        cells = [[year(y), amount(item["by_year"][y]["from"]), amount(item["by_year"][y]["to"]),
                  delta_euros(item["by_year"][y]["delta"])]
                 for y in years if item["by_year"][y]["delta"]]
        first, *rest = cells or [["", "", "", ""]]
        rows.append([item["id"], label("change", item["change"]), *first])
        rows += [["", "", *line] for line in rest]
    changed_totals = [y for y in years if diff["total"][y]["delta"]]
    for index, y in enumerate(changed_totals):
        cell = diff["total"][y]
        rows.append([_("total") if index == 0 else "", "", year(y), amount(cell["from"]),
                     amount(cell["to"]), delta_euros(cell["delta"])])
    if not changed_totals:
        rows.append([_("total"), _("unchanged"), "", "", "", ""])
    lines = [heading, "", table([_("item"), _("change"), _("year"), _("from"), _("to"),
                                 _("difference")], rows, right=(3, 4, 5))]
    width = terminal_width()
    fields = [_field_change(item["id"], field, change, width)
              for item in diff["items"] for field, change in item["fields"].items()]
    if fields:
        lines += ["", _("What else changed:")] + fields
    from akkoord.cli.distribution import render_region_changes

    regions = render_region_changes(diff)  # each region's gain or loss, for keyed items
    if regions:
        lines += ["", regions.lstrip("\n")]
    if last:
        lines += ["", _("{year}+ is every year from {year} on (structural).").format(year=last)]
    return "\n".join(lines)


def _field_change(item: str, field: str, change: dict[str, Any], width: int | None) -> str:
    """``  item: field: old → new``; in a narrow terminal old and new are each shortened, so
    both sides of the arrow still show."""
    from akkoord.i18n import _

    old, new = plain(change["from"]), plain(change["to"])
    line = "  " + _("{item}: {field}: {old} → {new}").format(item=item, field=field, old=old, new=new)
    if width and len(line) > width:
        room = max(2 * NARROWEST_TEXT_COLUMN, width - (len(line) - len(old) - len(new)))
        # the shorter side whole when it takes at most half the room; the longer one the rest
        first = min(len(old), len(new), room // 2)
        old_room, new_room = (room - first, first) if len(old) >= len(new) else (first, room - first)
        line = "  " + _("{item}: {field}: {old} → {new}").format(
            item=item, field=field, old=shorten(old, old_room), new=shorten(new, new_room))
    return line


def _show(args: Any, rows: list[dict[str, Any]], headers: list[str], cells: Any,
          right: tuple[int, ...] = (), more: bool = False,
          shrink: tuple[int, ...] | None = None) -> int:
    """JSON as the views give it, or a table of the cells of each row (``table``'s ``right``
    and ``shrink``), and how to see more."""
    return emit(args, rows, lambda rows: table(headers, [cells(row) for row in rows], right=right,
                                               shrink=shrink)
                + more_hint(args, len(rows), more))


def run_positions(session: Session, args: Any) -> int:
    rows, more = _paged(args, lambda limit, offset: session.queries.positions(
        session.negotiation, session.axes, limit=limit, offset=offset))
    return _show(args, rows, [_("party"), _("subject"), _("stance"), _("since"), _("summary")],
                 lambda p: [p["stakeholder"], p["subject"], label("stance", p["stance"]),
                            human_date(p["date"]), p["summary"]],
                 more=more)


def run_claims(session: Session, args: Any) -> int:
    rows, more = _paged(args, lambda limit, offset: session.queries.claims(
        session.negotiation, session.axes, limit=limit, offset=offset))
    return _show(args, rows, [_("claim"), _("by"), _("against"), _("amount"), _("status"),
                              _("summary")],
                 lambda c: [c["id"], c["by"], c["against"], euros(c["amount"]) if c["amount"] else "-",
                            label("claim", c["status"]), c["summary"]], right=(3,), more=more,
                 shrink=(5,))


def run_commitments(session: Session, args: Any) -> int:
    rows, more = _paged(args, lambda limit, offset: session.queries.commitments(
        session.negotiation, session.axes, args.status, limit=limit, offset=offset))
    return _show(args, rows, [_("commitment"), _("by"), _("to"), _("due"), _("status"),
                              _("what")],
                 lambda c: [c["id"], c["by"], ", ".join(c["to"]), human_date(c["due"]),
                            label("commitment", c["status"]), c["what"]], more=more,
                 shrink=(5, 2))


def run_status(session: Session, args: Any) -> int:
    """The dossier at a glance: what it holds, the proposal, and the first few of what needs
    attention, with whether more follow (the registers list them). Nothing here reads every
    commitment or stance: each list stops once it has one more than it shows."""
    from datetime import timedelta

    queries, negotiation, axes = session.queries, session.negotiation, session.axes
    dossier = queries.dossier(negotiation, axes)
    try:
        proposal: dict[str, Any] | None = queries.proposal(negotiation, axes)
    except NotFound:
        proposal = None
    judged = axes.judged_on()
    soon = (judged + timedelta(days=DUE_SOON_DAYS)).isoformat()
    read = OVERVIEW + MORE_COUNTED + 1
    lists = {
        "overdue": queries.commitments(negotiation, axes, "overdue", limit=read),
        "due_soon": queries.commitments(negotiation, axes, "open", limit=read,
                                        due_within=(judged.isoformat(), soon)),
        "claims": queries.open_claims(negotiation, axes, read),
        "positions": queries.latest_stances(negotiation, axes, read),
        "meetings": queries.meetings_not_held(negotiation, axes, read),
    }
    status = {
        "negotiation": negotiation,
        "title": dossier["title"],
        "judged_on": judged.isoformat(),
        "proposal": proposal,
        # Stances are left out: the most numerous facts, so the dearest to count.
        "counts": {table: queries.count(table, negotiation, axes)
                   for table in ("stakeholders", "commitments", "claims", "meetings")},
        **{name: rows[:OVERVIEW] for name, rows in lists.items()},
        "due_soon_until": soon,
        "more": {name: len(rows) > OVERVIEW for name, rows in lists.items()},
        # How many more than those shown: null when more than MORE_COUNTED.
        "more_count": {name: len(rows) - OVERVIEW if len(rows) < read else None
                       for name, rows in lists.items() if len(rows) > OVERVIEW},
    }
    return emit(args, status, render_status)


def render_status(status: dict[str, Any]) -> str:
    proposal, counts, more = status["proposal"], status["counts"], status["more"]
    lines = [_("{negotiation}: {title} (as judged on {day})").format(
                 negotiation=status["negotiation"], title=status["title"],
                 day=human_date(status["judged_on"])),
             _("{stakeholders} parties, {commitments} commitments, {claims} claims and "
               "{meetings} meetings recorded").format(**counts) + "\n",
             render_proposal(proposal) if proposal else _("No proposal recorded yet.")]
    commitment_headers = [_("commitment"), _("by"), _("to"), _("due")]
    sections = {  # the list's name in status: (title, headers, rows)
        "overdue": (_("Commitments overdue"), commitment_headers,
                    [[c["id"], c["by"], ", ".join(c["to"]), human_date(c["due"])]
                     for c in status["overdue"]]),
        "due_soon": (_("Due by {day}").format(day=human_date(status["due_soon_until"])),
                     commitment_headers,
                     [[c["id"], c["by"], ", ".join(c["to"]), human_date(c["due"])]
                      for c in status["due_soon"]]),
        "claims": (_("Open claims"), [_("claim"), _("by"), _("against"), _("amount")],
                   [[c["id"], c["by"], c["against"], euros(c["amount"]) if c["amount"] else "-"]
                    for c in status["claims"]]),
        "positions": (_("Latest stances"), [_("party"), _("subject"), _("stance"), _("since")],
                      [[p["stakeholder"], p["subject"], label("stance", p["stance"]),
                        human_date(p["date"])] for p in status["positions"]]),
        "meetings": (_("Meetings not held"),
                     [_("meeting"), _("on"), _("state"), _("participants"), _("title")],
                     [[m["id"], human_date(m["scheduled_for"]), label("meeting", m["state"]),
                       ", ".join(m["participants"]), shorten(m["title"], 60)]
                      for m in status["meetings"]]),
    }
    for name, (title, headers, rows) in sections.items():
        count, register = status["more_count"].get(name), STATUS_REGISTERS[name]
        lines.append(f"\n{title}:")
        lines.append(table(headers, rows) if rows else "  " + _("none"))
        if more[name]:
            lines.append("  " + (_("and more than {count} more: akkoord {register}")
                                 if count is None else _("and {count} more: akkoord {register}"))
                         .format(count=MORE_COUNTED if count is None else count, register=register))
    return "\n".join(lines)


def run_rebuild(session: Session, args: Any) -> int:
    progress = Progress(_("rebuilding views"), not args.json)
    position = session.rebuild(progress)
    progress.finish()
    if args.json:
        print_json({"position": position})
    else:
        print(_("views rebuilt up to position {position}").format(position=position))
    return 0
