"""``akkoord serve``: the report's pages, live and read-only, with the two time axes as controls.

Starlette (an ASGI toolkit) under uvicorn: small, typed, well kept, and the pages are the same
Jinja2 templates as the report's. Every request opens the store afresh (so the pages are live)
and the views catch up; nothing is ever written to the store. Only GET and HEAD are answered.
"""

from __future__ import annotations

import argparse
import html
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from akkoord.cli.session import Session, UsageError
from akkoord.i18n import _
from akkoord.projections.axes import Axes, NotFound

READ_METHODS = ("GET", "HEAD")
# No script may run and nothing may be fetched; styles are inline (the stylesheet and the
# picture's SVG attributes), forms go to this server only, and no other site may frame a page.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                           "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
]


class BadRequest(Exception):
    """A control on the page was given a value that is not a date or a position."""


class ReadOnly:
    """Answers 405 to every method but GET and HEAD, before any route runs, and adds the
    security headers to every response."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        if scope["method"] not in READ_METHODS:
            response = Response(_("This server only reads: {method} is not allowed.").format(
                method=scope["method"]), status_code=405, media_type="text/plain",
                headers={"Allow": ", ".join(READ_METHODS)})
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def make_app(args: argparse.Namespace) -> ReadOnly:
    """The application over the store ``args`` names (``--db``, ``--views``)."""
    from akkoord.web.dossier import Integrity, integrity

    # verify reads the whole store: its verdict is kept until an event is added (each page
    # says when the store was last verified)
    verdicts: dict[int, Integrity] = {}

    def verdict(reading: Session) -> Integrity:
        recorder = reading.app.recorder
        head = recorder.max_notification_id() or 0
        if head not in verdicts:
            verdicts.clear()
            verdicts[head] = integrity(recorder)
        return verdicts[head]

    def session(negotiation: str | None = None, axes: Axes = Axes()) -> Session:
        return Session(argparse.Namespace(
            db=args.db, views=args.views, actor=None, command="serve", json=True,
            negotiation=negotiation, as_of=axes.as_of, known_at=axes.known_at))

    # async: the store and views are opened, used and closed on the event loop's one thread
    async def index(request: Request) -> Response:
        from akkoord.web.pages import index_html

        reading = session()
        try:
            queries = reading.queries
            dossiers = [{"negotiation": slug, "title": queries.dossier(slug, Axes())["title"],
                         "href": f"/dossier/{quote(slug)}"} for slug in queries.negotiations()]
            return HTMLResponse(index_html(dossiers, reading.shown.strip("'")))
        except UsageError as error:
            return _error(500, str(error))
        finally:
            reading.close()

    async def dossier(request: Request) -> Response:
        from akkoord.web.dossier import gather
        from akkoord.web.pages import dossier_html

        slug = request.path_params["slug"]
        try:
            axes = _axes(request)
        except BadRequest as error:
            return _error(400, str(error))
        reading = session(slug, axes)
        try:
            if slug not in reading.queries.negotiations():
                return _error(404, _("No dossier {slug} in this store.").format(slug=slug))
            page = gather(reading.queries, slug, axes, verdict(reading))
            controls = _controls(reading, slug, axes)
            return HTMLResponse(dossier_html(page, reading.shown.strip("'"), controls=controls,
                                             index_href="/"))
        except NotFound as error:
            return _error(404, str(error))
        except UsageError as error:
            return _error(500, str(error))
        finally:
            reading.close()

    routes = [Route("/", index, methods=["GET"]),
              Route("/dossier/{slug}", dossier, methods=["GET"])]
    return ReadOnly(Starlette(routes=routes))


def _axes(request: Request) -> Axes:
    as_of_text = request.query_params.get("as_of", "").strip()
    known_text = request.query_params.get("known_at", "").strip()
    try:
        as_of = date.fromisoformat(as_of_text) if as_of_text else None
    except ValueError:
        raise BadRequest(_("{value!r} is not a date (YYYY-MM-DD)").format(value=as_of_text)) from None
    if known_text and not known_text.isdigit():
        raise BadRequest(_("{value!r} is not a position (a whole number)").format(value=known_text))
    return Axes(as_of=as_of, known_at=int(known_text) if known_text else None)


def _controls(reading: Session, slug: str, axes: Axes) -> dict[str, Any]:
    """The time axes as the form shows them, and the links of the replay: the dossier's events
    one at a time, each step showing what was known just after it."""
    events = reading.queries.db.execute(
        "SELECT position, type, date FROM log WHERE negotiation = ? ORDER BY position",
        [slug]).fetchall()
    positions = [row[0] for row in events]
    last = positions[-1] if positions else 0
    at = axes.known_at if axes.known_at is not None else last
    action = f"/dossier/{quote(slug)}"

    def link(position: int | None) -> str:
        query = {"known_at": position} if position is not None else {}
        if axes.as_of is not None:
            query["as_of"] = axes.as_of.isoformat()
        return action + ("?" + urlencode(query) if query else "")

    earlier = [p for p in positions if p < at]
    later = [p for p in positions if p > at]
    current = next(({"type": t, "date": d} for p, t, d in reversed(events) if p <= at), None)
    return {
        "action": action, "last": max(last, 1), "known_at": axes.known_at,
        "as_of": axes.as_of.isoformat() if axes.as_of else None, "current": current,
        "first": link(positions[0]) if positions and at != positions[0] else None,
        "previous": link(earlier[-1]) if earlier else None,
        "previous_position": earlier[-1] if earlier else None,
        "next": link(later[0]) if later else None, "next_position": later[0] if later else None,
        "everything": link(None),
    }


def _error(status: int, message: str) -> HTMLResponse:
    from akkoord.web.pages import language

    title = html.escape(_("akkoord: the page cannot be shown"))
    body = (f'<!DOCTYPE html><html lang="{language()}"><head><meta charset="utf-8">'
            f"<title>{title}</title></head><body><main><h1>{title}</h1>"
            f"<p>{html.escape(message)}</p><p><a href=\"/\">{html.escape(_('All dossiers'))}"
            "</a></p></main></body></html>")
    return HTMLResponse(body, status_code=status)
