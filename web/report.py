"""``akkoord report``: the dossier pages written to files, each whole or not at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from akkoord.projections.axes import Axes


def dossier_files(output: Path, negotiations: list[str], several: bool) -> dict[str, Path]:
    """Where each dossier's page goes: ``output`` itself, or beside it (``FILE-slug.html``) when
    ``output`` is the index of several."""
    if not several:
        return {negotiations[0]: output}
    return {slug: output.with_name(f"{output.stem}-{slug}{output.suffix or '.html'}")
            for slug in negotiations}


def build(session: Any, output: Path, negotiations: list[str], axes: Axes) -> list[Path]:
    """Renders every page first, then writes them; returns the files written."""
    from akkoord.interchange.output import write_atomically
    from akkoord.web.dossier import gather, integrity
    from akkoord.web.pages import dossier_html, index_html

    several = len(negotiations) > 1
    files = dossier_files(output, negotiations, several)
    store = session.shown.strip("'")
    verdict = integrity(session.app.recorder)  # one verification for every page
    pages: dict[Path, str] = {}
    dossiers = []
    for slug, path in files.items():
        page = gather(session.queries, slug, axes, verdict)
        pages[path] = dossier_html(page, store, index_href=output.name if several else None)
        dossiers.append({"negotiation": slug, "title": page.title, "href": path.name})
    if several:
        pages[output] = index_html(dossiers, store)
    for path, html in pages.items():
        write_atomically(path, lambda stream, html=html: stream.write(html),
                         protected=session.protected_paths())
    return list(pages)
