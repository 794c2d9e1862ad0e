"""Encryption at rest: with a key, no file akkoord writes holds the dossier in the clear."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import pytest

from conftest import EXAMPLE_SOURCE, count_events, example_follow_up, party, write_log

# Words of the memo that must never be readable in what akkoord keeps on disk.
DOSSIER_WORDS = ("Bevolkingszorg", "Veiligheidsberaad", "Vereniging van Nederlandse Gemeenten",
                 "noodsteunpunten", "bestuurlijke-tafel", "weerbaarheid")
READINGS = (["proposal"], ["status"], ["log"], ["commitments"], ["claims"], ["positions"],
            ["diff", "1", "2"], ["rebuild"])


@pytest.fixture
def key(akkoord) -> str:
    return akkoord("keygen").out.strip()


def words_found(*roots: Path) -> dict[str, list[str]]:
    """Which dossier words each file under the roots holds, byte for byte (what grep finds)."""
    found = {}
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            words = [word for word in DOSSIER_WORDS if word.encode() in data]
            if words:
                found[str(path.relative_to(root.parent))] = words
    return found


def record_read_and_grep(akkoord, tmp_path: Path) -> dict[str, list[str]]:
    """Imports the example and its follow-up, reads every view, and greps every file that was
    written. A reader keeps the store open meanwhile, so SQLite's WAL side files are grepped too."""
    data, cache = tmp_path / "data", tmp_path / "cache"
    data.mkdir()
    store = data / "events.db"
    follow_up = write_log(tmp_path, example_follow_up(), negotiation="weerbaarheid-2025")
    assert akkoord("--db", store, "import", EXAMPLE_SOURCE).status == 0
    reader = sqlite3.connect(store)
    try:
        reader.execute("SELECT count(*) FROM stored_events").fetchone()
        assert akkoord("--db", store, "import", follow_up).status == 0
        for reading in READINGS:
            assert akkoord("--db", store, *reading).status == 0, reading
        assert Path(f"{store}-wal").stat().st_size > 0
        assert list(cache.rglob("views-*"))
        return words_found(data, cache)
    finally:
        reader.close()


def test_keygen_prints_a_new_256_bit_key_each_time(akkoord):
    keys = {akkoord("keygen").out.strip() for _ in range(3)}
    assert len(keys) == 3
    assert all(len(base64.b64decode(key, validate=True)) == 32 for key in keys)


