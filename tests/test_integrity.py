"""Tamper evidence: every way of changing a store behind akkoord's back is caught by verify."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import EXAMPLE_SOURCE, opening, party, write_log
from akkoord.store import merkle
from akkoord.store.chain import GENESIS, StoredRow, encode, extend, leaf_of

CHAIN = "stored_events_chain"


@pytest.fixture
def sealed(akkoord, tmp_path) -> Path:
    """A store of the memo's 28 events, written by akkoord (so with its chain)."""
    store = tmp_path / "sealed.db"
    assert akkoord("--db", store, "import", EXAMPLE_SOURCE).status == 0
    return store


def tamper(store: Path, *statements: tuple[str, tuple]) -> None:
    """Changes the store with plain sqlite3, as someone with the file but not akkoord would."""
    with sqlite3.connect(store) as connection:
        for sql, params in statements:
            connection.execute(sql, params)


def failing_position(akkoord, store: Path, *options: str) -> tuple[int, str]:
    result = akkoord("--db", store, "verify", *options)
    assert result.status == 1, result.out + result.err
    first = result.out.splitlines()[0]
    return int(first.split("position ")[1].split(":")[0]), first


def state_of(store: Path, position: int) -> bytes:
    with sqlite3.connect(store) as connection:
        return connection.execute("SELECT state FROM stored_events WHERE rowid = ?",
                                  (position,)).fetchone()[0]


def test_an_untouched_store_verifies(akkoord, sealed):
    result = akkoord("--db", sealed, "verify")
    assert result.status == 0
    assert result.out.startswith("verify: 28 events up to position 28 hold")
    assert len(result.out.splitlines()) == 1


def test_a_changed_byte_is_named_by_its_position(akkoord, sealed):
    state = bytearray(state_of(sealed, 14))
    state[len(state) // 2] ^= 0x01
    tamper(sealed, ("UPDATE stored_events SET state = ? WHERE rowid = 14", (bytes(state),)))
    position, message = failing_position(akkoord, sealed)
    assert position == 14 and "not the one recorded there" in message


def test_a_changed_topic_or_version_is_caught(akkoord, sealed, tmp_path):
    other = tmp_path / "other.db"
    shutil.copyfile(sealed, other)
    tamper(sealed, ("UPDATE stored_events SET topic = 'akkoord:meeting_held' WHERE rowid = 9", ()))
    assert failing_position(akkoord, sealed)[0] == 9
    tamper(other, ("UPDATE stored_events SET originator_version = 100 WHERE rowid = 28", ()))
    assert failing_position(akkoord, other)[0] == 28


def test_a_deleted_event_is_named(akkoord, sealed):
    tamper(sealed, ("DELETE FROM stored_events WHERE rowid = 7", ()))
    position, message = failing_position(akkoord, sealed)
    assert position == 7 and "missing (deleted)" in message


def test_two_swapped_events_are_named_at_the_first(akkoord, sealed):
    tamper(sealed,
           ("UPDATE stored_events SET rowid = -1 WHERE rowid = 12", ()),
           ("UPDATE stored_events SET rowid = 12 WHERE rowid = 13", ()),
           ("UPDATE stored_events SET rowid = 13 WHERE rowid = -1", ()))
    position, message = failing_position(akkoord, sealed)
    assert position == 12
    assert "version 13" in message and "version 12 was due" in message


def test_an_inserted_event_is_named(akkoord, sealed):
    tamper(sealed, ("INSERT INTO stored_events (originator_id, originator_version, topic, state) "
                    "SELECT originator_id, 29, topic, state FROM stored_events WHERE rowid = 28", ()))
    position, message = failing_position(akkoord, sealed)
    assert position == 29 and "inserted outside akkoord" in message


def test_an_edited_chain_row_is_named(akkoord, sealed):
    tamper(sealed, (f"UPDATE {CHAIN} SET chain = ? WHERE notification_id = 20", (bytes(32),)))
    position, message = failing_position(akkoord, sealed)
    assert position == 20 and "chain table was changed" in message


def test_verify_lists_each_problem_after_the_first(akkoord, sealed):
    tamper(sealed, ("DELETE FROM stored_events WHERE rowid = 7", ()),
           ("UPDATE stored_events SET state = x'00' WHERE rowid = 21", ()))
    result = akkoord("--db", sealed, "verify", "--json")
    assert result.status == 1
    assert [(p["position"], p["kind"]) for p in result.json()["problems"]] == [
        (7, "deleted"), (21, "changed")]


def rewrite_consistently(store: Path, position: int) -> None:
    """Changes an event and recomputes the chain after it, with the published algorithm."""
    with sqlite3.connect(store) as connection:
        connection.execute("UPDATE stored_events SET state = ? WHERE rowid = ?",
                           (state_of(store, position).replace(b"2025", b"2024", 1), position))
        previous = connection.execute(f"SELECT chain FROM {CHAIN} WHERE notification_id = ?",
                                      (position - 1,)).fetchone()[0]
        rows = [StoredRow(*row) for row in connection.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "WHERE rowid >= ? ORDER BY rowid", (position,))]
        for link in extend(previous, rows):
            connection.execute(f"UPDATE {CHAIN} SET leaf = ?, chain = ? WHERE notification_id = ?",
                               (link.leaf, link.chain, link.position))


