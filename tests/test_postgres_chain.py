"""The hash chain in a PostgreSQL store: written with the events, checked by the same verify.

Each test gets a database of its own (``akkoord_test_<uuid>``), dropped afterwards, opened
through the composition root as every command opens a store.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from conftest import EXAMPLE_SOURCE
from akkoord.application.service import Akkoord
from akkoord.bootstrap import open_store
from akkoord.interchange.logformat import read_log_file
from akkoord.store.integrity import Checkpoint, verify

SERVER = "host=127.0.0.1 port=5432 user=postgres"


@pytest.fixture
def database() -> Iterator[str]:
    name = f"akkoord_test_{uuid.uuid4().hex}"
    with psycopg.connect(f"{SERVER} dbname=postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(f"{SERVER} dbname=postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def open_app(database: str, chained: bool = True) -> Akkoord:
    # Tables made if missing, each time: the chain's too, in a store written without it.
    settings = {"CREATE_TABLE": "y"}
    if not chained:  # the library's own recorder, as stores written before the chain had
        settings["APPLICATION_RECORDER_TOPIC"] = "eventsourcing.postgres:PostgresApplicationRecorder"
    return open_store(f"postgresql://postgres@127.0.0.1:5432/{database}", create=True,
                      settings=settings).app


def record_example(app: Akkoord) -> list[int]:
    log = read_log_file(str(EXAMPLE_SOURCE))
    return app.record(log.negotiation, log.entries, "test-recorder")


def execute(database: str, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Changes the store behind akkoord's back, with a plain connection."""
    with psycopg.connect(f"{SERVER} dbname={database}", autocommit=True) as connection:
        connection.execute(sql, params)


def kinds(app: Akkoord, checkpoints: list[Checkpoint] = ()) -> list[tuple[int | None, str]]:  # type: ignore[assignment]
    return [(p.position, p.kind) for p in verify(app.recorder, checkpoints).problems]


def test_the_chain_is_written_with_the_events_and_catches_tampering(database):
    app = open_app(database)
    try:
        positions = record_example(app)
        result = verify(app.recorder)
        assert result.ok and result.events == 28 and result.position == positions[-1]
        checkpoint = result.checkpoint()

        execute(database, "UPDATE akkoord_events SET state = state || '\\x00'::bytea "
                          "WHERE notification_id = %s", (positions[10],))
        assert kinds(app) == [(positions[10], "changed")]

        execute(database, "DELETE FROM akkoord_events WHERE notification_id = %s", (positions[4],))
        assert kinds(app)[0] == (positions[4], "deleted")
    finally:
        app.close()
    assert checkpoint.position == positions[-1]


def test_a_cut_short_history_is_caught_against_a_checkpoint(database):
    app = open_app(database)
    try:
        positions = record_example(app)
        checkpoint = verify(app.recorder).checkpoint()
        execute(database, "DELETE FROM akkoord_events WHERE notification_id > %s", (positions[20],))
        execute(database, "DELETE FROM akkoord_events_chain WHERE notification_id > %s",
                (positions[20],))
        assert verify(app.recorder).ok
        assert kinds(app, [checkpoint]) == [(positions[-1], "cut_short")]
    finally:
        app.close()


def test_a_store_written_without_the_chain_is_sealed_by_its_next_write(database):
    plain = open_app(database, chained=False)
    try:
        record_example(plain)
    finally:
        plain.close()
    app = open_app(database)
    try:
        assert kinds(app) == [(None, "no_chain")]
        log = read_log_file(str(EXAMPLE_SOURCE))
        app.record("tweede-dossier", log.entries[:2], "test-recorder")
        result = verify(app.recorder)
        assert result.ok and result.events == 30
    finally:
        app.close()


def test_a_snapshot_is_sealed_in_postgresql_and_a_changed_one_is_caught(akkoord, postgres_store,
                                                                         tmp_path):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import generate

    log = tmp_path / "big.json"
    with log.open("w", encoding="utf-8") as stream:
        generate.write_log(stream, generate.dossier_events(300, seed=5))
    assert akkoord("--db", postgres_store, "import", log).status == 0
    held = akkoord("--db", postgres_store, "verify", "--json").json()
    assert held["ok"] and (held["snapshots_checked"], held["snapshots_sealed"]) == (1, 1)
    with psycopg.connect(postgres_store, autocommit=True) as connection:
        # A space after the JSON: the same state to a replay, other bytes to the seal.
        connection.execute("UPDATE akkoord_snapshots SET state = state || ' '::bytea")
    result = akkoord("--db", postgres_store, "verify")
    assert result.status == 1
    assert "at version 300 is not the one sealed into the hash chain at position" in result.out
