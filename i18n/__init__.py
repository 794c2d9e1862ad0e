"""The language of every human-readable line (tables, headings, messages, help, reports).

Strings are marked with ``_()`` (and ``ngettext`` for counts) where they are written, and looked
up in the gettext catalog of the chosen language: ``--lang``, else ``$AKKOORD_LANG``, else the
locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``nl…`` is Dutch), else English (cli.md revision 2).
English is the source language, so it needs no catalog. ``--json``, event types, field names, enum
values and ids are never passed through here.

The catalogs are ``locale/<lang>/LC_MESSAGES/akkoord.po`` beside this file; the build compiles
them to ``.mo`` (setup.py). An editable checkout has only the ``.po``: it is compiled in memory on
first use, with Babel (a development dependency), so a change to the catalog shows at once.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path

DOMAIN = "akkoord"
LANGUAGES = ("en", "nl")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# Dutch month names, as a Dutch reader writes a date: 27 juni 2025.
DUTCH_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                "september", "oktober", "november", "december")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def N_(message: str) -> str:
    """Marks a string for the catalog where it is defined; it is translated where it is shown."""
    return message


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _translation.ngettext(singular, plural, count)


def language() -> str:
    """The language in use: ``en`` or ``nl``."""
    return _language


def choose(option: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """The language the user asked for, by the order of cli.md revision 2.

    An explicit choice (``--lang``, ``$AKKOORD_LANG``) must name a known language; the locale
    is only a hint, so any locale that is not Dutch means English.
    """
    for explicit in (option, environ.get("AKKOORD_LANG")):
        if explicit:
            wanted = explicit.strip().lower()
            if wanted not in LANGUAGES:
                raise ValueError(explicit)
            return wanted
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        locale = environ.get(variable)
        if locale:  # the first one set decides, as in POSIX
            return "nl" if locale.lower().startswith("nl") else "en"
    return "en"


def activate(wanted: str) -> None:
    """Makes ``wanted`` the language of every later ``_()``, argparse's own lines included."""
    global _translation, _language
    _translation = _catalog(wanted) if wanted != "en" else gettext.NullTranslations()
    _language = wanted
    _translate_argparse()


@contextmanager
def english() -> Iterator[None]:
    """English inside the block, whatever the chosen language: for text that goes into ``--json``
    (a log entry's summary, say), which is the same in every language."""
    global _translation, _language
    saved = _translation, _language
    _translation, _language = gettext.NullTranslations(), "en"
    try:
        yield
    finally:
        _translation, _language = saved


def _catalog(wanted: str) -> gettext.NullTranslations:
    folder = LOCALE_DIR / wanted / "LC_MESSAGES"
    compiled = folder / f"{DOMAIN}.mo"
    source = folder / f"{DOMAIN}.po"
    if compiled.is_file() and (not source.is_file()
                               or compiled.stat().st_mtime >= source.stat().st_mtime):
        with compiled.open("rb") as stream:
            return gettext.GNUTranslations(stream)
    return _compiled_in_memory(source)


def _compiled_in_memory(source: Path) -> gettext.NullTranslations:
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with source.open("rb") as stream:
        catalog = read_po(stream)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _translate_argparse() -> None:
    # argparse looks its own lines ("usage: ", "show this help message and exit", its errors) up
    # through the module-level names _ and ngettext; pointing them at our catalog makes --help
    # and usage errors speak the chosen language. The catalog holds those lines (ARGPARSE below).
    import argparse

    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


def first_paragraph(doc: str) -> str:
    """A docstring's first paragraph on one line, without its full stop: how a declaration's
    meaning is written in the catalog (and so looked up)."""
    return " ".join(doc.strip().split("\n\n")[0].split()).rstrip(".")


def human_date(day: date | str | None) -> str:
    """A date as a reader of the chosen language reads it: ``27 juni 2025``, or ISO in English."""
    if day is None:
        return "-"
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    if _language == "nl":
        return f"{day.day} {DUTCH_MONTHS[day.month - 1]} {day.year}"
    return day.isoformat()


# argparse's own user-visible lines, so that the catalog has them (extraction finds them here).
ARGPARSE = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"), N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"), N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"), N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"), N_("expected at most one argument"),
    N_("expected at least one argument"), N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"), N_("one of the arguments %s is required"),
    N_("ignored explicit argument %r"),
)
