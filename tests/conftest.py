"""Shared fixtures: an isolated store per test, the CLI run in-process, log files written on the fly."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from akkoord.cli.main import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_STORE = REPO / "events.db.example"
EXAMPLE_SOURCE = REPO / "examples" / "veiligheidsberaad-2025-06-27.yaml"


@dataclass
class Result:
    status: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Views in a cache of the test's own; no store or actor leaks in from the machine."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("AKKOORD_DB", raising=False)
    monkeypatch.delenv("AKKOORD_VIEWS", raising=False)
    monkeypatch.delenv("AKKOORD_CIPHER_KEY", raising=False)
    monkeypatch.setenv("AKKOORD_ACTOR", "test-recorder")
    # English unless a test asks for Dutch: the machine's locale must not choose for the tests.
    for variable in ("AKKOORD_LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def akkoord(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Runs the command line in this process and returns status, stdout and stderr."""

    def run(*args: str | Path) -> Result:
        try:
            status = main([str(a) for a in args])
        except SystemExit as exit:  # argparse usage errors
            status = int(exit.code or 0)
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return run


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "events.db"


@pytest.fixture
def example_store(tmp_path: Path) -> Path:
    """A copy of the committed example store, so no test can change the original."""
    copy = tmp_path / "example.db"
    shutil.copyfile(EXAMPLE_STORE, copy)
    return copy


# The server the PostgreSQL tests use (.ci/run starts it); they never skip: a server that cannot
# be reached fails them, so a green run always includes PostgreSQL.
POSTGRES_SERVER = os.environ.get("AKKOORD_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


@pytest.fixture
def postgres_store() -> Iterator[str]:
    """The URL of an empty database of this test's own on the PostgreSQL server, dropped after."""
    import psycopg

    name = f"akkoord_test_{uuid4().hex}"

    def run_on_server(statement: str) -> None:
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True,
                             connect_timeout=5) as connection:
            connection.execute(statement)

    try:
        run_on_server(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(f"the PostgreSQL tests need a server at {POSTGRES_SERVER} "
                    f"(bash .ci/run starts one): {error}")
    yield f"{POSTGRES_SERVER}/{name}"
    run_on_server(f'DROP DATABASE "{name}" WITH (FORCE)')


def count_events(store: Path) -> int:
    if not store.exists():
        return 0
    with sqlite3.connect(store) as connection:
        try:
            return connection.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def write_log(directory: Path, events: list[dict[str, Any]], *, name: str = "log.json",
              negotiation: str = "test-dossier", extra: dict[str, Any] | None = None) -> Path:
    """A log file of format akkoord/1 holding the given events (JSON, or YAML by suffix)."""
    document = {"format": "akkoord/1", "negotiation": negotiation, **(extra or {}),
                "events": events}
    path = directory / name
    if name.endswith(".json"):
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        from ruamel.yaml import YAML

        with path.open("w", encoding="utf-8") as stream:
            YAML(typ="safe", pure=True).dump(document, stream)
    return path


def opening(date: str = "2025-06-27", **extra: Any) -> dict[str, Any]:
    return {"type": "negotiation_opened", "date": date, "title": "Test dossier",
            "budget": [{"party": "RIJK", "from": 2027, "amount": "70M"},
                       {"party": "JENV", "year": 2025, "amount": "10M"}], **extra}


def party(id: str, kind: str = "council", date: str = "2025-06-27", **extra: Any) -> dict[str, Any]:
    return {"type": "stakeholder_registered", "date": date, "id": id, "name": f"Party {id}",
            "kind": kind, **extra}


def revision(number: int, items: list[dict[str, Any]] | None = None, date: str = "2025-06-27",
             **extra: Any) -> dict[str, Any]:
    return {"type": "proposal_revised", "date": date, "revision": number, "status": "draft",
            "proposed_by": ["A"],
            "items": items if items is not None else [
                {"id": "noodsteunpunten", "purpose": "p", "recipient": "B",
                 "amounts": [{"year": 2025, "amount": "5M"}, {"from": 2027, "amount": "35M"}]}],
            **extra}


def basic_dossier() -> list[dict[str, Any]]:
    """An opened dossier with parties A, B and C and revision 1."""
    return [opening(), party("A"), party("B", "region"), party("C", "ministry"), revision(1)]


def example_follow_up() -> list[dict[str, Any]]:
    """What the example dossier could record next: a second revision, a retraction, an agreement."""
    return [
        {"type": "meeting_held", "date": "2025-07-09", "id": "bestuurlijke-tafel-2025-07-09"},
        {"type": "proposal_revised", "date": "2025-07-09", "revision": 2, "status": "definitive",
         "proposed_by": ["JENV"],
         "items": [{"id": "noodsteunpunten", "purpose": "noodsteunpunten", "recipient": "VR",
                    "amounts": [{"year": 2025, "amount": "5M"}, {"year": 2026, "amount": "10M"},
                                {"from": 2027, "amount": "30M"}]},
                   {"id": "versterking-veiligheidsregios", "purpose": "versterking",
                    "recipient": "VR", "distribution": "BDuR-systematiek",
                    "amounts": [{"from": 2027, "amount": "30M"}]}]},
        {"type": "position_taken", "date": "2025-07-09", "stakeholder": "VB", "subject": "proposal",
         "stance": "support",
         "summary": "Het Veiligheidsberaad stemt in; Bevolkingszorg blijft bij de gemeenten"},
        {"type": "claim_settled", "date": "2025-07-09", "id": "ptss", "outcome": "rejected"},
        {"type": "commitment_fulfilled", "date": "2025-10-06", "id": "definitief-verdelingsvoorstel"},
        {"type": "event_retracted", "date": "2025-07-09", "retracts": "vb-hoe-brief", "reason": "misread"},
        {"type": "agreement_reached", "date": "2025-10-06", "revision": 2,
         "parties": ["VB", "VNG", "JENV"]},
    ]