def test_a_consistent_rewrite_is_caught_against_a_checkpoint_taken_before(akkoord, sealed, tmp_path):
    checkpoint = tmp_path / "checkpoint.txt"
    assert akkoord("--db", sealed, "checkpoint", "-o", checkpoint).status == 0
    rewrite_consistently(sealed, 11)
    # The chain alone cannot tell: it was rewritten with the events.
    assert akkoord("--db", sealed, "verify").status == 0
    position, message = failing_position(akkoord, sealed, "--checkpoint", checkpoint)
    assert position == 28 and "rewritten since the checkpoint" in message


def test_several_checkpoints_bound_where_a_rewrite_lies(akkoord, sealed, tmp_path):
    checkpoints = tmp_path / "checkpoints.txt"
    assert akkoord("--db", sealed, "checkpoint", "-o", checkpoints).status == 0
    more = write_log(tmp_path, [party("EXTRA1"), party("EXTRA2")], negotiation="weerbaarheid-2025")
    assert akkoord("--db", sealed, "import", more).status == 0
    assert akkoord("--db", sealed, "checkpoint", "-o", checkpoints).status == 0
    assert checkpoints.read_text().count("akkoord-checkpoint/1 position=") == 2
    assert akkoord("--db", sealed, "verify", "--checkpoint", checkpoints).status == 0
    rewrite_consistently(sealed, 29)
    position, message = failing_position(akkoord, sealed, "--checkpoint", checkpoints)
    assert position == 30 and "after position 28" in message


def test_a_history_cut_short_is_caught_against_a_checkpoint(akkoord, sealed, tmp_path):
    checkpoint = tmp_path / "checkpoint.txt"
    checkpoint.write_text(akkoord("--db", sealed, "checkpoint").out)
    tamper(sealed, ("DELETE FROM stored_events WHERE rowid > 24", ()),
           (f"DELETE FROM {CHAIN} WHERE notification_id > 24", ()))
    assert akkoord("--db", sealed, "verify").status == 0
    position, message = failing_position(akkoord, sealed, "--checkpoint", checkpoint)
    assert position == 28 and "cut short" in message and "ends at position 24" in message


def test_checkpoint_refuses_a_store_that_does_not_verify(akkoord, sealed):
    tamper(sealed, ("DELETE FROM stored_events WHERE rowid = 3", ()))
    result = akkoord("--db", sealed, "checkpoint")
    assert result.status == 1
    assert "akkoord-checkpoint/1" not in result.out and "none taken" in result.out


