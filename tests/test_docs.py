"""The documentation in the repository holds: the README's commands run, the examples import,
and docs/cli.md is what ``--help`` says."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLE_SOURCE, REPO

README = REPO / "README.md"
EXAMPLES = REPO / "examples"
DATE_IN_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_log_file(path: Path) -> bool:
    return path.suffix in (".yaml", ".yml", ".json") and "format: akkoord/1" in path.read_text(
        encoding="utf-8")


def example_files() -> list[Path]:
    """Every log file in examples/, in the order they are recorded: the meetings by the date in
    their name, then the undated additions to the memo's dossier (a distribution key), by name.
    (The key's source files, a CSV and a weights file, are not log files.)"""
    files = [path for path in EXAMPLES.iterdir() if is_log_file(path)]
    dated = [path for path in files if DATE_IN_NAME.search(path.name)]
    undated = sorted(path for path in files if path not in dated)
    return sorted(dated, key=lambda path: (DATE_IN_NAME.search(path.name).group(), path.name)) + undated


def opens_a_dossier(path: Path) -> bool:
    return "type: negotiation_opened" in path.read_text(encoding="utf-8")


def test_every_example_imports_in_order_onto_the_example_store(akkoord, example_store):
    follow_ups = [path for path in example_files() if path != EXAMPLE_SOURCE]
    assert follow_ups, "examples/ holds follow-ups of the memo"
    for path in follow_ups:
        result = akkoord("--db", example_store, "import", path)
        assert result.status == 0, f"{path.name}: {result.err}"
    proposal = akkoord("--db", example_store, "proposal", "--json").json()
    assert (proposal["revision"], proposal["status"]) == (2, "agreed")


def test_every_example_imports_in_order_into_a_new_store(akkoord, tmp_path):
    store = tmp_path / "new.db"
    result = akkoord("--db", store, "import", *example_files())
    assert result.status == 0, result.err


def test_each_example_that_opens_a_dossier_imports_on_its_own(akkoord, tmp_path):
    alone = [path for path in example_files() if opens_a_dossier(path)]
    assert EXAMPLE_SOURCE in alone
    for path in alone:
        result = akkoord("--db", tmp_path / f"{path.stem}.db", "import", path)
        assert result.status == 0, f"{path.name}: {result.err}"


def readme_blocks() -> list[str]:
    """The README's ```sh blocks: the walk-through, run as written. (The two set-up commands
    are ```bash blocks: they install, and the second runs this test; CI runs it.)"""
    return re.findall(r"^```sh\n(.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S)


# Pages other helpers write on their branches; the README links them before they are merged.
OTHERS_PAGES = re.compile(r"^docs/(graph[^/]*|distribution|recording|promises|report)\.md$")


# The pages of docs/ that this test holds to their links (the others come with their branches).
LINKED_PAGES = ("format.md", "cli.md", "design.md", "auditing.md", "shared-store.md",
                "performance.md", "browsing.md")


def broken_links(page: Path) -> list[str]:
    """Relative links of a page whose target is not in the repository."""
    broken = []
    for target in re.findall(r"\]\(([^)#\s]+)", page.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://")):
            continue
        path = (page.parent / target).resolve()
        if OTHERS_PAGES.search(path.relative_to(REPO).as_posix()):
            continue
        if not path.exists():
            broken.append(target)
    return broken


def test_readme_and_docs_link_only_what_the_repository_holds():
    assert "../shared" not in README.read_text(encoding="utf-8")
    for page in [README, *(REPO / "docs" / name for name in LINKED_PAGES)]:
        assert broken_links(page) == [], page.name


def test_every_readme_command_block_runs(tmp_path):
    """Every ```sh block, in order, in one shell (as a reader types them into one terminal),
    in a folder holding a copy of the example store and the examples."""
    blocks = readme_blocks()
    assert len(blocks) >= 3
    work = tmp_path / "walk-through"
    work.mkdir()
    shutil.copyfile(REPO / "events.db.example", work / "events.db.example")
    shutil.copytree(EXAMPLES, work / "examples")
    script = ["set -euo pipefail"]
    for number, block in enumerate(blocks, 1):
        script.append(f"echo 'README block {number}' >&2")
        script.append(block)
    bin_dir = str(Path(sys.executable).parent)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("AKKOORD_")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", AKKOORD_ACTOR="readme-reader",
               XDG_CACHE_HOME=str(tmp_path / "cache"), HOME=str(tmp_path))
    result = subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, env=env,
                            capture_output=True, text=True, timeout=600)
    failed_in = re.findall(r"README block \d+", result.stderr)
    assert result.returncode == 0, (
        f"{failed_in[-1] if failed_in else 'the README'} failed:\n{result.stderr[-3000:]}")


def load_cli_page_maker():
    spec = importlib.util.spec_from_file_location("make_cli_md", REPO / "docs" / "make_cli_md.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_page_is_what_help_says_now():
    maker = load_cli_page_maker()
    assert maker.PAGE.read_text(encoding="utf-8") == maker.render(), (
        "docs/cli.md is out of date: run .venv/bin/python docs/make_cli_md.py")


def test_cli_page_names_every_command():
    from akkoord.cli.main import build_parser

    page = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    maker = load_cli_page_maker()
    for name in maker._subcommands(build_parser()):
        assert f"## `akkoord {name}`" in page
