"""The auditor's commands: checkpoint, verify, export, and the history of one thing."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from akkoord.cli.core import add_paging, more_hint, page_of, year_label
from akkoord.cli.render import euros, json_language, moment, print_json, table
from akkoord.cli.session import Session, UsageError, add_command
from akkoord.i18n import _, human_date
from akkoord.i18n.labels import label
from akkoord.interchange.text import shorten

MAX_PROBLEMS_SHOWN = 20


def register(subparsers: Any, shared: dict[str, argparse.ArgumentParser]) -> None:
    store, reading = shared["store"], shared["reading"]

    def add(name: str, run: Any, help: str, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
        return add_command(subparsers, name, run, help, parents)

    def integrity(name: str, run: Any, help: str) -> argparse.ArgumentParser:
        parser = add(name, run, help, [store])
        parser.add_argument("--json", action="store_true", help=_("machine-readable output"))
        # Integrity is a matter of the stored bytes: no key needed, whatever the store's cipher.
        parser.set_defaults(decodes_events=False)
        return parser

    p = integrity("checkpoint", run_checkpoint, _("verify the store and print its integrity "
                  "checkpoint (position and hashes), to keep and check against later"))
    p.add_argument("-o", "--output", metavar="FILE",
                   help=_("append the checkpoint to FILE (a new file starts with a header "
                          "explaining the fields)"))

    p = integrity("verify", run_verify, _("recompute the hash chain over every stored event and "
                  "compare; exit 1 naming the first position that fails"))
    p.add_argument("--checkpoint", metavar="FILE",
                   help=_("also check the store against the checkpoints in FILE"))
    p.add_argument("--event", type=_position, metavar="POSITION",
                   help=_("prove that the event at POSITION is in the tree of the earliest "
                          "checkpoint that covers it: an RFC 9162 inclusion proof"))

    p = add("export", run_export, _("write all events of a dossier: yaml (the import format, "
            "re-importable) or jsonl (CloudEvents 1.0, one per line)"), [store])
    p.add_argument("--negotiation", metavar="SLUG",
                   help=_("the dossier (may be left out when the store holds one)"))
    p.add_argument("--format", choices=("yaml", "jsonl"), default="yaml",
                   help=_("the format of the export"))
    p.add_argument("-o", "--output", metavar="FILE",
                   help=_("write to FILE (default: standard output)"))

    p = add("history", run_history, _("the timeline of one thing: item:ID, commitment:ID, "
            "claim:ID, meeting:ID, topic:SLUG, proposal, proposal:rN or a party's id"),
            [store, reading])
    p.add_argument("subject", metavar="SUBJECT", help=_("what to show the timeline of"))
    add_paging(p)


def _position(text: str) -> int:
    from akkoord.cli.options import _position as position

    return position(text)


# -- integrity -------------------------------------------------------------------------------------


def _checkpoints(path: str | None) -> list[Any]:
    from akkoord.store.integrity import read_checkpoints

    if path is None:
        return []
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(_("checkpoint file {path!r} cannot be read: {error}").format(
            path=path, error=error)) from None
    try:
        return read_checkpoints(text)
    except ValueError as error:
        raise UsageError(_("checkpoint file {path!r}: {error}").format(path=path,
                                                                         error=error)) from None


@contextmanager
def _stored_rows(session: Session) -> Iterator[Any]:
    """The store's rows as the checks read them: a SQLite file with ``sqlite3`` alone (no
    library, no domain, no key), any other store through its recorder."""
    if "://" in session.target:
        yield session.app.recorder
        return
    from akkoord.store.chain import StoredFile

    if not Path(session.target).is_file():
        raise UsageError(_("store {store} does not exist (akkoord import creates a store)").format(
            store=session.shown))
    try:
        stored = StoredFile(session.target)
        stored.heads()
    except sqlite3.Error as error:
        raise UsageError(_("store {store} cannot be read: {error}").format(
            store=session.shown, error=error)) from None
    try:
        yield stored
    except sqlite3.Error as error:
        raise UsageError(_("store {store} cannot be read: {error}").format(
            store=session.shown, error=error)) from None
    finally:
        stored.close()


def _check_snapshots(session: Session, stored: Any, result: Any) -> tuple[int, int, str | None]:
    """Checks each dossier's latest snapshot: against its seal in the hash chain that ``verify``
    has just checked (``store.integrity.check_sealed_snapshots``, the stored bytes only), or, for
    a snapshot written before snapshots were sealed, by a replay of the events it summarises
    (``check_snapshots``: the library and the domain are loaded only then). Returns how many
    were checked, how many of them by their seal, and why some could not be checked."""
    from akkoord.store.integrity import check_sealed_snapshots, check_snapshots

    if hasattr(stored, "snapshotted"):
        aggregates = stored.snapshotted()
        if not aggregates:
            return 0, 0, None
    else:
        from akkoord.domain.negotiation import Negotiation

        aggregates = [Negotiation.create_id(slug) for slug in session.app.negotiations()]
    sealed, unsealed, changed = check_sealed_snapshots(stored, result, aggregates)
    checked, unchecked, problems = sealed + len(changed), None, {}
    for aggregate in changed:  # a replay names what differs, where the snapshot can be read
        try:
            problems.update(check_snapshots(session.app, [aggregate])[1])
        except Exception:  # noqa: BLE001 - changed past reading, or encrypted without the key
            pass
    if unsealed:
        try:
            replayed, found = check_snapshots(session.app, unsealed)
        except Exception as error:  # noqa: BLE001 - an encrypted snapshot without the key, say
            if session.keyed:
                raise
            unchecked = _("they cannot be read without the store's key ({error})").format(
                error=type(error).__name__)
        else:
            checked += replayed
            problems.update(found)
    result.problems.extend({**changed, **problems}.values())
    return checked, sealed, unchecked


def _report_problems(command: str, problems: list[Any]) -> None:
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        print(f"{command}: {problem.message}")
    if len(problems) > MAX_PROBLEMS_SHOWN:
        print(_("{command}: and {count} more problems (--json lists all)").format(
            command=command, count=len(problems) - MAX_PROBLEMS_SHOWN))


def run_verify(session: Session, args: Any) -> int:
    from akkoord.store.integrity import prove_inclusion, verify

    checkpoints = _checkpoints(args.checkpoint)
    if args.event is not None:
        covering = [c for c in checkpoints if c.position >= args.event]
        with _stored_rows(session) as stored:
            proof = prove_inclusion(stored, args.event, covering[0] if covering else
                                    (checkpoints[-1] if checkpoints else None))
        if args.json:
            print_json(proof.as_json())
        elif proof.problem:
            print(_("verify: {problem}").format(problem=proof.problem.message))
        else:
            print(_("verify: position {position} is leaf {leaf} of the tree of {size} events "
                    "with root {root}, proven by {hashes} hashes against the {against}").format(
                position=proof.position, leaf=proof.index, size=proof.size,
                root=proof.root.hex(), hashes=len(proof.path), against=proof.against))
        return 1 if proof.problem else 0
    with _stored_rows(session) as stored:
        result = verify(stored, checkpoints)
        snapshots, sealed, unchecked = _check_snapshots(session, stored, result)
    if args.json:
        print_json({
            "ok": result.ok, "events": result.events, "position": result.position,
            "chain": result.chain.hex(), "root": result.root.hex(),
            "problems": [p.as_json() for p in result.problems],
            "checkpoints": [{**c.as_json(), "ok": p is None} for c, p in result.checkpoints],
            "snapshots_checked": snapshots, "snapshots_sealed": sealed,
            "snapshots_unchecked": unchecked,
        })
    elif result.ok:
        held = ""
        if checkpoints:
            latest = max(c.position for c in checkpoints)
            holds = (_("1 checkpoint holds (latest at position {latest})") if len(checkpoints) == 1
                     else _("{count} checkpoints hold (latest at position {latest})"))
            held = "; " + holds.format(count=len(checkpoints), latest=latest)
        print(_("verify: {events} events up to position {position} hold; chain {chain}").format(
            events=result.events, position=result.position, chain=result.chain.hex()) + held)
        if snapshots:
            print((_("verify: 1 snapshot matches the events it summarises") if snapshots == 1
                   else _("verify: {count} snapshots match the events they summarise")).format(
                count=snapshots))
        if unchecked:
            print(_("verify: snapshots not checked: {reason}").format(reason=unchecked))
    else:
        _report_problems("verify", result.problems)
    return 0 if result.ok else 1


def run_checkpoint(session: Session, args: Any) -> int:
    from akkoord.store.integrity import CHECKPOINT_HEADER, verify

    with _stored_rows(session) as stored:
        result = verify(stored)
    if not result.ok:
        if args.json:
            print_json({"ok": False, "problems": [p.as_json() for p in result.problems]})
        else:
            _report_problems("checkpoint", result.problems)
            print(_("checkpoint: none taken: the store does not verify"))
        return 1
    checkpoint = result.checkpoint()
    if args.output:
        from akkoord.interchange.output import write_atomically

        target = Path(args.output)
        new = not target.is_file() or target.stat().st_size == 0
        write_atomically(target, lambda stream: stream.write(
            (CHECKPOINT_HEADER if new else "") + checkpoint.line() + "\n"),
            protected=session.protected_paths(), keep_existing=True)
    if args.json:
        print_json(checkpoint.as_json())
    else:
        print(checkpoint.line())
    return 0


# -- export ----------------------------------------------------------------------------------------


def run_export(session: Session, args: Any) -> int:
    # Named from the store itself, not from the views: an export is the record, not a cache.
    negotiation = session.choose_dossier(list(session.app.negotiations()))
    if args.format == "yaml":
        from akkoord.interchange.logformat import write_log as write
    else:
        from akkoord.interchange.cloudevents import write_jsonl as write
    events = session.app.dossier_events(negotiation)
    if args.output is None:
        write(sys.stdout, negotiation, events)
        return 0
    from akkoord.interchange.output import write_atomically

    count = write_atomically(args.output, lambda stream: write(stream, negotiation, events),
                             protected=session.protected_paths())
    print(_("{path}: {count} events of {negotiation} ({format})").format(
        path=args.output, count=count, negotiation=negotiation, format=args.format),
        file=sys.stderr)
    return 0


# -- history ---------------------------------------------------------------------------------------


def run_history(session: Session, args: Any) -> int:
    from akkoord.projections.history import history

    limit, offset = page_of(args)
    with json_language(args):
        result = history(session.queries, session.negotiation, args.subject, session.axes,
                         limit, offset)
    shown = result["entries"]
    if args.json:
        print_json(result)
        return 0
    print(_("history of {subject} in {negotiation}").format(subject=result["subject"],
                                                            negotiation=result["negotiation"])
          + "\n")
    rows = [[human_date(e["date"]), e["position"], moment(e["recorded_at"]), e["recorded_by"],
             e["type"], shorten(_what(e), 100)] for e in result["entries"]]
    print(table([_("date"), _("pos"), _("recorded at (UTC)"), _("by"), _("event"), _("what")],
                rows, right=[1])
          + more_hint(args, len(shown), result["count"] > offset + len(shown), result["count"]))
    years = [str(y) for y in result.get("years") or []]
    revisions = [e for e in result["entries"] if e["type"] == "proposal_revised"]
    if years and revisions:
        figure = "by_year" if "by_year" in revisions[0] else "total"
        print("\n" + (_("amounts per revision:") if figure == "by_year"
                      else _("totals per revision:")))
        print(table(
            [_("revision"), _("status"), _("pos")] + [year_label(result, y) for y in years],
            [[e["detail"]["revision"], label("revision", e["detail"]["status"]), e["position"]]
             + [euros(e[figure][y]) if e[figure][y] else "-" for y in years] for e in revisions],
            right=range(2, 3 + len(years))))
        print("\n" + _("{year}+ is every year from {year} on (structural).").format(
            year=years[-1]))
    return 0


def _what(entry: dict[str, Any]) -> str:
    detail = entry["detail"]
    if entry["type"] == "proposal_revised":
        text = _("revision {revision} ({status}) proposed by {parties}").format(
            revision=detail["revision"], status=label("revision", detail["status"]),
            parties=", ".join(detail["proposed_by"]))
        if "item_change" in entry:
            text += ": " + _("item {change}").format(change=label("change", entry["item_change"]))
    elif entry["type"] == "commitment_rescheduled":
        text = _("due {before} -> {after}: {reason}").format(
            before=human_date(detail.get("due_before")), after=human_date(detail["due"]),
            reason=entry["data"]["reason"])
    else:
        text = entry["summary"]
    if entry["retracted_by"]:
        text += " " + _("(retracted at {position})").format(position=entry["retracted_by"])
    return text
