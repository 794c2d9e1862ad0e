"""A seeded mutational fuzz of ``import``: valid YAML and JSON dossiers, mutated at random as text
and as structure, must each be stored whole (exit 0) or refused whole (exit 2, a message, the store
unchanged), never a traceback, never a hang.

Twenty cases run by default (seconds); ``AKKOORD_FUZZ_CASES=5000`` runs thousands, and
``AKKOORD_FUZZ_SEED`` picks another series. A failure names the case's seed, which replays it.
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLE_SOURCE, EXAMPLE_STORE, count_events, example_follow_up

CASES = int(os.environ.get("AKKOORD_FUZZ_CASES", "20"))
SEED = int(os.environ.get("AKKOORD_FUZZ_SEED", "20261201"))
# Far above what any case needs (a fraction of a second): only a hang or a blow-up reaches it.
CASE_BOUND_SECONDS = 60

HOSTILE_TEXT = ["\x00", "\x1b[2J", "\n", "\ud800", "€", ",", ".", "[", "]", "{", "}", ":", '"',
                "'", "&a", "*a", "!!python/object:os.system", "9" * 5000, "-", "  ", "\t", "#",
                "٣", "０", "1.500M", "1,500.5M", "\u2028", "\\u0000"]
HOSTILE_VALUES: list[Any] = [
    None, True, 0, -1, 2**63, 10**400, 1.5, float("nan"), "", " ", "x" * 100_000, "\x00",
    "1.500M", "27,7 miljoen", "5.00.000", "€ 5.000.000", "1,5bn", "2025-02-30", "20250627",
    [], {}, [[[[[[[[[[]]]]]]]]]], {"1": {"2": {"3": {}}}}, ["a", 1, None], {"type": "x"},
    "a\ud800b", "\udfff", "tekst\x00verborgen", "\x1b[31m", "DEEP", "HUGE",
]
# Values no serializer writes, put in the text in place of these words once it is written.
WRITTEN_AFTER = {'"DEEP"': "[" * 3000 + "]" * 3000, '"HUGE"': "9" * 5000}


@contextmanager
def bounded(seconds: int) -> Iterator[None]:
    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"a case ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def mutate_text(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(text) + 1)
        kind = rng.randrange(5)
        if kind == 0:  # insert something hostile
            text = text[:at] + rng.choice(HOSTILE_TEXT) + text[at:]
        elif kind == 1:  # delete a stretch
            text = text[:at] + text[at + rng.randint(1, 40):]
        elif kind == 2:  # repeat a stretch
            stretch = text[at:at + rng.randint(1, 200)]
            text = text[:at] + stretch * rng.randint(2, 50) + text[at:]
        elif kind == 3:  # cut the file short
            text = text[:at]
        else:  # change one character
            text = text[:at] + chr(rng.randrange(0x20, 0x7f)) + text[at + 1:]
    return text


def paths_in(value: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from paths_in(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from paths_in(inner, (*path, index))


def mutate_structure(document: Any, rng: random.Random) -> Any:
    document = copy.deepcopy(document)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(list(paths_in(document))[1:])
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        kind = rng.randrange(4)
        if kind == 0:
            parent[path[-1]] = copy.deepcopy(rng.choice(HOSTILE_VALUES))
        elif kind == 1 and isinstance(parent, dict):
            del parent[path[-1]]
        elif kind == 2 and isinstance(parent, list):
            parent.insert(path[-1], copy.deepcopy(parent[path[-1]]))
        elif isinstance(parent, dict):
            parent[rng.choice(["zz", "type", "date", "ref", "note", 7])] = rng.choice(HOSTILE_VALUES)
    return document


def seeds() -> list[int]:
    series = random.Random(SEED)
    return [series.randrange(2**32) for _ in range(CASES)]


def test_mutated_dossiers_are_stored_whole_or_refused_whole(akkoord, tmp_path):
    from ruamel.yaml import YAML

    example_yaml = EXAMPLE_SOURCE.read_text(encoding="utf-8")
    example = YAML(typ="safe", pure=True).load(example_yaml)
    follow_up = {"format": "akkoord/1", "negotiation": "weerbaarheid-2025",
                 "events": example_follow_up()}
    outcomes = {0: 0, 2: 0}
    for number, seed in enumerate(seeds()):
        rng = random.Random(seed)
        into_example = rng.random() < 0.5
        base = follow_up if into_example else example
        as_json = rng.random() < 0.5
        if rng.random() < 0.5:
            text = json.dumps(mutate_structure(base, rng), ensure_ascii=rng.random() < 0.5,
                              allow_nan=True, default=str) if as_json else None
            if text is None:
                stream = tmp_path / "structure.yaml"
                with stream.open("w", encoding="utf-8", errors="surrogatepass") as out:
                    YAML(typ="safe", pure=True).dump(mutate_structure(base, rng), out)
                text = stream.read_text(encoding="utf-8", errors="surrogatepass")
        else:
            source = json.dumps(base, ensure_ascii=False, default=str) if as_json else (
                example_yaml if not into_example else json.dumps(base, default=str))
            text = mutate_text(source, rng)
        for word, written in WRITTEN_AFTER.items():
            text = text.replace(word, written)
        case = tmp_path / f"case-{number}.{'json' if as_json else 'yaml'}"
        case.write_bytes(text.encode("utf-8", "surrogatepass"))
        store = tmp_path / f"store-{number}.db"
        if into_example:
            shutil.copyfile(EXAMPLE_STORE, store)
        before = count_events(store)

        with bounded(CASE_BOUND_SECONDS):
            result = akkoord("--db", store, "import", case)

        context = f"case {number} (seed {seed}, AKKOORD_FUZZ_SEED={SEED}): {result.err[-500:]}"
        assert result.status in (0, 2), context
        assert "Traceback" not in result.err, context
        if result.status == 2:
            assert result.err.startswith("akkoord: ") and result.err.count("\n") == 1, context
            assert count_events(store) == before, context
            assert into_example or not store.exists(), context
        elif " 0 events stored " in result.out:  # an empty events list: nothing to record
            assert count_events(store) == before, context
            assert into_example or not store.exists(), context  # and no empty store made
        else:
            assert count_events(store) > before, context
        outcomes[result.status] += 1
        for path in tmp_path.glob(f"store-{number}.db*"):
            path.unlink()
        case.unlink()
    print(f"fuzz: {CASES} cases, {outcomes[0]} stored, {outcomes[2]} refused")
    assert sum(outcomes.values()) == CASES