def test_a_checkpoint_file_that_is_not_one_is_a_usage_error(akkoord, sealed, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("# comment\nposition=3 chain=abc\n")
    result = akkoord("--db", sealed, "verify", "--checkpoint", bad)
    assert result.status == 2 and "line 2" in result.err
    assert akkoord("--db", sealed, "verify", "--checkpoint", tmp_path / "none.txt").status == 2


def test_verify_never_creates_a_store(akkoord, tmp_path):
    missing = tmp_path / "missing.db"
    assert akkoord("--db", missing, "verify").status == 2
    assert akkoord("--db", missing, "checkpoint").status == 2
    assert not missing.exists()


def test_the_committed_example_store_verifies(akkoord, example_store):
    result = akkoord("--db", example_store, "verify")
    assert result.status == 0, result.out


def test_a_store_without_chain_says_so_and_the_next_import_seals_it(akkoord, sealed, tmp_path):
    tamper(sealed, (f"DROP TABLE {CHAIN}", ()))  # as a store written before akkoord kept a chain
    result = akkoord("--db", sealed, "verify")
    assert result.status == 1 and "no hash chain" in result.out
    more = write_log(tmp_path, [party("EXTRA")], negotiation="weerbaarheid-2025")
    assert akkoord("--db", sealed, "import", more).status == 0
    assert akkoord("--db", sealed, "verify").out.startswith("verify: 29 events up to position 29 hold")


def test_the_chain_covers_the_bytes_as_stored_when_compressed(akkoord, tmp_path):
    from akkoord.bootstrap import open_store
    from akkoord.interchange.logformat import read_log_file

    store = tmp_path / "compressed.db"
    log = read_log_file(str(EXAMPLE_SOURCE))
    with open_store(store, create=True,
                    settings={"COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"}) as opened:
        opened.record(log.negotiation, log.entries, "test-recorder")
    assert state_of(store, 11)[:1] == b"\x78"  # a zlib stream, not JSON
    assert akkoord("--db", store, "verify").status == 0
    state = bytearray(state_of(store, 11))
    state[-3] ^= 0x40
    tamper(store, ("UPDATE stored_events SET state = ? WHERE rowid = 11", (bytes(state),)))
    assert failing_position(akkoord, store)[0] == 11


def test_an_event_is_proven_in_the_checkpoints_tree(akkoord, sealed, tmp_path):
    checkpoint = tmp_path / "checkpoint.txt"
    assert akkoord("--db", sealed, "checkpoint", "-o", checkpoint).status == 0
    proof = akkoord("--db", sealed, "verify", "--event", "11", "--checkpoint", checkpoint)
    assert proof.status == 0 and "position 11 is leaf 10 of the tree of 28 events" in proof.out
    as_json = akkoord("--db", sealed, "verify", "--event", "11", "--checkpoint", checkpoint,
                      "--json").json()
    assert merkle.verify_inclusion(
        as_json["leaf_index"], as_json["tree_size"], bytes.fromhex(as_json["leaf_hash"]),
        [bytes.fromhex(h) for h in as_json["path"]], bytes.fromhex(as_json["root"]))
    rewrite_consistently(sealed, 20)
    assert akkoord("--db", sealed, "verify", "--event", "11", "--checkpoint", checkpoint).status == 1
    changed = akkoord("--db", sealed, "verify", "--event", "20", "--checkpoint", checkpoint)
    assert changed.status == 1 and "position 20" in changed.out


def test_an_import_that_finds_the_chain_ahead_of_the_events_stores_nothing(akkoord, sealed, tmp_path):
    tamper(sealed, ("DELETE FROM stored_events WHERE rowid = 28", ()))
    more = write_log(tmp_path, [party("EXTRA")], negotiation="weerbaarheid-2025")
    result = akkoord("--db", sealed, "import", more)
    assert result.status == 2 and "changed outside akkoord" in result.err
    with sqlite3.connect(sealed) as connection:
        assert connection.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0] == 27


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH of RFC 6962, section 2.1, written as the RFC defines it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


@given(st.integers(min_value=1, max_value=70), st.data())
def test_merkle_root_and_inclusion_proofs_follow_rfc_6962(size, data):
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(size)]
    root = merkle.root(leaves)
    assert root == reference_root(leaves)
    tree = merkle.CompactRange()
    for count, leaf in enumerate(leaves, start=1):
        tree.append(leaf)
        assert tree.root() == reference_root(leaves[:count])
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    path = merkle.inclusion_path(index, leaves)
    assert merkle.verify_inclusion(index, size, leaves[index], path, root)
    assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"other"), path, root)
    if size > 1:
        assert not merkle.verify_inclusion((index + 1) % size, size, leaves[index], path, root)


def test_the_chain_starts_from_the_genesis_value_and_depends_on_order():
    rows = [StoredRow(1, "a", 1, "t", b"x"), StoredRow(2, "a", 2, "t", b"y")]
    forward = list(extend(GENESIS, rows))
    assert forward[-1].chain != list(extend(GENESIS, rows[::-1]))[-1].chain
    # A value that reads the same but is stored as text instead of bytes encodes differently.
    assert list(extend(GENESIS, [StoredRow(1, "a", 1, "t", "x")]))[0].leaf != forward[0].leaf


@given(position=st.integers(min_value=1, max_value=2**63 - 1),
       aggregate_id=st.text(), version=st.integers(min_value=-(2**63), max_value=2**63 - 1),
       topic=st.text(), state=st.binary())
def test_the_leaf_of_a_stored_row_is_its_documented_encoding(position, aggregate_id, version,
                                                             topic, state):
    # leaf_of encodes the types akkoord stores in one join: the bytes must be encode()'s.
    row = StoredRow(position, aggregate_id, version, topic, state)
    assert leaf_of(row) == merkle.leaf_hash(encode(row))


def test_a_new_store_opened_with_an_opening_only_verifies(akkoord, tmp_path):
    store = tmp_path / "small.db"
    assert akkoord("--db", store, "import", write_log(tmp_path, [opening()])).status == 0
    assert akkoord("--db", store, "verify").out.startswith("verify: 1 events up to position 1 hold")


