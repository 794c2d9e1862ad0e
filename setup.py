"""The build compiles the gettext catalogs: everything else is declared in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    """Copies the package as usual, then compiles each ``.po`` catalog into the ``.mo`` that
    gettext reads at run time (so an installed akkoord needs no Babel)."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for source in Path(self.build_lib, "akkoord", "i18n", "locale").glob("*/LC_MESSAGES/*.po"):
            with source.open("rb") as stream:
                catalog = read_po(stream)
            with source.with_suffix(".mo").open("wb") as stream:
                write_mo(stream, catalog)


setup(cmdclass={"build_py": BuildWithCatalogs})
