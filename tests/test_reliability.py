"""Nothing lost, no traceback: each case found by trying akkoord as an adversary would (issue 10),
reproduced, with the store (its events, ``verify``) and every other file left as they were."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE_SOURCE, basic_dossier, count_events, opening, party, write_log


def fingerprint(store: Path) -> tuple[int, str]:
    """What must not change: the number of events and the chain ``verify`` reports."""
    from akkoord.cli.main import main

    count = count_events(store)
    with sqlite3.connect(store) as connection:
        chain = connection.execute("SELECT hex(chain) FROM stored_events_chain "
                                   "ORDER BY notification_id DESC LIMIT 1").fetchone()
    assert main(["--db", str(store), "verify"]) == 0
    return count, chain[0] if chain else ""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(result, *words: str) -> None:
    assert result.status == 2, (result.out, result.err)
    assert "Traceback" not in result.err
    for word in words:
        assert word in result.err, result.err


# -- 2: an output is never the store, and is written whole -----------------------------------------

@pytest.mark.parametrize("command", [["export", "-o"], ["graph", "--format", "gexf", "-o"],
                                     ["checkpoint", "-o"]])
def test_an_output_onto_the_store_or_its_views_is_refused_and_destroys_nothing(
        command, akkoord, example_store, tmp_path):
    before = fingerprint(example_store)
    stored = digest(example_store)
    link = tmp_path / "link.db"
    link.symlink_to(example_store)
    hard = tmp_path / "hard.db"
    os.link(example_store, hard)
    views = tmp_path / "views.sqlite"
    for target in (example_store, link, hard, Path(f"{example_store}-wal"), views):
        result = akkoord("--db", example_store, "--views", views, *command, target)
        refused(result, "will not write")
    assert digest(example_store) == stored and fingerprint(example_store) == before
    assert akkoord("--db", example_store, "--views", views, "status").status == 0


def test_a_failed_output_leaves_the_old_file_and_no_temporary_file(akkoord, example_store, tmp_path,
                                                                   monkeypatch):
    output = tmp_path / "dossier.yaml"
    output.write_text("the old export\n")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    refused(akkoord("--db", example_store, "export", "-o", output), "No space left on device")
    assert output.read_text() == "the old export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_write_atomically_replaces_a_file_whole_and_keeps_its_permissions(tmp_path):
    from akkoord.interchange.output import write_atomically

    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o640)
    assert write_atomically(target, lambda stream: stream.write("new")) == 3
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o640
    write_atomically(target, lambda stream: stream.write("+line"), keep_existing=True)
    assert target.read_text() == "new+line"
    with pytest.raises(ZeroDivisionError):
        write_atomically(target, lambda stream: (stream.write("half"), 1 / 0))
    assert target.read_text() == "new+line" and len(list(tmp_path.iterdir())) == 1


# -- 3: --views never takes a file that is not akkoord's views ---------------------------------------

def test_views_path_holding_a_user_file_or_the_store_is_refused_and_left_alone(
        akkoord, example_store, tmp_path, monkeypatch):
    before = fingerprint(example_store)
    notes = tmp_path / "notes.txt"
    notes.write_text("mijn aantekeningen\n")
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE mine (x)")
    kept = {path: digest(path) for path in (notes, other)}
    for views in (notes, other):
        refused(akkoord("--db", example_store, "--views", views, "status"),
                "holds something other than akkoord's views")
    refused(akkoord("--db", example_store, "--views", example_store, "status"),
            "is the event store itself")
    monkeypatch.setenv("AKKOORD_CIPHER_KEY", "x" * 44)  # sealed views must not take it either
    refused(akkoord("--db", example_store, "--views", notes, "status"))
    monkeypatch.delenv("AKKOORD_CIPHER_KEY")
    assert {path: digest(path) for path in kept} == kept
    assert fingerprint(example_store) == before


def test_views_path_in_a_missing_folder_creates_no_folder(akkoord, example_store, tmp_path):
    missing = tmp_path / "nonexistent" / "deeper"
    refused(akkoord("--db", example_store, "--views", missing / "v.sqlite", "status"),
            "cannot be opened")
    assert not (tmp_path / "nonexistent").exists()
    refused(akkoord("--db", example_store, "--views", "/proc/nope/v.sqlite", "status"))


# -- 5, 14: numbers and dates on the command line ------------------------------------------------------

@pytest.mark.parametrize("arguments, problem", [
    (["status", "--known-at", str(2**63)], "too large for a position"),
    (["proposal", "--revision", str(2**63)], "too large for a revision"),
    (["diff", "1", "99999999999999999999999"], "too large for a revision"),
    (["verify", "--event", str(2**64)], "too large for a position"),
    (["log", "--position", "9" * 30], "too large for a position"),
    (["status", "--as-of", "20250627"], "is not a date (YYYY-MM-DD)"),
    (["status", "--as-of", "2025-W26-5"], "is not a date (YYYY-MM-DD)"),
    (["status", "--as-of", "２０２５-06-27"], "is not a date (YYYY-MM-DD)"),
    (["status", "--known-at", "٣"], "is not a position"),
])
def test_numbers_and_dates_on_the_command_line_are_read_strictly(arguments, problem, akkoord,
                                                                 example_store):
    before = fingerprint(example_store)
    refused(akkoord("--db", example_store, *arguments), problem)
    assert fingerprint(example_store) == before


def test_an_unknown_type_or_stakeholder_in_log_is_named_with_what_exists(akkoord, example_store):
    refused(akkoord("--db", example_store, "log", "--type", "NOSUCH"),
            "no event type 'NOSUCH'", "stakeholder_registered")
    refused(akkoord("--db", example_store, "log", "--stakeholder", "NOSUCH"),
            "no stakeholder 'NOSUCH'", "VNG")
    assert akkoord("--db", example_store, "log", "--stakeholder", "VNG").status == 0


# -- 6, 7: hostile import files ------------------------------------------------------------------------

def events_json(events_text: str) -> str:
    return '{"format": "akkoord/1", "negotiation": "test-dossier", "events": [' + events_text + "]}"


OPENING = json.dumps(opening())
HOSTILE_FILES = {
    "invalid UTF-8, streamed": (b'{"format": "akkoord/1", "negotiation": "x", "events": ['
                                + OPENING.encode()[:-2] + b'\xff\xfe"}]}', "not valid UTF-8"),
    "JSON nested 5000 deep": (events_json(OPENING[:-1] + ', "note": ' + "[" * 5000 + "]" * 5000
                                          + "}"), "nested too deeply"),
    "a lone surrogate in a text": (events_json(OPENING[:-1] + ', "note": "a\\ud800b"}'),
                                   "holds the character"),
    "a lone surrogate in the slug": ('{"format": "akkoord/1", "negotiation": "x\\udc00", "events": ['
                                     + OPENING + "]}", "holds the character"),
    "an integer of 5000 digits": (events_json(OPENING.replace('"70M"', "9" * 5000)),
                                  "is not valid JSON"),
    "an amount string of 5000 digits": (events_json(OPENING.replace('"70M"', '"' + "9" * 5000 + '"')),
                                        "too long to be an amount"),
    "trailing junk after the document, streamed": (events_json(OPENING) + ' {"x": []}',
                                                   "text after the document"),
    "a NUL in a title": (events_json(json.dumps(opening(title="zichtbaar\u0000verborgen"))),
                         "holds the character '\\x00'"),
    "an escape in a note": (events_json(OPENING[:-1] + ', "note": "\\u001b[31mrood"}'),
                            "holds the character '\\x1b'"),
}
HOSTILE_YAML = {
    "mixed key types": ("format: akkoord/1\nnegotiation: x\nevents:\n- type: negotiation_opened\n"
                        "  date: 2025-06-27\n  title: t\n  1: een\n  zz: twee\n  budget: []\n",
                        "line 7: a key must be text, not 1"),
    "a mapping as a key": ("format: akkoord/1\nnegotiation: x\nevents:\n- type: negotiation_opened\n"
                           "  date: 2025-06-27\n  title: t\n  ? {a: 1}\n  : b\n  zz: c\n",
                           "line 7: a key must be text, not a mapping or list"),
    "YAML nested 400 deep": ("format: akkoord/1\nnegotiation: x\nevents:\n- " + "[" * 400
                             + "]" * 400 + "\n", ""),
}


@pytest.mark.parametrize("case", [*HOSTILE_FILES, *HOSTILE_YAML])
def test_a_hostile_file_is_refused_with_a_message_and_leaves_no_store(case, akkoord, tmp_path):
    store = tmp_path / "new.db"
    if case in HOSTILE_FILES:
        content, problem = HOSTILE_FILES[case]
        path = tmp_path / "hostile.json"
    else:
        content, problem = HOSTILE_YAML[case]
        path = tmp_path / "hostile.yaml"
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    path.write_bytes(content)
    result = akkoord("--db", store, "import", path)
    refused(result, str(path), problem)
    assert "nothing of this file was stored" in result.err
    assert not any(tmp_path.glob("new.db*"))


def test_a_hostile_file_into_an_existing_store_changes_nothing(akkoord, example_store, tmp_path):
    before = fingerprint(example_store)
    for case, (content, _problem) in HOSTILE_FILES.items():
        path = tmp_path / "hostile.json"
        path.write_bytes(content if isinstance(content, bytes)
                         else content.encode("utf-8", "surrogatepass"))
        refused(akkoord("--db", example_store, "import", path))
    assert fingerprint(example_store) == before


def test_a_refusal_quoting_a_megabyte_title_stays_a_short_line(akkoord, store, tmp_path):
    title = "x" * 1_000_000
    for events in ([opening(title=[title])], [{"type": title, "date": "2025-06-27"}]):
        result = akkoord("--db", store, "import", write_log(tmp_path, events))
        refused(result, "nothing of this file was stored")
        assert len(result.err) < 5_000 and result.err.count("\n") == 1


# -- 8: rebuild beside readers -------------------------------------------------------------------------

def test_readers_beside_rebuilds_see_whole_views_and_never_crash(akkoord, example_store, tmp_path):
    env = {**os.environ, "AKKOORD_ACTOR": "test"}
    views = tmp_path / "views.sqlite"
    expected = akkoord("--db", example_store, "--views", views, "status", "--json").out
    command = [sys.executable, "-m", "akkoord.cli.main", "--db", str(example_store),
               "--views", str(views)]
    rebuilders = [subprocess.Popen([*command, "rebuild"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True) for _ in range(3)]
    readers = [subprocess.Popen([*command, "status", "--json"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(6)]
    for process in rebuilders + readers:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0 and "Traceback" not in err, err
        if process in readers:
            assert out == expected


def test_a_rebuild_is_one_transaction_a_failure_leaves_the_old_views(akkoord, example_store,
                                                                    tmp_path, monkeypatch):
    from akkoord.projections import catchup

    views = tmp_path / "views.sqlite"
    claims = akkoord("--db", example_store, "--views", views, "claims", "--json").out

    def failing_batch(self, source, **options):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(catchup.ViewStore, "_catch_up_batch", failing_batch)
    result = akkoord("--db", example_store, "--views", views, "rebuild")
    refused(result, "disk I/O error")
    monkeypatch.undo()
    with sqlite3.connect(views) as connection:
        assert connection.execute("SELECT count(*) FROM claims").fetchone()[0] > 0
    assert akkoord("--db", example_store, "--views", views, "claims", "--json").out == claims


# -- 9: output errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("arguments, problem", [
    (["graph", "-o", "/nonexistent/dir/g.gexf"], "No such file or directory"),
    (["export", "-o", "."], "it is a folder"),
])
def test_an_output_that_cannot_be_written_is_a_message(arguments, problem, akkoord, example_store):
    refused(akkoord("--db", example_store, *arguments), problem)
    assert not Path("/nonexistent").exists()


@pytest.mark.parametrize("command", [["export"], ["log", "--json"]])
def test_a_full_standard_output_is_a_message(command, example_store, tmp_path):
    if not Path("/dev/full").exists():  # pragma: no cover - Linux has it
        pytest.fail("this test needs /dev/full")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    with open("/dev/full", "w") as full:
        process = subprocess.run([sys.executable, "-m", "akkoord.cli.main", "--db",
                                  str(example_store), *command], stdout=full,
                                 stderr=subprocess.PIPE, text=True, env=env, timeout=120)
    assert process.returncode == 2 and "Traceback" not in process.stderr
    assert "No space left on device" in process.stderr


@pytest.mark.parametrize("target, problem", [
    ("x" * 300 + ".db", "File name too long"),
    ("postgresql://u@[::1/db", "Invalid IPv6 URL"),
])
def test_an_unusable_store_name_is_a_message(target, problem, akkoord, tmp_path):
    refused(akkoord("--db", target, "import", EXAMPLE_SOURCE), problem)
    refused(akkoord("--db", target, "status"), problem)


def test_an_unwritable_cache_folder_is_a_message(akkoord, example_store, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/akkoord-cache")
    refused(akkoord("--db", example_store, "status"), "cannot be opened")


# -- 12: terminal and log injection ----------------------------------------------------------------

def test_a_name_with_control_characters_is_refused(akkoord, store, tmp_path, monkeypatch):
    log = write_log(tmp_path, basic_dossier())
    refused(akkoord("--db", store, "--as", "vb\n2  2026-01-01  forged", "import", log),
            "no control characters")
    monkeypatch.setenv("AKKOORD_ACTOR", "vb\x1b[2J")
    refused(akkoord("--db", store, "import", log), "holds control characters")
    assert not store.exists()


def test_tables_show_control_characters_escaped(akkoord, store, tmp_path):
    from akkoord.cli.render import table

    assert table(["a"], [["x\x1b[31my"]]).splitlines()[2] == "x\\x1b[31my"
    events = [*basic_dossier(), {"type": "claim_lodged", "date": "2025-06-27", "id": "k",
                                 "by": "A", "against": "B", "subject": "geld",
                                 "summary": "regel een\nregel twee"}]
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0
    shown = akkoord("--db", store, "claims")
    assert "regel een\\nregel twee" in shown.out and "\x1b" not in shown.out


@pytest.mark.parametrize("url", ["postgresql://u:geheim@127.0.0.1:1/db",
                                 "postgresql://u@127.0.0.1:1/db?password=geheim",
                                 "postgresql://u@[::1/db?password=geheim"])
def test_no_secret_of_a_store_url_is_ever_echoed(url, akkoord):
    result = akkoord("--db", url, "status")
    refused(result)
    assert "geheim" not in result.err and "geheim" not in result.out


# -- 13: writers take turns --------------------------------------------------------------------

def test_a_writer_holds_the_store_from_loading_to_storing(store, tmp_path):
    """While one writer decides, another cannot store: the lock is taken before the load."""
    from akkoord.bootstrap import open_store
    from akkoord.interchange.logformat import read_log_file

    app = open_store(store, create=True).app
    app.record("test-dossier", read_log_file(str(write_log(tmp_path, basic_dossier()))).entries, "a")
    with app._deciding("test-dossier", 0):
        other = sqlite3.connect(store, timeout=0.1)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    other = sqlite3.connect(store, timeout=0.1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.rollback()
    app.close()


def test_a_postgresql_writer_holds_the_dossier_lock_from_loading_to_storing(postgres_store):
    import psycopg

    from akkoord.bootstrap import open_store
    from akkoord.domain.negotiation import Negotiation

    app = open_store(postgres_store, create=True).app
    key = int.from_bytes(Negotiation.create_id("test-dossier").bytes[:8], "big", signed=True)
    with psycopg.connect(postgres_store, autocommit=True) as other:
        with app._deciding("test-dossier", 0):
            assert other.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0] is False
        assert other.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0] is True
    app.close()


def test_the_command_ends_with_its_output_written_whole_and_its_status_kept(
        akkoord, example_store, tmp_path):
    """The console command ends its process without the interpreter's teardown
    (``cli.main.entry_point``): what it printed reaches the reader whole, its exit status is
    kept, and a reader that stops early costs no traceback."""
    from conftest import REPO

    def command(*args: str) -> list[str]:
        return [sys.executable, "-m", "akkoord.cli.main", "--db", str(example_store),
                "--views", str(tmp_path / "views.db"), *args]

    in_process = akkoord("--db", example_store, "--views", tmp_path / "views.db", "export")
    assert in_process.status == 0 and len(in_process.out) > 2 * 8192  # beyond a buffer
    done = subprocess.run(command("export"), capture_output=True, text=True, cwd=REPO)
    assert (done.returncode, done.stdout) == (0, in_process.out)
    refused = subprocess.run(command("proposal", "--revision", "99"), capture_output=True,
                             text=True, cwd=REPO)
    assert refused.returncode == 2 and refused.stderr.startswith("akkoord: ")
    cut = subprocess.run(["bash", "-o", "pipefail", "-c",
                          " ".join(f"'{part}'" for part in command("export")) + " | head -c 10"],
                         capture_output=True, text=True, cwd=REPO)
    assert (cut.returncode, len(cut.stdout)) == (0, 10)
    assert "Traceback" not in cut.stderr and "Exception" not in cut.stderr
