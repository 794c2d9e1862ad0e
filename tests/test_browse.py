"""The SQL views for browsing: the figures of the command line, in Datasette."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, write_log

sys.path.insert(0, str(REPO / "benchmarks"))
import generate  # noqa: E402

EXAMPLES = REPO / "examples"
FOLLOW_UPS = [EXAMPLES / "bestuurlijke-tafel-2025-07-09.yaml",
              EXAMPLES / "veiligheidsberaad-2025-10-06.yaml"]


def rows(views: Path, view: str) -> list[dict]:
    with sqlite3.connect(views) as connection:
        cursor = connection.execute(f"SELECT * FROM [{view}]")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor]


def today(views: Path) -> str:
    """The date the views judge on: SQLite's date('now'), in UTC."""
    with sqlite3.connect(views) as connection:
        return connection.execute("SELECT date('now')").fetchone()[0]


def views_of(akkoord, store: Path) -> Path:
    result = akkoord("--db", store, "views", "--path")
    assert result.status == 0, result.err
    return Path(result.out.strip())


def proposal_as_views_show_it(views: Path, negotiation: str) -> dict:
    """The views' rows in the shape of ``proposal --json``."""
    totals = [r for r in rows(views, "proposal_totals") if r["negotiation"] == negotiation]
    by_item: dict[str, dict[str, int]] = {}
    for row in rows(views, "proposal"):
        if row["negotiation"] == negotiation:
            by_item.setdefault(row["item"], {})[str(row["year"])] = row["amount_eur"]
    revision = [r for r in rows(views, "proposal_revision") if r["negotiation"] == negotiation]
    return {
        "revision": revision[0]["revision"], "status": revision[0]["status"],
        "agreed_by": (revision[0]["agreed_by"] or "").split(", ") if revision[0]["agreed_by"] else [],
        "years": [r["year"] for r in totals],
        "items": by_item,
        "total": {str(r["year"]): r["total_eur"] for r in totals},
        "budget": {str(r["year"]): r["budget_eur"] for r in totals},
        "unallocated": {str(r["year"]): r["unallocated_eur"] for r in totals},
    }


def proposal_as_cli_shows_it(proposal: dict) -> dict:
    return {key: proposal[key] for key in ("revision", "status", "agreed_by", "years", "total",
                                          "budget", "unallocated")} | {
        "items": {item["id"]: item["by_year"] for item in proposal["items"]}}


def assert_views_match_cli(akkoord, store: Path, negotiation: str) -> None:
    views = views_of(akkoord, store)
    on = today(views)
    asked = ("--negotiation", negotiation, "--as-of", on, "--json")
    proposal = akkoord("--db", store, "proposal", *asked)
    assert proposal.status == 0, proposal.err
    assert proposal_as_views_show_it(views, negotiation) == proposal_as_cli_shows_it(proposal.json())

    commitments = akkoord("--db", store, "commitments", *asked).json()
    assert [(r["id"], r["promised_by"], r["promised_to"], r["due"], r["status"])
            for r in rows(views, "commitment_register") if r["negotiation"] == negotiation] == [
        (c["id"], c["by"], ", ".join(c["to"]) or None, c["due"], c["status"]) for c in commitments]

    claims = akkoord("--db", store, "claims", *asked).json()
    assert [(r["id"], r["claimant"], r["against"], r["amount_eur"], r["status"],
             r["settled_amount_eur"], r["settled_on"])
            for r in rows(views, "claim_register") if r["negotiation"] == negotiation] == [
        (c["id"], c["by"], c["against"], c["amount"], c["status"], c["settled_amount"],
         c["settled_on"]) for c in claims]


def test_views_show_the_example_proposal_with_totals_and_readable_amounts(akkoord, example_store):
    views = views_of(akkoord, example_store)
    totals = {r["year"]: r for r in rows(views, "proposal_totals")}
    assert totals[2027]["period"] == "2027 and after"
    assert (totals[2027]["total_eur"], totals[2027]["budget_eur"], totals[2027]["unallocated_eur"]) == (
        70_000_000, 70_000_000, 0)
    assert totals[2027]["total"] == "€ 70.000.000" and totals[2025]["unallocated"] == "€ 0"
    # The structural € 35M from 2027 counts in 2027, the last year shown (which stands for later).
    noodsteunpunten = {r["year"]: r["amount_eur"] for r in rows(views, "proposal")
                       if r["item"] == "noodsteunpunten"}
    assert noodsteunpunten == {2025: 5_000_000, 2026: 10_000_000, 2027: 35_000_000}
    assert_views_match_cli(akkoord, example_store, "weerbaarheid-2025")


def test_views_follow_the_second_revision_agreement_and_settlements(akkoord, example_store, tmp_path):
    assert akkoord("--db", example_store, "import", *FOLLOW_UPS).status == 0
    views = views_of(akkoord, example_store)
    revision = rows(views, "proposal_revision")[0]
    assert (revision["revision"], revision["status"], revision["agreed_by"]) == (2, "agreed", "VB, JENV")
    states = {r["id"]: r["status"] for r in rows(views, "commitment_register")}
    assert states == {"definitief-verdelingsvoorstel": "fulfilled",
                      "uitwerking-weerbaarheidsopgave": "overdue"}
    assert_views_match_cli(akkoord, example_store, "weerbaarheid-2025")


