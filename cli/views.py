"""``akkoord views``: where the read models live, for browsing them (with Datasette)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from akkoord.cli.session import Session, add_command
from akkoord.i18n import _
from akkoord.projections.browse import BROWSE_VIEWS


def register(subparsers: Any, shared: dict[str, argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers, "views", run_views,
        _("the views file, caught up, for browsing (datasette \"$(akkoord views --path)\")"),
        [shared["store"]],
        description=_("Catch the views up with the store and say where their file is. Besides "
                      "the tables of facts, it holds SQL views that show what holds today: "
                      "{names}. Datasette browses the file (see docs/browsing.md)."
                      ).format(names=", ".join(BROWSE_VIEWS)))
    parser.add_argument("--path", action="store_true",
                        help=_("print the path of the views file only"))


def run_views(session: Session, args: Any) -> int:
    session.catch_up()
    path = session.views.path.resolve()
    if session.keyed:
        print(_("akkoord: the views of an encrypted store are sealed: the file is ciphertext, "
                "which no other program can read"), file=sys.stderr)
    if args.path:
        print(path)
        return 0
    print(_("views file: {path}").format(path=path))
    print(_("views for browsing (what holds today): {names}").format(
        names=", ".join(sorted(BROWSE_VIEWS))))
    print(_("browse them: datasette \"$(akkoord views --path)\""))
    return 0