def test_two_writers_at_once_leave_one_unbroken_chain(akkoord, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from akkoord.application.service import Entry
    from akkoord.bootstrap import open_store
    from akkoord.interchange.logformat import entry_from_record

    store = tmp_path / "busy.db"
    assert akkoord("--db", store, "import", write_log(tmp_path, [opening()], negotiation="een"),
                   write_log(tmp_path, [opening()], name="b.json", negotiation="twee")).status == 0

    def write(negotiation: str) -> None:
        with open_store(store, create=True) as opened:
            for batch in range(15):
                entries: list[Entry] = [entry_from_record(party(f"P{batch}-{i}")) for i in range(3)]
                opened.record(negotiation, entries, "test-recorder")

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(write, ["een", "twee"]))
    assert akkoord("--db", store, "verify").out.startswith("verify: 92 events up to position 92 hold")


def test_a_checkpoint_whose_tree_head_does_not_match_fails(akkoord, sealed, tmp_path):
    line = akkoord("--db", sealed, "checkpoint").out.strip()
    root = line.split("root=")[1].split()[0]
    forged = tmp_path / "forged.txt"
    forged.write_text(line.replace(root, "0" * 64) + "\n")
    position, message = failing_position(akkoord, sealed, "--checkpoint", forged)
    assert position == 28 and "Merkle tree head differs" in message


def test_every_checkpoint_line_is_checked_on_its_own(akkoord, sealed, tmp_path):
    first = akkoord("--db", sealed, "checkpoint").out.strip()
    more = write_log(tmp_path, [party("EXTRA")], negotiation="weerbaarheid-2025")
    assert akkoord("--db", sealed, "import", more).status == 0
    latest = akkoord("--db", sealed, "checkpoint").out.strip()
    chain = first.split("chain=")[1].split()[0]
    root = first.split("root=")[1].split()[0]
    # A forged line beside a true one for the same position, and an older line with an edited root.
    cases = {"forged beside a true line": [first, first.replace(chain, "1" * 64), latest],
             "older line, edited root": [first.replace(root, "2" * 64), latest]}
    for name, lines in cases.items():
        path = tmp_path / "checkpoints.txt"
        path.write_text("\n".join(lines) + "\n")
        result = akkoord("--db", sealed, "verify", "--checkpoint", path, "--json")
        assert result.status == 1, name
        verdicts = [c["ok"] for c in result.json()["checkpoints"]]
        assert verdicts == ([True, False, True] if len(lines) == 3 else [False, True]), name
        assert [p["position"] for p in result.json()["problems"]] == [28], name


def snapshotted(akkoord, tmp_path: Path) -> Path:
    """A store of 600 generated events, written by akkoord: its dossier has a snapshot, at 600."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import generate

    log = tmp_path / "big.json"
    with log.open("w", encoding="utf-8") as stream:
        generate.write_log(stream, generate.dossier_events(600, seed=3))
    store = tmp_path / "snapshotted.db"
    assert akkoord("--db", store, "import", log).status == 0
    return store


def edit_snapshot(store: Path, edit: Any) -> int:
    """Edits the stored snapshot's JSON with ``edit`` (it returns the new bytes); its version."""
    import json

    with sqlite3.connect(store) as connection:
        version, state = connection.execute(
            "SELECT originator_version, state FROM stored_snapshots").fetchone()
        connection.execute("UPDATE stored_snapshots SET state = ? WHERE originator_version = ?",
                           (edit(json.loads(state)), version))
    return version


def add_intruder(snapshot: dict[str, Any]) -> bytes:
    """A party the events never registered, as the dossier's registers hold them."""
    import json

    snapshot["state"]["standing"]["stakeholder"]["INTRUDER"] = [[2, "2020-01-07", None]]
    return json.dumps(snapshot).encode()


def test_an_edited_snapshot_is_caught_by_verify(akkoord, tmp_path):
    store = snapshotted(akkoord, tmp_path)
    held = akkoord("--db", store, "verify")
    assert held.status == 0 and "1 snapshot matches the events it summarises" in held.out
    version = edit_snapshot(store, add_intruder)
    result = akkoord("--db", store, "verify")
    assert result.status == 1
    assert f"at version {version} is not what its events make (standing differ)" in result.out