def test_views_leave_out_what_was_retracted(akkoord, example_store, tmp_path):
    retractions = write_log(tmp_path, [
        {"type": "event_retracted", "date": "2025-10-07", "retracts": "voorstel-r2",
         "reason": "recorded in the wrong dossier"},
        {"type": "event_retracted", "date": "2025-10-07", "retracts": "claim-ptss",
         "reason": "not a claim of this dossier"}], negotiation="weerbaarheid-2025")
    assert akkoord("--db", example_store, "import", *FOLLOW_UPS, retractions).status == 0
    views = views_of(akkoord, example_store)
    revision = rows(views, "proposal_revision")[0]
    assert (revision["revision"], revision["status"], revision["agreed_by"]) == (1, "draft", None)
    assert "ptss" not in {r["id"] for r in rows(views, "claim_register")}
    assert_views_match_cli(akkoord, example_store, "weerbaarheid-2025")


def test_views_match_the_command_line_on_a_generated_dossier(akkoord, tmp_path):
    """Budget changes, retractions, rescheduling, settlements and dates after today."""
    source = tmp_path / "generated.json"
    with source.open("w", encoding="utf-8") as stream:
        generate.write_log(stream, generate.dossier_events(1500, seed=11))
    store = tmp_path / "generated.db"
    assert akkoord("--db", store, "import", source).status == 0
    assert_views_match_cli(akkoord, store, generate.NEGOTIATION)


def test_views_survive_a_rebuild(akkoord, example_store):
    views = views_of(akkoord, example_store)
    before = rows(views, "proposal")
    assert akkoord("--db", example_store, "rebuild").status == 0
    assert rows(views, "proposal") == before != []


def test_a_view_from_another_version_is_made_again(akkoord, example_store):
    views = views_of(akkoord, example_store)
    with sqlite3.connect(views) as connection:
        connection.execute("DROP VIEW proposal")
        connection.execute("CREATE VIEW proposal AS SELECT 1 AS outdated")
    views_of(akkoord, example_store)
    assert {row["item"] for row in rows(views, "proposal")} == {
        "noodsteunpunten", "versterking-veiligheidsregios", "jenv"}


def test_views_command_says_where_the_file_is_and_what_it_holds(akkoord, example_store):
    result = akkoord("--db", example_store, "views")
    assert result.status == 0
    assert str(views_of(akkoord, example_store)) in result.out
    assert "commitment_register" in result.out and "datasette" in result.out


def test_views_command_on_a_missing_store_creates_nothing(akkoord, tmp_path):
    result = akkoord("--db", tmp_path / "missing.db", "views", "--path")
    assert result.status == 2 and "does not exist" in result.err
    assert not (tmp_path / "missing.db").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _read_json(url: str, deadline: float) -> object:
    """The JSON at ``url``, asked again until the server answers or the deadline passes."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture
def datasette():
    """Starts ``datasette FILE`` on 127.0.0.1 and a free port; stops it afterwards."""
    executable = shutil.which("datasette", path=str(Path(sys.executable).parent))
    assert executable, "the test extra installs datasette"
    servers = []

    def serve(views: Path) -> str:
        port = _free_port()
        servers.append(subprocess.Popen(
            [executable, "serve", str(views), "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        return f"http://127.0.0.1:{port}"

    yield serve
    for server in servers:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def test_datasette_serves_the_views_with_the_cli_figures(akkoord, example_store, datasette):
    views = views_of(akkoord, example_store)
    base = datasette(views)
    deadline = time.monotonic() + 60
    database = _read_json(f"{base}/{views.stem}.json", deadline)
    listed = {view["name"] for view in database["views"]}
    assert {"proposal", "proposal_totals", "proposal_revision", "budget_in_force",
            "commitment_register", "claim_register"} <= listed

    served = _read_json(f"{base}/{views.stem}/proposal.json?_shape=array&_size=max", deadline)
    totals = _read_json(f"{base}/{views.stem}/proposal_totals.json?_shape=array", deadline)
    proposal = akkoord("--db", example_store, "proposal", "--json").json()
    by_item: dict[str, dict[str, int]] = {}
    for row in served:
        by_item.setdefault(row["item"], {})[str(row["year"])] = row["amount_eur"]
    assert by_item == {item["id"]: item["by_year"] for item in proposal["items"]}
    assert [row["year"] for row in totals] == proposal["years"]
    for key in ("total", "budget", "unallocated"):
        assert {str(row["year"]): row[f"{key}_eur"] for row in totals} == proposal[key]


def test_views_of_an_encrypted_store_are_said_to_be_sealed(akkoord, tmp_path, monkeypatch):
    from conftest import EXAMPLE_SOURCE

    monkeypatch.setenv("AKKOORD_CIPHER_KEY", akkoord("keygen").out.strip())
    store = tmp_path / "sealed.db"
    assert akkoord("--db", store, "import", EXAMPLE_SOURCE).status == 0
    result = akkoord("--db", store, "views", "--path")
    assert result.status == 0 and "sealed" in result.err
    assert b"Veiligheidsberaad" not in Path(result.out.strip()).read_bytes()
