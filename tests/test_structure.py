"""The shape of the code: one installed package, and imports that run one way.

The import graph is read from the source with ``ast`` (nothing is imported), so the check runs
anywhere: every ``import`` and ``from … import`` of an ``akkoord`` module, wherever it stands
(lazy imports inside functions count), and the command modules ``cli/main.py`` loads by name.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

from conftest import REPO

PACKAGES = ("domain", "application", "projections", "store", "interchange", "cli", "i18n")
# The composition root and the package's own __init__: above every package, imported by cli only.
ROOT_MODULES = ("akkoord", "akkoord.bootstrap")
# What the domain may use of the event-sourcing library: its aggregate and events, not storage.
DOMAIN_MAY_USE = ("eventsourcing.domain", "eventsourcing.utils")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(("akkoord", *parts))


def source_modules() -> dict[str, Path]:
    modules = {module_name(path): path for path in REPO.glob("*.py")}
    for package in PACKAGES:
        modules.update({module_name(path): path for path in (REPO / package).rglob("*.py")})
    return modules


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The modules the file imports: by statement, and by name as a string constant (the
    command modules main.py loads with importlib)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            # from akkoord.projections import sqlite_utils: a module or a name in one
            found.update(f"{node.module}.{alias.name}" for alias in node.names
                         if f"{node.module}.{alias.name}" in known)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in known:
            found.add(node.value)
    return found


def graph() -> dict[str, set[str]]:
    modules = source_modules()
    known = set(modules)
    return {name: {imported for imported in imports_of(path, known) if imported != name}
            for name, path in modules.items()}


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in PACKAGES) else module


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(edges.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def package_edges() -> dict[str, dict[str, set[str]]]:
    """package -> imported package -> the modules whose imports make the edge."""
    edges: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for module, imported in graph().items():
        for target in imported:
            if target.startswith("akkoord") and package_of(target) != package_of(module):
                edges[package_of(module)][package_of(target)].add(module)
    return edges


def test_no_import_cycle_between_packages():
    edges = package_edges()
    found = cycles({package: set(targets) for package, targets in edges.items()})
    why = {f"{a} -> {b}": sorted(edges[a][b]) for component in found for a in component
           for b in component if b in edges[a]}
    assert found == [], f"import cycles between packages: {found}; made by {why}"


def test_no_import_cycle_inside_cli():
    cli = {module: {target for target in imported if target.startswith("akkoord.cli.")}
           for module, imported in graph().items() if module.startswith("akkoord.cli.")}
    assert cycles(cli) == []


def test_the_domain_imports_no_other_package_and_no_storage():
    edges = package_edges()
    # The language of its refusals and summaries is the one exception: i18n is a leaf that
    # imports no other package, so the domain still depends on nothing of the project.
    assert set(edges.get("domain", {})) <= {"i18n"}, dict(edges["domain"])
    # (its gettext domain, the string "akkoord", reads as the root module: not an import)
    assert not set(edges.get("i18n", {})) & set(PACKAGES), dict(edges["i18n"])
    library = {target for module, imported in graph().items()
               if package_of(module) == "domain"
               for target in imported if target.split(".")[0] == "eventsourcing"}
    assert library <= set(DOMAIN_MAY_USE), library - set(DOMAIN_MAY_USE)


def test_only_the_command_line_opens_stores_through_the_composition_root():
    users = {package_of(module) for module, imported in graph().items()
             if "akkoord.bootstrap" in imported}
    assert users <= {"cli"}, users


def test_the_checks_above_can_fail():
    """A cycle and a forbidden edge, made up, are found by the same functions."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert package_of("akkoord.cli.main") == "cli"
    assert package_of("akkoord.bootstrap") == "akkoord.bootstrap"
    assert package_of("akkoord.domain") == "domain"


def test_an_installed_akkoord_adds_one_top_level_package(tmp_path):
    """``pip install .`` puts ``akkoord`` (and its dist-info) into site-packages, nothing else:
    no ``domain``, ``cli``, ``store`` … of their own."""
    # Built from a copy: setuptools reuses a build/ folder, which may hold an older layout.
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis", "*.db*"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(tmp_path), str(source)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("akkoord-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"akkoord"}
    assert len(top_level) == 2
    assert {"akkoord/bootstrap.py", "akkoord/domain/negotiation.py",
            "akkoord/cli/main.py"} <= set(names)
