"""What a command's start-up leaves out must not change what it does: a command line parsed by a
parser holding only the commands up to the one named reads as by the whole parser, and the
event classes, whose dataclass methods are written once (``domain.negotiation._EventType``),
compare, hash, print and refuse changes as the dataclasses did."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import uuid
from datetime import date, datetime, timezone

import pytest

from conftest import REPO
from akkoord.cli.main import _command_named, build_parser
from akkoord.domain.negotiation import EVENT_TYPES, Negotiation
from akkoord.i18n import activate


def _commands(parser) -> dict:
    (subparsers,) = (action for action in parser._actions if action.dest == "command")
    return subparsers.choices


def _options(parser) -> list:
    return [(action.option_strings, action.dest, action.default, action.nargs)
            for action in parser._actions]


def test_each_command_is_parsed_as_by_the_whole_parser():
    activate("en")
    whole = _commands(build_parser())
    for name, command in whole.items():
        lean = _commands(build_parser(["--db", "x.db", name, "--help"]))
        assert name in lean
        assert _options(lean[name]) == _options(command), name
    assert len(_commands(build_parser(["import", "x.json"]))) < len(whole)


@pytest.mark.parametrize("argv, named", [
    (["--db", "import", "proposal"], "proposal"),  # a store named like a command
    (["--lang=nl", "status"], "status"),
    (["--views", "v.db", "--as", "me", "log", "--json"], "log"),
    (["--help"], None),
    (["--vi", "v.db", "log"], "v.db"),  # abbreviated: no command found, every one built
])
def test_the_command_is_found_past_the_options_that_take_a_value(argv, named):
    assert _command_named(argv, build_parser()) == named


def test_an_import_loads_no_other_commands_module(tmp_path):
    log = REPO / "examples" / "veiligheidsberaad-2025-06-27.yaml"
    probe = ("import sys; from akkoord.cli.main import main; "
             f"status = main(['--db', {str(tmp_path / 'new.db')!r}, 'import', {str(log)!r}]); "
             "print(status, sorted(m for m in sys.modules if m.startswith('akkoord.cli.')), "
             "file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True)
    assert done.stderr.strip().splitlines()[-1] == (
        "0 ['akkoord.cli.core', 'akkoord.cli.main', 'akkoord.cli.options', "
        "'akkoord.cli.render', 'akkoord.cli.session']"), done.stderr


def _position(**changes) -> Negotiation.PositionTaken:
    fields = {"originator_id": uuid.UUID(int=1), "originator_version": 2,
              "timestamp": datetime(2026, 12, 4, tzinfo=timezone.utc), "date": date(2025, 1, 1),
              "recorded_by": "p", "ref": None, "source": None, "note": None, "origin": None,
              "stakeholder": "VB", "subject": "proposal:r1", "stance": "support",
              "summary": "s", "points": ()}
    return Negotiation.PositionTaken(**{**fields, **changes})


def test_events_compare_hash_and_print_as_dataclasses():
    one, same, other = _position(), _position(), _position(summary="t")
    assert one == same and hash(one) == hash(same)
    assert one != other
    assert one.__eq__(object()) is NotImplemented
    assert repr(one).startswith("Negotiation.PositionTaken(originator_id=UUID(")
    assert "summary='s', points=())" in repr(one)
    assert dataclasses.replace(one, summary="t") == other
    assert dataclasses.is_dataclass(one) and dataclasses.asdict(one)["stakeholder"] == "VB"
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.summary = "changed"  # type: ignore[misc]


def test_an_event_made_with_a_field_missing_or_unknown_is_refused():
    with pytest.raises(TypeError, match="missing arguments: points"):
        Negotiation.PositionTaken(**{name: getattr(_position(), name) for name in
                                     [f.name for f in dataclasses.fields(_position())][:-1]})
    with pytest.raises(TypeError, match="unexpected argument 'colour'"):
        _position(colour="red")
    with pytest.raises(TypeError, match="non-UUID originator_id"):  # the library's own check
        _position(originator_id="VB")


def test_every_event_type_is_made_by_the_one_written_init():
    for event_class in EVENT_TYPES.values():
        assert "__init__" not in event_class.__dict__ or event_class is Negotiation.Event
        assert event_class.__init__ is Negotiation.Event.__init__, event_class


def test_a_recording_collects_rarely_and_gives_python_its_pace_back():
    """A command runs at ``pace.COLLECT_AFTER`` from its start; a recording in a process that
    goes on (a test, the web server) runs at it too, and leaves Python's own pace after it,
    refused or not."""
    import gc

    from akkoord.application.service import Entry
    from akkoord.domain.errors import EventRefused
    from akkoord.pace import COLLECT_AFTER
    from tier import memory_app

    app, seen = memory_app(), []
    opening = Entry("negotiation_opened", {"date": date(2025, 1, 1), "title": "t",
                                          "budget": []})
    before = gc.get_threshold()
    app.record("n", [opening], "p", progress=lambda count: seen.append(gc.get_threshold()[0]))
    assert seen == [COLLECT_AFTER] and gc.get_threshold() == before
    with pytest.raises(EventRefused):
        app.record("n", [opening], "p")
    assert gc.get_threshold() == before