def test_a_snapshot_writes_the_registers_as_before(akkoord, tmp_path):
    """The dossier holds its registers' entries as tuples (a third less memory than lists: a
    million events are some 2 million entries); a snapshot still writes them as JSON arrays,
    [version, date, detail] and [kind, key], so that its bytes and an older akkoord's reading
    of them are as before."""
    import json

    store = snapshotted(akkoord, tmp_path)
    with sqlite3.connect(store) as connection:
        (state,) = connection.execute("SELECT state FROM stored_snapshots").fetchone()
    registers = json.loads(state)["state"]
    entries = [entry for keys in registers["standing"].values() for stack in keys.values()
               for entry in stack]
    made = [pair for pairs in registers["established"].values() for pair in pairs]
    assert entries and made
    assert all(type(entry) is list and len(entry) == 3 and type(entry[0]) is int
               for entry in entries)
    assert all(type(pair) is list and len(pair) == 2 and type(pair[0]) is str for pair in made)


def test_a_snapshot_is_sealed_into_the_chain_and_checked_by_its_seal(akkoord, tmp_path):
    import json

    store = snapshotted(akkoord, tmp_path)
    held = akkoord("--db", store, "verify", "--json").json()
    assert held["ok"] and (held["snapshots_checked"], held["snapshots_sealed"]) == (1, 1)
    # The same state in other bytes: a replay finds nothing different; the seal does.
    version = edit_snapshot(store, lambda snapshot: json.dumps(snapshot, indent=1).encode())
    result = akkoord("--db", store, "verify")
    assert result.status == 1
    assert (f"the snapshot of aggregate {snapshotted_id(store)} at version {version} is not the "
            "one sealed into the hash chain at position 600") in result.out


def snapshotted_id(store: Path) -> str:
    with sqlite3.connect(store) as connection:
        return connection.execute("SELECT originator_id FROM stored_snapshots").fetchone()[0]


def test_an_edited_or_removed_seal_is_named_by_its_position(akkoord, tmp_path):
    store = snapshotted(akkoord, tmp_path)
    other = tmp_path / "other.db"
    shutil.copyfile(store, other)
    tamper(store, ("UPDATE stored_events_seals SET seal = ? WHERE notification_id = 600",
                   (bytes(32),)))
    position, message = failing_position(akkoord, store)
    assert position == 600 and "the seal of the snapshot sealed there was changed" in message
    tamper(other, ("DELETE FROM stored_events_seals", ()))
    position, message = failing_position(akkoord, other)
    assert position == 600 and "chain table was changed" in message


def unseal(store: Path) -> None:
    """Makes the store as akkoord wrote it before snapshots were sealed: no seal table, and the
    chain value at the snapshot's event the plain one."""
    with sqlite3.connect(store) as connection:
        connection.execute("DROP TABLE stored_events_seals")
        rows = [StoredRow(*row) for row in connection.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid")]
        for link in extend(GENESIS, rows):
            connection.execute(f"UPDATE {CHAIN} SET chain = ? WHERE notification_id = ?",
                               (link.chain, link.position))


def test_a_snapshot_of_before_seals_is_replayed_and_the_next_import_seals_one(akkoord, tmp_path):
    store = snapshotted(akkoord, tmp_path)
    unseal(store)
    old = akkoord("--db", store, "verify", "--json").json()
    assert old["ok"] and (old["snapshots_checked"], old["snapshots_sealed"]) == (1, 0)
    edited = tmp_path / "edited.db"
    shutil.copyfile(store, edited)
    version = edit_snapshot(edited, add_intruder)
    result = akkoord("--db", edited, "verify")
    assert result.status == 1
    assert f"at version {version} is not what its events make (standing differ)" in result.out
    # The next import builds the dossier from its events (the snapshot has no seal to hold) and
    # seals a snapshot of it at once.
    more = write_log(tmp_path, [party("EXTRA", date="2031-01-01")],
                     negotiation="benchmark-dossier")
    assert akkoord("--db", store, "import", more).status == 0
    new = akkoord("--db", store, "verify", "--json").json()
    assert new["ok"] and (new["snapshots_checked"], new["snapshots_sealed"]) == (1, 1)


def test_a_changed_snapshot_is_never_built_on(akkoord, tmp_path):
    store = snapshotted(akkoord, tmp_path)
    edit_snapshot(store, add_intruder)
    # Decided on the snapshot, the intruder would be a registered party; it is not.
    stance = write_log(tmp_path, [{
        "type": "position_taken", "date": "2031-01-01", "stakeholder": "INTRUDER",
        "subject": "proposal", "stance": "support", "summary": "the intruder agrees"}],
        negotiation="benchmark-dossier")
    refused = akkoord("--db", store, "import", stance)
    assert refused.status == 2 and "INTRUDER" in refused.err
    assert akkoord("--db", store, "verify").status == 1
