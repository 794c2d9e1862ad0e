"""The core commands: import, the registers and the proposal, the log, status, rebuild."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from akkoord.cli.render import (
    NARROWEST_TEXT_COLUMN,
    Progress,
    delta_euros,
    emit,
    euros,
    moment,
    plain,
    print_json,
    signed_euros,
    table,
    terminal_width,
)
from akkoord.cli.session import Session, UsageError, actor, add_command
from akkoord.domain.errors import EventRefused, Refusal
from akkoord.interchange.text import shorten
from akkoord.projections.queries import NotFound
from akkoord.store.chain import ChainError

COMMITMENT_STATES = ("open", "overdue", "fulfilled", "withdrawn")


def register(subparsers: Any, shared: dict[str, argparse.ArgumentParser]) -> None:
    store, reading = shared["store"], shared["reading"]

    def add(name: str, run: Any, help: str, *, reads: bool = True) -> argparse.ArgumentParser:
        return add_command(subparsers, name, run, help, [store, reading] if reads else [store])

    p = add("import", run_import, "append the events of log files (akkoord/1), each file whole "
            "or not at all", reads=False)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = add("log", run_log, "the history in recorded order")
    p.add_argument("--stakeholder", metavar="ID")
    p.add_argument("--type", metavar="TYPE")
    p.add_argument("--since", type=_parse_date, metavar="DATE")
    p.add_argument("--until", type=_parse_date, metavar="DATE")
    p.add_argument("--position", type=_parse_position, metavar="N",
                   help="show the event at position N whole: its data, how it is stored, and "
                        "what it changed in the views")

    p = add("proposal", run_proposal, "the verdelingsvoorstel: items x years against the budget")
    p.add_argument("--revision", type=int, metavar="N")

    p = add("diff", run_diff, "what changed from revision A to revision B")
    p.add_argument("a", type=int, metavar="A")
    p.add_argument("b", type=int, metavar="B")

    add("positions", run_positions, "the latest stance of each party on each subject")
    add("claims", run_claims, "the claims and their state")
    p = add("commitments", run_commitments, "the commitments (toezeggingen) and their state")
    p.add_argument("--status", choices=COMMITMENT_STATES)
    add("status", run_status, "the dossier at a glance")

    p = add("rebuild", run_rebuild, "drop every view and rebuild it from the events", reads=False)
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _parse_date(text: str) -> Any:
    from akkoord.cli.main import _date

    return _date(text)


def _parse_position(text: str) -> int:
    from akkoord.cli.main import _position

    return _position(text)


# -- import --------------------------------------------------------------------------------------


def run_import(session: Session, args: Any) -> int:
    from eventsourcing.persistence import PersistenceError

    from akkoord.interchange.logformat import FileRefused, read_log_file

    target_existed = "://" in session.target or Path(session.target).exists()
    stored: list[dict[str, Any]] = []
    try:
        for path in args.files:
            log_file = read_log_file(path)
            entries = log_file.entries
            total = len(entries) if isinstance(entries, list) else None
            progress = Progress(f"importing {path}", not args.json)
            try:
                positions = session.app.record(log_file.negotiation, entries, actor(args),
                                               lambda done: progress(done, total))
            except EventRefused as refusal:
                raise log_file.refusal(refusal.index, refusal.reason, refusal.event_type) from None
            except (Refusal, ChainError) as refusal:
                raise FileRefused(path, str(refusal)) from None
            except PersistenceError as error:  # e.g. a lock held longer than the lock timeout
                raise FileRefused(path, f"store {session.shown} could not be written: {error}") from None
            finally:
                progress.finish()
            stored.append({"path": path, "negotiation": log_file.negotiation,
                           "events": len(positions),
                           "positions": [positions[0], positions[-1]] if positions else []})
    except FileRefused as refused:
        if not stored and not target_existed:
            _remove_empty_store(session)
        done = "; ".join(f"{s['path']} stored" for s in stored)
        raise UsageError(f"{refused} (nothing of this file was stored{'; ' + done if done else ''})") from None
    if args.json:
        print_json(stored)
    else:
        for s in stored:
            span = f"positions {s['positions'][0]}-{s['positions'][1]}" if s["positions"] else "nothing new"
            print(f"{s['path']}: {s['events']} events stored in {s['negotiation']} ({span})")
    return 0


def _remove_empty_store(session: Session) -> None:
    """A refused first import leaves no empty store behind."""
    if "app" in session.__dict__:
        session.app.close()
        del session.__dict__["app"]
    for suffix in ("", "-wal", "-shm"):
        Path(session.target + suffix).unlink(missing_ok=True)


# -- reading -------------------------------------------------------------------------------------


def run_log(session: Session, args: Any) -> int:
    if args.position is not None:
        return run_log_position(session, args)
    negotiation = args.negotiation
    if negotiation is not None:
        session.negotiation  # noqa: B018 - refuses an unknown dossier
    entries = session.queries.log(session.axes, negotiation, args.stakeholder, args.type,
                                  args.since, args.until)
    return _show(args, entries, ["pos", "recorded at (UTC)", "by", "date", "dossier", "type", "summary"],
                 lambda e: [e["position"], moment(e["recorded_at"]), e["recorded_by"],
                            e["date"], e["negotiation"],
                            e["type"] + (" (retracted)" if e["retracted_by"] else ""),
                            shorten(e["summary"], 100)], right=(0,), shrink=(6, 5, 4, 2))


def run_log_position(session: Session, args: Any) -> int:
    from akkoord.projections.provenance import changes
    from akkoord.store.integrity import stored_form

    found = session.queries.log(session.axes, where=("position = ?", [args.position]))
    if not found:
        known = f" known at position {args.known_at}" if args.known_at is not None else ""
        raise UsageError(f"no event at position {args.position}{known} in {session.target!r}")
    entry = found[0]
    entry["stored"] = stored_form(session.app.recorder, args.position)
    entry["changes"] = changes(session.queries, entry["negotiation"], args.position)
    return emit(args, entry, render_event)


def render_event(entry: dict[str, Any]) -> str:
    """One event whole: when and by whom, its record as in the log format, its stored form."""
    from io import StringIO

    from akkoord.interchange.logformat import write_records

    recorded = moment(entry["recorded_at"])
    lines = [
        f"position {entry['position']}: {entry['type']} in {entry['negotiation']}"
        + (f" (ref {entry['ref']})" if entry["ref"] else ""),
        f"effective date {entry['date']}; recorded {recorded} UTC by {entry['recorded_by']}",
        entry["summary"],
    ]
    if entry["retracted_by"]:
        lines.append(f"retracted by the event at position {entry['retracted_by']}")
    record = StringIO()
    write_records(record, [entry["data"]])
    lines += ["", "as in the log format:", record.getvalue().rstrip()]
    stored = entry["stored"]
    if stored is not None:
        lines += ["", f"stored as version {stored['version']} of aggregate {stored['aggregate_id']}, "
                      f"topic {stored['topic']}, {stored['bytes']} bytes",
                  f"leaf hash {stored['leaf']}"
                  + ("" if stored["leaf_holds"] else "  (DOES NOT MATCH THE CHAIN: run akkoord verify)"),
                  f"chain     {stored['chain'] or '(no chain row)'}"]
    lines += ["", "what it changed in the views (known before it -> known after it):"]
    lines += render_changes(entry["changes"]) or ["  nothing"]
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
    status = proposal["status"]
    if proposal["agreed_by"]:
        status += " by " + ", ".join(proposal["agreed_by"])
    lines = [
        f"{proposal['negotiation']}: verdelingsvoorstel, revision {proposal['revision']} "
        f"({status}), proposed by {', '.join(proposal['proposed_by'])} on {proposal['date']}",
        "",
    ]
    rows = [[item["id"], item["recipient"]] + [euros(item["by_year"][y]) if item["by_year"][y] else "-"
                                             for y in years] for item in proposal["items"]]
    rows.append(["total", ""] + [euros(proposal["total"][y]) for y in years])
    rows.append(["budget", ""] + [euros(proposal["budget"][y]) for y in years])
    rows.append(["unallocated", ""] + [signed_euros(proposal["unallocated"][y]) for y in years])
    headers = ["item", "recipient"] + [year_label(proposal, y) for y in years]
    lines.append(table(headers, rows, right=range(2, 2 + len(years))))
    if years:
        lines.append(f"\n{years[-1]}+ is every year from {years[-1]} on (structural).")
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
        negotiation=diff["negotiation"], a=diff["from"], a_status=diff["status"]["from"],
        b=diff["to"], b_status=diff["status"]["to"])
    rows: list[list[Any]] = []
    for item in diff["items"]:
        cells = [[year(y), amount(item["by_year"][y]["from"]), amount(item["by_year"][y]["to"]),
                  delta_euros(item["by_year"][y]["delta"])]
                 for y in years if item["by_year"][y]["delta"]]
        first, *rest = cells or [["", "", "", ""]]
        rows.append([item["id"], item["change"], *first])
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
          right: tuple[int, ...] = (), shrink: tuple[int, ...] | None = None) -> int:
    """JSON as the views give it, or a table of the cells of each row (``table``'s ``right``
    and ``shrink``)."""
    return emit(args, rows, lambda rows: table(headers, [cells(row) for row in rows], right=right,
                                               shrink=shrink))


def run_positions(session: Session, args: Any) -> int:
    return _show(args, session.queries.positions(session.negotiation, session.axes),
                 ["party", "subject", "stance", "since", "summary"],
                 lambda p: [p["stakeholder"], p["subject"], p["stance"], p["date"], p["summary"]])


def run_claims(session: Session, args: Any) -> int:
    return _show(args, session.queries.claims(session.negotiation, session.axes),
                 ["claim", "by", "against", "amount", "status", "summary"],
                 lambda c: [c["id"], c["by"], c["against"], euros(c["amount"]) if c["amount"] else "-",
                            c["status"], c["summary"]], right=(3,), shrink=(5,))


def run_commitments(session: Session, args: Any) -> int:
    return _show(args, session.queries.commitments(session.negotiation, session.axes, args.status),
                 ["commitment", "by", "to", "due", "status", "what"],
                 lambda c: [c["id"], c["by"], ", ".join(c["to"]), c["due"] or "-", c["status"],
                            c["what"]], shrink=(5, 2))


def run_status(session: Session, args: Any) -> int:
    queries, negotiation, axes = session.queries, session.negotiation, session.axes
    dossier = queries.dossier(negotiation, axes)
    try:
        proposal: dict[str, Any] | None = queries.proposal(negotiation, axes)
    except NotFound:
        proposal = None
    commitments = queries.commitments(negotiation, axes)
    judged = axes.judged_on().isoformat()
    status = {
        "negotiation": negotiation,
        "title": dossier["title"],
        "judged_on": judged,
        "proposal": proposal,
        "commitments": [c for c in commitments if c["status"] in ("open", "overdue")],
        "claims": [c for c in queries.claims(negotiation, axes) if c["status"] == "open"],
        "positions": queries.positions(negotiation, axes),
        "meetings": [m for m in queries.meetings(negotiation, axes)
                     if not m["held"] and m["scheduled_for"] >= judged],
    }
    return emit(args, status, render_status)


def render_status(status: dict[str, Any]) -> str:
    proposal = status["proposal"]
    lines = [f"{status['negotiation']}: {status['title']} (as judged on {status['judged_on']})\n",
             render_proposal(proposal) if proposal else "No proposal recorded yet."]
    sections = [
        ("Open and overdue commitments", ["commitment", "by", "to", "due", "status"],
         [[c["id"], c["by"], ", ".join(c["to"]), c["due"] or "-", c["status"]]
          for c in status["commitments"]]),
        ("Open claims", ["claim", "by", "against", "amount"],
         [[c["id"], c["by"], c["against"], euros(c["amount"]) if c["amount"] else "-"]
          for c in status["claims"]]),
        ("Stances", ["party", "subject", "stance", "since"],
         [[p["stakeholder"], p["subject"], p["stance"], p["date"]] for p in status["positions"]]),
        ("Meetings to come", ["meeting", "on", "participants", "title"],
         [[m["id"], m["scheduled_for"], ", ".join(m["participants"]), m["title"]]
          for m in status["meetings"]]),
    ]
    for title, headers, rows in sections:
        lines.append(f"\n{title}:")
        lines.append(table(headers, rows) if rows else "  none")
    return "\n".join(lines)


def run_rebuild(session: Session, args: Any) -> int:
    progress = Progress("rebuilding views", not args.json)
    position = session.rebuild(progress)
    progress.finish()
    if args.json:
        print_json({"position": position})
    else:
        print(f"views rebuilt up to position {position}")
    return 0
