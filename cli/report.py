"""``akkoord report`` (the dossier as a self-contained HTML page) and ``akkoord serve`` (the same
pages live in a browser, read-only). Jinja2, Starlette and uvicorn load inside these commands only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from akkoord.cli.session import Session, UsageError, add_command
from akkoord.i18n import _

DEFAULT_PORT = 8765


def register(subparsers: Any, shared: dict[str, argparse.ArgumentParser]) -> None:
    store, reading = shared["store"], shared["reading"]
    p = add_command(subparsers, "report", run_report,
                    _("the dossier as one self-contained HTML page (a page per dossier and an "
                      "index when the store holds several and --negotiation names none)"),
                    [store, reading])
    p.add_argument("-o", "--output", metavar="FILE.html", required=True,
                   help=_("the page to write (replaced whole, never half-written)"))

    p = add_command(subparsers, "serve", run_serve,
                    _("the dossier pages live in a browser, read-only, with the time axes as "
                      "controls on the page"), [store])
    p.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N",
                   help=_("the port to listen on (default {port})").format(port=DEFAULT_PORT))
    p.add_argument("--host", default="127.0.0.1", metavar="H",
                   help=_("the address to listen on (default 127.0.0.1: this machine only)"))


def run_report(session: Session, args: Any) -> int:
    from akkoord.cli.render import print_json
    from akkoord.web.report import build

    output = Path(args.output)
    if not output.parent.is_dir():
        raise UsageError(_("cannot write {path!r}: folder {folder!r} does not exist").format(
            path=args.output, folder=str(output.parent)))
    known = session.queries.negotiations()
    negotiations = [session.negotiation] if args.negotiation or len(known) <= 1 else known
    written = build(session, output, negotiations, session.axes)
    if args.json:
        print_json({"written": [str(path) for path in written]})
    else:
        for path in written:
            print(_("{path}: written").format(path=path), file=sys.stderr)
    return 0


def run_serve(session: Session, args: Any) -> int:
    import uvicorn

    from akkoord.web.server import make_app

    session.queries  # noqa: B018 - a store that cannot be read is refused before listening
    session.close()
    app = make_app(args)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(_("serving {store} read-only on http://{host}:{port}/ (Ctrl-C stops)").format(
        store=session.shown, host=shown, port=args.port), file=sys.stderr)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    except OSError as error:
        raise UsageError(_("cannot listen on {host}:{port}: {error}").format(
            host=args.host, port=args.port, error=error.strerror or error)) from None
    return 0