def test_with_a_key_no_file_akkoord_wrote_holds_the_dossiers_words(akkoord, key, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("AKKOORD_CIPHER_KEY", key)
    assert record_read_and_grep(akkoord, tmp_path) == {}


def test_without_a_key_the_same_files_hold_the_dossiers_words(akkoord, tmp_path):
    """The check above can fail: the same run without a key leaves the words readable."""
    found = record_read_and_grep(akkoord, tmp_path)
    assert "data/events.db-wal" in found
    assert any(path.startswith("data/events.db") for path in found)
    assert any(path.startswith("cache/") for path in found)


def test_an_encrypted_store_reads_as_a_plain_one(akkoord, key, tmp_path, monkeypatch):
    plain, encrypted = tmp_path / "plain.db", tmp_path / "encrypted.db"
    follow_up = write_log(tmp_path, example_follow_up(), negotiation="weerbaarheid-2025")
    assert akkoord("--db", plain, "import", EXAMPLE_SOURCE, follow_up).status == 0
    monkeypatch.setenv("AKKOORD_CIPHER_KEY", key)
    assert akkoord("--db", encrypted, "import", EXAMPLE_SOURCE, follow_up).status == 0
    for reading in (["proposal"], ["commitments", "--as-of", "2025-07-01"], ["positions"]):
        with_key = akkoord("--db", encrypted, *reading, "--json").json()
        monkeypatch.delenv("AKKOORD_CIPHER_KEY")
        assert akkoord("--db", plain, *reading, "--json").json() == with_key
        monkeypatch.setenv("AKKOORD_CIPHER_KEY", key)


def test_verify_works_on_an_encrypted_store_and_catches_tampering(akkoord, key, tmp_path, monkeypatch):
    import sqlite3

    store = tmp_path / "encrypted.db"
    monkeypatch.setenv("AKKOORD_CIPHER_KEY", key)
    assert akkoord("--db", store, "import", EXAMPLE_SOURCE).status == 0
    assert akkoord("--db", store, "verify").status == 0
    monkeypatch.delenv("AKKOORD_CIPHER_KEY")  # integrity is checked on the stored bytes
    assert akkoord("--db", store, "verify").status == 0
    with sqlite3.connect(store) as connection:
        (state,) = connection.execute("SELECT state FROM stored_events WHERE rowid = 5").fetchone()
        changed = state[:20] + bytes([state[20] ^ 1]) + state[21:]
        connection.execute("UPDATE stored_events SET state = ? WHERE rowid = 5", [changed])
    tampered = akkoord("--db", store, "verify")
    assert tampered.status == 1 and "position 5" in tampered.out + tampered.err


def test_without_the_key_or_with_another_reading_and_writing_exit_2_and_say_why(
        akkoord, key, tmp_path, monkeypatch):
    store = tmp_path / "events.db"
    monkeypatch.setenv("AKKOORD_CIPHER_KEY", key)
    assert akkoord("--db", store, "import", EXAMPLE_SOURCE).status == 0
    stored = count_events(store)
    more = write_log(tmp_path, [party("NIEUW", date="2025-07-09")], negotiation="weerbaarheid-2025")

    monkeypatch.delenv("AKKOORD_CIPHER_KEY")
    for command in (["proposal"], ["import", more]):
        result = akkoord("--db", store, *command)
        assert (result.status, result.out) == (2, "")
        assert "is encrypted: set AKKOORD_CIPHER_KEY to its key" in result.err

    monkeypatch.setenv("AKKOORD_CIPHER_KEY", akkoord("keygen").out.strip())
    for command in (["proposal"], ["import", more]):
        result = akkoord("--db", store, *command)
        assert result.status == 2
        assert "cannot be decrypted with the key in AKKOORD_CIPHER_KEY: wrong key" in result.err

    monkeypatch.setenv("AKKOORD_CIPHER_KEY", "not-a-key")
    result = akkoord("--db", store, "proposal")
    assert result.status == 2 and "AKKOORD_CIPHER_KEY is not a key" in result.err
    assert count_events(store) == stored


def test_a_key_is_refused_on_a_store_kept_in_the_clear(akkoord, key, example_store, monkeypatch):
    stored = count_events(example_store)
    monkeypatch.setenv("AKKOORD_CIPHER_KEY", key)
    more = write_log(example_store.parent, [party("NIEUW")], negotiation="weerbaarheid-2025")
    result = akkoord("--db", example_store, "import", more)
    assert result.status == 2 and "is not encrypted: unset AKKOORD_CIPHER_KEY" in result.err
    assert count_events(example_store) == stored


def test_sealed_views_left_at_a_stores_place_give_way_to_plain_ones(akkoord, key, tmp_path,
                                                                   monkeypatch):
    store = tmp_path / "events.db"
    monkeypatch.setenv("AKKOORD_CIPHER_KEY", key)
    assert akkoord("--db", store, "import", EXAMPLE_SOURCE).status == 0
    sealed = akkoord("--db", store, "claims", "--json").json()
    store.unlink()
    monkeypatch.delenv("AKKOORD_CIPHER_KEY")
    assert akkoord("--db", store, "import", EXAMPLE_SOURCE).status == 0
    assert akkoord("--db", store, "claims", "--json").json() == sealed


def test_a_postgresql_store_holds_only_ciphertext(akkoord, key, postgres_store, tmp_path,
                                                  monkeypatch):
    import psycopg

    monkeypatch.setenv("AKKOORD_CIPHER_KEY", key)
    follow_up = write_log(tmp_path, example_follow_up(), negotiation="weerbaarheid-2025")
    assert akkoord("--db", postgres_store, "import", EXAMPLE_SOURCE, follow_up).status == 0
    for reading in READINGS:
        assert akkoord("--db", postgres_store, *reading).status == 0, reading
    with psycopg.connect(postgres_store) as connection:
        rows = connection.execute("SELECT topic, state FROM akkoord_events").fetchall()
    assert len(rows) == 35
    assert not [word for word in DOSSIER_WORDS for topic, state in rows
                if word.encode() in state or word in topic]
    assert words_found(tmp_path / "cache") == {}
    monkeypatch.delenv("AKKOORD_CIPHER_KEY")
    result = akkoord("--db", postgres_store, "claims")
    assert result.status == 2 and "is encrypted: set AKKOORD_CIPHER_KEY" in result.err
