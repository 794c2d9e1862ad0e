"""The domain, the log format and the store speak Dutch with --lang nl: refusals, the log's
summaries and verify's problems; --json stays English, byte for byte, in both languages."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import EXAMPLE_SOURCE, basic_dossier, count_events, party, write_log
from test_refusals import REFUSED_EVENTS
from test_revision2 import REVISION_2_REFUSALS

# (events after a good first event, the Dutch reason the message must give)
DUTCH_REFUSALS = {
    "unknown stakeholder": (REFUSED_EVENTS["unknown stakeholder"][0],
                            "partij 'Z' is niet geregistreerd"),
    "fulfilling a fulfilled commitment": (REFUSED_EVENTS["fulfilling a fulfilled commitment"][0],
                                          "toezegging 'c1' is niet open (nagekomen)"),
    "settling a claim twice": (REFUSED_EVENTS["settling a claim twice"][0],
                               "claim 'k1' is al afgehandeld (toegekend)"),
    "unknown type": (REFUSED_EVENTS["unknown type"][0],
                     "onbekend gebeurtenistype 'rumour_heard'"),
    "missing date": (REFUSED_EVENTS["missing date"][0], "verplicht veld 'date' ontbreekt"),
    "unknown field": (REFUSED_EVENTS["unknown field"][0], "onbekend veld 'nmae'"),
    "unreal date": (REFUSED_EVENTS["unreal date"][0], "'2025-02-30' is geen bestaande datum"),
    "amount zero": (REFUSED_EVENTS["amount zero"][0], "moet positief zijn, niet 0"),
    "revision skipping a number": (REFUSED_EVENTS["revision skipping a number"][0],
                                   "versie 3 volgt niet op versie 1"),
    "enum value not in the table": (REFUSED_EVENTS["enum value not in the table"][0],
                                    "kind moet een van"),
    "a party named before it was registered": (
        REVISION_2_REFUSALS["a party named before it was registered"][0],
        "partij 'Q' is geregistreerd op 5 juli 2025, na de datum van deze gebeurtenis "
        "(4 juli 2025)"),
    "a commitment due before it was made": (
        REVISION_2_REFUSALS["a commitment due before it was made"][0],
        "termijn 30 juni 2025 ligt vóór de datum van deze gebeurtenis (1 juli 2025)"),
    "an ambiguous amount": (
        [{"type": "budget_changed", "date": "2025-07-01",
          "budget": [{"party": "RIJK", "year": 2025, "amount": "1.500M"}]}],
        "is dubbelzinnig: met de punt als scheiding van duizendtallen is het € 1.500.000.000"),
}


@pytest.mark.parametrize("case", sorted(DUTCH_REFUSALS))
def test_a_refusal_is_dutch_with_lang_nl_and_still_names_file_and_event(
        case, akkoord, store, tmp_path):
    assert akkoord("--db", store, "import", write_log(tmp_path, basic_dossier(),
                                                      name="base.json")).status == 0
    before = count_events(store)
    bad_events, reason = DUTCH_REFUSALS[case]
    path = write_log(tmp_path, [party("G"), *bad_events], name="bad.json")
    result = akkoord("--lang", "nl", "--db", store, "import", path)
    assert result.status == 2
    assert f"events[{len(bad_events)}]" in result.err and str(path) in result.err
    assert reason in result.err, result.err
    assert "Traceback" not in result.err
    assert count_events(store) == before
    english = akkoord("--lang", "en", "--db", store, "import", path)
    assert english.status == 2 and reason not in english.err


def test_a_refused_file_structure_and_a_yaml_line_are_dutch(akkoord, store, tmp_path):
    path = tmp_path / "file.json"
    path.write_text(json.dumps({"format": "akkoord/2", "negotiation": "x", "events": []}))
    result = akkoord("--lang", "nl", "--db", store, "import", path)
    assert result.status == 2
    assert f"{path}: format moet 'akkoord/1' zijn, niet 'akkoord/2'" in result.err
    yaml_file = tmp_path / "meeting.yaml"
    yaml_file.write_text(
        "format: akkoord/1\nnegotiation: t\nevents:\n"
        "  - type: negotiation_opened\n    date: 2025-06-27\n    title: T\n    budget: []\n"
        "  - type: stakeholder_registered\n    date: 2025-02-30\n    id: A\n    name: A\n"
        "    kind: council\n")
    result = akkoord("--lang", "nl", "--db", store, "import", yaml_file)
    assert result.status == 2
    assert "events[1] (regel 8, stakeholder_registered)" in result.err
    assert "is geen bestaande datum" in result.err
    assert count_events(store) == 0


@pytest.fixture
def sealed(akkoord, tmp_path) -> Path:
    store = tmp_path / "sealed.db"
    assert akkoord("--db", store, "import", EXAMPLE_SOURCE).status == 0
    return store


def test_verify_of_a_tampered_store_is_dutch_and_its_json_english(akkoord, sealed):
    with sqlite3.connect(sealed) as connection:
        connection.execute("DELETE FROM stored_events WHERE rowid = 7")
    result = akkoord("--lang", "nl", "--db", sealed, "verify")
    assert result.status == 1
    assert ("positie 7: de gebeurtenis die daar is vastgelegd ontbreekt (verwijderd)"
            in result.out), result.out
    assert "missing (deleted)" not in result.out
    english = akkoord("--lang", "en", "--db", sealed, "verify")
    assert "position 7: the event recorded there is missing (deleted)" in english.out
    dutch_json = akkoord("--lang", "nl", "--db", sealed, "verify", "--json")
    english_json = akkoord("--lang", "en", "--db", sealed, "verify", "--json")
    assert dutch_json.out == english_json.out
    assert "missing (deleted)" in dutch_json.out


def test_log_summaries_are_dutch_with_lang_nl(akkoord, sealed):
    dutch = akkoord("--lang", "nl", "--db", sealed, "log").out
    assert "VB geregistreerd: Veiligheidsberaad (beraad)" in dutch
    assert "GEM eerstverantwoordelijk in taak bevolkingszorg" in dutch
    assert "gepland op 9 juli 2025: Bestuurlijke tafel weerbaarheid" in dutch
    assert "VB over proposal:r1: steunt onder voorwaarden" in dutch
    english = akkoord("--lang", "en", "--db", sealed, "log").out
    assert "VB registered: Veiligheidsberaad (council)" in english
    assert "meeting bestuurlijke-tafel-2025-07-09 set for 2025-07-09" in english


def test_log_json_is_english_and_the_same_bytes_in_both_languages(akkoord, sealed):
    dutch = akkoord("--lang", "nl", "--db", sealed, "log", "--json")
    english = akkoord("--lang", "en", "--db", sealed, "log", "--json")
    assert dutch.status == english.status == 0
    assert dutch.out == english.out
    summaries = [entry["summary"] for entry in json.loads(english.out)]
    assert "VB registered: Veiligheidsberaad (council)" in summaries


def test_the_unmarked_check_finds_a_bare_summary_line_and_a_bare_template_table(tmp_path):
    from akkoord.i18n.unmarked import unmarked

    source = tmp_path / "made_up.py"
    source.write_text(
        "from akkoord.i18n import N_, _\n"
        "MISSING = {'claim': 'claim {key!r} does not exist'}\n"
        "MARKED = {'claim': N_('claim {key!r} does not exist')}\n"
        "class Held:\n"
        "    def summary_line(self):\n"
        "        return f'meeting {self.id} held'\n"
        "class Marked:\n"
        "    def summary_line(self):\n"
        "        return _('meeting {id} held').format(id=self.id)\n"
        "def _held(r):\n"
        "    return f'meeting {r[\"id\"]} held'\n"
        "LINES = {'meeting_held': _held, 'key_retired': lambda r: 'key ' + r['id'] + ' retired',\n"
        "         'marked': lambda r: _('meeting {id} held').format(id=r['id'])}\n")
    assert sorted(line for line, _text in unmarked(source)) == [2, 6, 11, 12, 12]
