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

import pytest

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


def broken_links(page: Path) -> list[str]:
    """Relative links of a page whose target is not in the repository."""
    broken = []
    for target in re.findall(r"\]\(([^)#\s]+)", page.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://")):
            continue
        if not (page.parent / target).resolve().exists():
            broken.append(target)
    return broken


def test_readme_and_docs_link_only_what_the_repository_holds():
    assert "../shared" not in README.read_text(encoding="utf-8")
    pages = sorted((REPO / "docs").glob("*.md"))
    assert len(pages) >= 10
    for page in [README, *pages]:
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


# -- the format guide's examples ------------------------------------------------------------------

FORMAT_GUIDE = REPO / "docs" / "format.md"
# The parties the guide's examples name, registered as the memo registers them.
GUIDE_PARTIES = {"VB": "council", "VNG": "association", "JENV": "ministry", "RCDV": "council",
                 "VR": "region", "RIJK": "government"}


def guide_sections() -> dict[str, str]:
    """The guide's text by its ``## `` heading."""
    text = FORMAT_GUIDE.read_text(encoding="utf-8")
    return {part.split("\n", 1)[0]: part for part in re.split(r"^## ", text, flags=re.M)[1:]}


def yaml_blocks(text: str) -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```", text, re.M | re.S)


def guide_events(section: str) -> list[dict]:
    import yaml

    events = []
    for block in yaml_blocks(guide_sections()[section]):
        entries = yaml.safe_load(block)
        assert isinstance(entries, list), f"{section}: a block of events is a list: {block[:60]}"
        events.extend(entries)
    return events


def import_text(akkoord, store, tmp_path, text: str, name: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return akkoord("--db", store, "import", path)


def test_the_guides_complete_file_imports_onto_the_example_store(akkoord, example_store, tmp_path):
    (block,) = yaml_blocks(guide_sections()["A file"])
    result = import_text(akkoord, example_store, tmp_path, block, "guide-file.yaml")
    assert result.status == 0, result.err


def test_the_guides_event_examples_make_one_dossier_that_imports(akkoord, store, tmp_path):
    """Every example of "The event types", in the guide's order, as one file: a field renamed, a
    value or a rule changed in the code and not in the guide (or the other way) fails here."""
    import yaml

    events = guide_events("The event types")
    types = [event["type"] for event in events]
    from akkoord.domain.negotiation import EVENT_TYPES

    assert set(types) == set(EVENT_TYPES), "the guide shows every event type, and no other"
    assert types[0] == "negotiation_opened"
    parties = [{"type": "stakeholder_registered", "date": "2025-06-27", "id": id, "name": id,
                "kind": kind} for id, kind in GUIDE_PARTIES.items()]
    log = {"format": "akkoord/1", "negotiation": "format-guide",
           "events": [events[0], *parties, *events[1:]]}
    result = import_text(akkoord, store, tmp_path, yaml.safe_dump(log, allow_unicode=True),
                         "guide-events.yaml")
    assert result.status == 0, result.err
    assert f"{len(log['events'])} events stored" in result.out


def test_the_guides_corrections_retract_events_of_the_example_store(akkoord, example_store,
                                                                    tmp_path):
    import yaml

    log = {"format": "akkoord/1", "negotiation": "weerbaarheid-2025",
           "events": guide_events("Corrections and retractions")}
    result = import_text(akkoord, example_store, tmp_path, yaml.safe_dump(log, allow_unicode=True),
                         "guide-corrections.yaml")
    assert result.status == 0, result.err


def amounts_table() -> list[tuple[list[str], int]]:
    """The guide's amounts table: the forms written in a row, and the euros they are."""
    rows = re.findall(r"^\| (`.*?) \| € ([\d.]+)", guide_sections()["Amounts"], re.M)
    assert len(rows) >= 5
    return [([form.strip('"') for form in re.findall(r"`([^`]+)`", forms)],
             int(euros.replace(".", ""))) for forms, euros in rows]


def test_every_amount_the_guide_shows_is_read_as_it_says():
    from akkoord.interchange.logformat import parse_amount

    for forms, euros in amounts_table():
        for form in forms:
            value = int(form) if form.isdigit() else form
            assert parse_amount("amount", value) == euros, form


def test_every_amount_the_guide_refuses_is_refused():
    from akkoord.domain.errors import Refusal
    from akkoord.interchange.logformat import parse_amount

    rows = re.findall(r"^\| (`.*?) \| (?!€)", guide_sections()["Amounts"], re.M)
    forms = [form for row in rows for form in re.findall(r"`([^`]+)`", row.split(" (")[0])]
    assert len(forms) >= 10, forms
    for form in forms:
        value = form.strip('"') if form.startswith('"') else float(form) if "." in form else int(form)
        with pytest.raises(Refusal):
            parse_amount("amount", value)


def test_every_test_a_promise_names_exists():
    """The README and docs/promises.md back each promise by a test's name; a renamed or removed
    test leaves a promise unbacked, so the name must still be a test."""
    tests = REPO / "tests"
    defined = {match for path in tests.glob("test_*.py")
               for match in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M)}
    for page in (README, REPO / "docs" / "promises.md"):
        named = re.findall(r"`(?:test_\w+\.py)?::(test_\w+)`|`test_\w+\.py::(test_\w+)`|"
                           r"`(test_\w+)`", page.read_text(encoding="utf-8"))
        names = {name for groups in named for name in groups if name}
        assert len(names) >= 5, page.name
        assert names - defined == set(), page.name
        for module in set(re.findall(r"`(test_\w+\.py)", page.read_text(encoding="utf-8"))):
            assert (tests / module).exists(), (page.name, module)
