"""The pages as HTML: one Jinja2 environment for the report file and the served pages."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from akkoord import i18n
from akkoord.cli.render import delta_euros, euros, moment, plain, signed_euros
from akkoord.i18n.labels import label

if TYPE_CHECKING:
    import jinja2

    from akkoord.web.dossier import DossierPage

TEMPLATES = Path(__file__).parent / "templates"


def language() -> str:
    """The language of the pages (the ``lang`` attribute): the one ``--lang`` chose."""
    chosen = getattr(i18n, "language", None)  # the Dutch catalogs bring the choice of language
    return chosen() if chosen is not None else "en"


def year_label(year: str, years: list[str]) -> str:
    """The last year of a proposal stands for every year after it."""
    return f"{year}+" if years and year == years[-1] else year


def unbroken(text: str) -> str:
    """An amount or a date that never breaks across lines (between € and the figure, or the
    day, month and year)."""
    return text.replace(" ", "\u00a0")


@cache
def environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.globals["_"] = i18n._  # looked up at every call: the language chosen at run time
    env.globals["label"] = label
    env.filters.update(euros=lambda amount: unbroken(euros(amount)),
                       signed_euros=lambda amount: unbroken(signed_euros(amount)),
                       delta_euros=lambda amount: unbroken(delta_euros(amount)),
                       plain=plain, moment=moment, year_label=year_label,
                       human_date=lambda day: unbroken(i18n.human_date(day)))
    return env


def _common(store: str) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        made_by = version("akkoord")
    except PackageNotFoundError:
        made_by = "?"
    return {"lang": language(), "version": made_by, "store": store,
            "made": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")}


def dossier_html(page: DossierPage, store: str, *, controls: dict[str, Any] | None = None,
                 index_href: str | None = None) -> str:
    from akkoord.web.dossier import GLANCE_SHOWN

    return environment().get_template("dossier.html").render(
        page=page, controls=controls, index_href=index_href, glance_shown=GLANCE_SHOWN,
        **_common(store))


def index_html(dossiers: list[dict[str, Any]], store: str) -> str:
    """``dossiers``: each one's ``negotiation``, ``title`` and ``href``."""
    return environment().get_template("index.html").render(dossiers=dossiers, **_common(store))
