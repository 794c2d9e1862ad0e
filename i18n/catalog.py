"""Keeps the gettext catalogs in step with the source: extract the marked strings, update the
Dutch catalog, and say what is missing or unused.

    python -m akkoord.i18n.catalog update    # after adding or changing _() strings
    python -m akkoord.i18n.catalog check     # what tests/test_i18n.py checks: exit 1 if incomplete

Uses Babel (a development dependency, in the ``test`` extra; the build needs it too, to compile).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from akkoord.i18n import DOMAIN, LOCALE_DIR

PACKAGE_ROOT = LOCALE_DIR.parent.parent
# The folders whose code writes what people read (tests and benchmarks are not shown to them).
SOURCE_FOLDERS = ("domain", "application", "projections", "store", "interchange", "cli", "i18n",
                  "web")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
TRANSLATED = ("nl",)


def source_files() -> list[Path]:
    files = [PACKAGE_ROOT / "__init__.py", PACKAGE_ROOT / "bootstrap.py"]
    for folder in SOURCE_FOLDERS:
        files += sorted((PACKAGE_ROOT / folder).glob("**/*.py"))
    return files


def template_files() -> list[Path]:
    """The report's and the served pages' Jinja2 templates (their text is marked with _())."""
    return sorted((PACKAGE_ROOT / "web" / "templates").glob("*.html"))


def extracted() -> Any:
    """A Babel catalog of every marked string in the source, with where each stands."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file

    catalog = Catalog(domain=DOMAIN, project="akkoord", charset="utf-8")
    methods = [("python", path) for path in source_files()]
    methods += [("jinja2.ext:babel_extract", path) for path in template_files()]
    for method, path in methods:
        for line, message, comments, _context in extract_from_file(
                method, str(path), keywords=KEYWORDS, options={"encoding": "utf-8"}):
            catalog.add(message, locations=[(str(path.relative_to(PACKAGE_ROOT)), line)],
                        auto_comments=comments)
    for meaning, location in event_meanings():
        catalog.add(meaning, locations=[location])
    return catalog


def event_meanings() -> list[tuple[str, tuple[str, int]]]:
    """What each event type means, read from its declaration's docstring in the source (the one
    place it is written; ``record --help`` shows it translated): a class of the domain with a
    ``TYPE``. Read as text, as Babel reads code, so the catalog never imports the domain."""
    import ast

    from akkoord.i18n import first_paragraph

    found = []
    for path in sorted((PACKAGE_ROOT / "domain").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            declares_type = any(
                isinstance(statement, ast.Assign) and any(
                    getattr(target, "id", None) == "TYPE" for target in statement.targets)
                and isinstance(statement.value, ast.Constant) and statement.value.value
                for statement in node.body)
            doc = ast.get_docstring(node)
            if declares_type and doc:
                found.append((first_paragraph(doc),
                              (str(path.relative_to(PACKAGE_ROOT)), node.lineno)))
    return found


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language: str) -> Any:
    from babel.messages.pofile import read_po

    with catalog_path(language).open("rb") as stream:
        return read_po(stream, locale=language)


def problems(language: str) -> list[str]:
    """Strings the source shows with no translation, and catalog entries no code uses."""
    source, catalog = extracted(), read(language)
    found = []
    for message in source:
        if not message.id:
            continue
        entry = catalog.get(message.id)
        translated = entry is not None and not entry.fuzzy and (
            all(entry.string) if isinstance(entry.string, tuple) else bool(entry.string))
        if not translated:
            where = ", ".join(f"{file}:{line}" for file, line in message.locations[:2])
            found.append(f"{language}: no translation for {message.id!r} ({where})")
    for entry in catalog:
        if entry.id and entry.id not in source:
            found.append(f"{language}: catalog entry {entry.id!r} is used nowhere")
    return found


def update() -> None:
    """Merges the strings of the source into each catalog (new ones untranslated, gone ones out)."""
    from babel.messages.pofile import write_po

    source = extracted()
    for language in TRANSLATED:
        catalog = read(language) if catalog_path(language).is_file() else None
        if catalog is None:
            from babel.messages.catalog import Catalog

            catalog = Catalog(locale=language, domain=DOMAIN, project="akkoord")
        catalog.update(source, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog_path(language).parent.mkdir(parents=True, exist_ok=True)
        with catalog_path(language).open("wb") as stream:
            write_po(stream, catalog, width=100, omit_header=False, sort_output=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    if argv[:1] == ["check"]:
        found = [p for language in TRANSLATED for p in problems(language)]
        print("\n".join(found) or "catalogs complete")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
