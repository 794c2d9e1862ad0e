"""The registers of a dossier that are lists of things: its parties and its meetings."""

from __future__ import annotations

import argparse
from typing import Any

from akkoord.cli.render import emit, table
from akkoord.cli.session import Session, add_command
from akkoord.i18n import _, human_date
from akkoord.i18n.labels import label


def register(subparsers: Any, shared: dict[str, argparse.ArgumentParser]) -> None:
    parents = [shared["store"], shared["reading"]]
    add_command(subparsers, "stakeholders", run_stakeholders,
                _("the registered parties: id, name, kind, member of, registered on"), parents)
    add_command(subparsers, "meetings", run_meetings,
                _("the meetings: scheduled, held, or past (its date passed and it was not "
                  "recorded as held)"), parents)


def run_stakeholders(session: Session, args: Any) -> int:
    parties = session.queries.stakeholders(session.negotiation, session.axes)
    return emit(args, parties, render_stakeholders)


def render_stakeholders(parties: list[dict[str, Any]]) -> str:
    headers = [_("id"), _("name"), _("kind"), _("member of"), _("registered on")]
    return table(headers, [[p["id"], p["name"], label("kind", p["kind"]), p["member_of"] or "-",
                            human_date(p["date"])] for p in parties])


def run_meetings(session: Session, args: Any) -> int:
    meetings = session.queries.meetings(session.negotiation, session.axes)
    return emit(args, meetings, render_meetings)


def render_meetings(meetings: list[dict[str, Any]]) -> str:
    headers = [_("meeting"), _("title"), _("scheduled for"), _("held on"), _("participants"),
               _("state")]
    return table(headers, [[m["id"], m["title"], human_date(m["scheduled_for"]),
                            human_date(m["held_on"]), ", ".join(m["participants"]),
                            label("meeting", m["state"])] for m in meetings])
