"""The language of every human-readable line (tables, headings, messages, reports).

Strings are marked with ``_()`` (and ``ngettext`` for counts) where they are written, and looked
up in the gettext catalog of the chosen language (cli.md revision 2: ``--lang``, else
``$AKKOORD_LANG``, else the locale, else English). ``--json``, event types, field names, enum
values and ids are never passed through here.
"""

from __future__ import annotations

import gettext

DOMAIN = "akkoord"
_translation: gettext.NullTranslations = gettext.NullTranslations()


def use(translation: gettext.NullTranslations) -> None:
    """Makes ``translation`` the catalog every later ``_()`` reads."""
    global _translation
    _translation = translation


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _translation.ngettext(singular, plural, count)
