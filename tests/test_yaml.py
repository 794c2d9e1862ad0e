"""YAML log files: read by the YAML 1.2 core schema through libyaml, hostile files refused."""

from __future__ import annotations

import time

import pytest

from akkoord.interchange.yaml12 import YAMLRefused, comment, dump_items, load
from conftest import count_events

HEADER = "format: akkoord/1\nnegotiation: t\nevents:\n"
OPENING = "  - {type: negotiation_opened, date: 2025-06-27, title: T, budget: []}\n"


@pytest.mark.parametrize(("text", "value"), [
    ("no", "no"), ("on", "on"), ("off", "off"), ("yes", "yes"), ("Y", "Y"),
    ("2025-06-27", "2025-06-27"), ("1_000", "1_000"), ("1:30", "1:30"),
    ("017", 17), ("0o17", 15), ("0x1F", 31), ("-5", -5), ("1e3", 1000.0),
    ("true", True), ("FALSE", False), ("~", None), ("null", None), ("", None),
    ("'017'", "017"), ('"true"', "true"), ("!!str 12", "12"), ("!!timestamp 2025-01-01", "2025-01-01"),
])
def test_plain_scalars_mean_what_yaml_1_2_core_says(text, value):
    assert load(f"a: {text}\n")[0] == {"a": value}


def test_the_line_of_every_event_is_noted():
    document, lines = load(HEADER + OPENING + "  # a comment\n\n  - type: x\n    date: y\n"
                           "  - [not, a, mapping]\n")
    assert len(document["events"]) == 3
    assert lines == [4, 7, 9]


@pytest.mark.parametrize(("text", "reason"), [
    ("a: 1\na: 2\n", "the key 'a' appears twice"),
    ("? [1]\n: 2\n", "a key must be text"),
    ("1: a\n", "a key must be text, not 1"),
    ("a: b\n---\nc: d\n", "a second document"),
    ("a: !!binary aGVsbG8=\n", "not one this format reads"),
    ("a: !!int twelve\n", "not a valid int"),
    ("a: *nowhere\n", "names no anchor"),
    ("a: " + "9" * 5000 + "\n", "5000 digits"),
    ("a: " + "[" * 400 + "]" * 400 + "\n", "nested deeper than"),
])
def test_what_this_reader_refuses(text, reason):
    with pytest.raises(YAMLRefused, match=reason):
        load(text)


def alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_expands():
    started = time.perf_counter()
    with pytest.raises(YAMLRefused, match="aliases expand to more values than the file holds"):
        load(alias_bomb())
    assert time.perf_counter() - started < 5  # expanded, it would be 9**9 values


def test_an_alias_reused_in_every_event_is_fine():
    source = "  - {type: position_taken, source: *src, n: %d}\n"
    text = ("format: akkoord/1\nsource: &src {document: Brief, page: 3}\nevents:\n"
            + "".join(source % n for n in range(3000)))
    document, lines = load(text)
    assert document["events"][2999]["source"] == {"document": "Brief", "page": 3}


def test_import_refuses_an_alias_bomb_and_deep_nesting_with_a_message(akkoord, store, tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(HEADER + OPENING + "  - {type: position_taken, date: 2025-06-27, points: *a8}\n"
                    + alias_bomb().replace("a0:", "x0:"), encoding="utf-8")
    deep = tmp_path / "deep.yaml"
    deep.write_text(HEADER + OPENING + "  - {type: x, date: " + "[" * 300 + "]" * 300 + "}\n",
                    encoding="utf-8")
    for path, reason in ((bomb, "names no anchor"), (deep, "nested deeper than")):
        result = akkoord("--db", store, "import", path)
        assert result.status == 2, result.err
        assert str(path) in result.err and reason in result.err and "Traceback" not in result.err
        assert count_events(store) == 0
    bomb.write_text(alias_bomb() + HEADER.replace("events:\n", "events: *a8\n"), encoding="utf-8")
    result = akkoord("--db", store, "import", bomb)
    assert result.status == 2 and "aliases expand" in result.err and "Traceback" not in result.err


def test_a_duplicate_key_in_an_event_is_refused_with_its_line(akkoord, store, tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text(HEADER + OPENING + "  - type: stakeholder_registered\n    date: 2025-06-27\n"
                    "    id: A\n    id: B\n    name: A\n    kind: council\n", encoding="utf-8")
    result = akkoord("--db", store, "import", path)
    assert result.status == 2 and "line 8: the key 'id' appears twice" in result.err
    assert count_events(store) == 0


def test_an_amount_with_underscores_is_text_and_refused(akkoord, store, tmp_path):
    path = tmp_path / "amount.yaml"
    path.write_text(HEADER + "  - {type: negotiation_opened, date: 2025-06-27, title: T, "
                    "budget: [{party: RIJK, year: 2025, amount: 1_000}]}\n", encoding="utf-8")
    result = akkoord("--db", store, "import", path)
    assert result.status == 2 and "'1_000' is not an amount" in result.err


def test_written_items_read_back_as_the_same_values():
    values = [{"a": "line one\n\nline three  \n  indented\n", "b": "x " * 80, "c": "tab\there",
               "d": "é\u2028z\x85", "e": "- dash", "f": "1e3", "g": "0o17", "h": "n", "i": ["y"]},
              {"a": "b", "n": 7}]
    text = "events:\n" + "".join(dump_items(values))
    assert load(text)[0]["events"] == values
    assert all(line == line.rstrip() for line in text.splitlines())


def test_a_comment_cannot_add_a_line_of_yaml():
    text = comment("recorded by eve\nevil: yes\x1b[2J")
    assert text == "# recorded by eve\n# evil: yes\\x1b[2J\n"
    assert load(text + "a: b\n")[0] == {"a": "b"}


def _dumped_by_pyyaml(value: object) -> str:
    """What PyYAML's own representer and resolver make of the value, with the export's quoting
    of text: the reference for ``yaml12._Dumper``'s fast paths."""
    import yaml

    from akkoord.interchange import yaml12

    class Reference(yaml12.SafeDumper):
        pass

    Reference.add_representer(str, yaml12._represent_text)
    return yaml.dump(value, Dumper=Reference, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=64)


def test_the_export_writes_what_pyyamls_representer_writes():
    import sys
    from pathlib import Path

    from akkoord.domain.records import record_of
    from akkoord.interchange.yaml12 import dump
    from conftest import EXAMPLE_STORE

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import generate

    from akkoord.bootstrap import open_store

    store = open_store(str(EXAMPLE_STORE))
    try:
        example = [record_of(event) for _position, event in
                   store.app.dossier_events("weerbaarheid-2025")]
    finally:
        store.close()
    assert len(example) > 20
    shared = {"document": "memo", "page": 3}
    odd = ["no", "on", "y", "N", "1e3", "0o17", "2025-06-27", "", " lead", "trail ", "a: b",
           "- x", "#c", "line\nbreak", "tab\there", "'quote'", '"dq"', "€ 5.000", "~", "null",
           "ünïcödé " * 20, "x" * 200, "12", "-5", ".inf", "true", "@at", "`tick`", "%pct"]
    values = [example, list(generate.dossier_events(2000, seed=3)),
              {"odd": odd, "numbers": [0, -1, 10**20, True, False, None]},
              [shared, {"again": shared}, [shared]],  # the same mapping thrice: aliases
              [], {}, [[], {}, [[]]], "text", 5, None]
    for value in values:
        assert dump(value) == _dumped_by_pyyaml(value)
