"""The command line in Dutch: what people read is Dutch with --lang nl (or a Dutch locale alone),
English with --lang en, and --json is the same bytes in both (cli.md revision 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, example_follow_up, write_log

# Each reading command with a word only its Dutch output has, and a heading only its English
# output has (the latter must be gone in Dutch).
READINGS = [
    (["status"], ["verdelingsvoorstel, versie 2 (akkoord", "Achterstallige toezeggingen",
                  "beoordeeld op", "6 oktober 2025", "niet verdeeld", "toezegging"],
     ["Commitments overdue", "as judged on", "unallocated", "revision 2", "commitment"]),
    (["proposal"], ["verdelingsvoorstel, versie", "voorgesteld door", "onderdeel", "ontvanger",
                    "totaal", "9 juli 2025", "is elk jaar vanaf"],
     ["revision", "recipient", "proposed by", "every year"]),
    (["diff", "1", "2"], ["versie 1 (eerste opzet) → versie 2 (akkoord)", "gewijzigd", "verschil",
                          "Wat verder veranderde"],
     ["revision 1", "changed", "difference", "What else changed"]),
    (["commitments"], ["toezegging", "termijn", "achterstallig", "nagekomen"],
     ["commitment ", "overdue", "fulfilled", " due "]),
    (["claims"], ["claim", "bedrag", "samenvatting", "afgewezen"],
     ["amount", "summary", "rejected"]),
    (["positions"], ["partij", "onderwerp", "standpunt", "steunt onder voorwaarden"],
     ["party", "subject", "stance", "supports on conditions"]),
    (["log"], ["vastgelegd op (UTC)", "samenvatting", "27 juni 2025", "(ingetrokken)"],
     ["recorded at", "summary", "(retracted)"]),
    (["log", "--position", "5"], ["positie 5:", "ingangsdatum 27 juni 2025", "zoals in het logformaat"],
     ["effective date", "as in the log format", "recorded"]),
    (["history", "item:noodsteunpunten"], ["geschiedenis van item:noodsteunpunten",
                                           "bedragen per versie", "voorgesteld door"],
     ["history of", "amounts per revision", "proposed by"]),
    (["meetings"], ["overleg", "gepland op", "gehouden op", "deelnemers", "9 juli 2025"],
     ["meeting", "scheduled for", "held on", "participants"]),
    (["stakeholders"], ["naam", "soort", "lid van", "geregistreerd op", "beraad", "vereniging"],
     ["name", "kind", "member of", "registered on", "council", "association"]),
    (["verify"], ["gebeurtenissen tot en met positie", "in orde; keten"],
     ["events up to position", "hold; chain"]),
]

# Every reading command that answers --json, for the byte-for-byte comparison.
JSON_READINGS = [args for args, _dutch, _english in READINGS] + [
    ["log", "--limit", "3"], ["commitments", "--status", "overdue"], ["history", "proposal"],
    ["history", "commitment:definitief-verdelingsvoorstel"], ["graph", "--json"],
    ["graph", "--analyse", "--json"], ["key", "list"], ["rebuild"],
]


@pytest.fixture
def followed_up(example_store: Path, tmp_path: Path, akkoord) -> Path:
    """The example store with a second revision, an agreement, a retraction and a settled claim,
    so that diff 1 2 has something to say and every status has a row."""
    follow_up = write_log(tmp_path, example_follow_up(), negotiation="weerbaarheid-2025")
    assert akkoord("--db", example_store, "import", follow_up).status == 0
    return example_store


@pytest.mark.parametrize(("args", "dutch", "english"), READINGS,
                         ids=[" ".join(args) for args, _d, _e in READINGS])
def test_reading_commands_speak_dutch_with_lang_nl_and_english_with_lang_en(
        akkoord, followed_up, args, dutch, english, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # nothing shortened: every word stays findable
    nl = akkoord("--lang", "nl", "--db", followed_up, *args)
    assert nl.status == 0, nl.err
    for word in dutch:
        assert word in nl.out, (word, nl.out)
    for word in english:
        assert word not in nl.out, (word, nl.out)
    en = akkoord("--lang", "en", "--db", followed_up, *args)
    assert en.status == 0, en.err
    for word in english:
        assert word.strip() in en.out, (word, en.out)


def test_a_dutch_locale_alone_chooses_dutch(followed_up, tmp_path):
    """No --lang, no AKKOORD_LANG: LANG=nl_NL.UTF-8 is enough (a new process, as a user runs it)."""
    environment = {"LANG": "nl_NL.UTF-8", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                   "XDG_CACHE_HOME": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-m", "akkoord.cli.main", "--db", str(followed_up),
                          "status"], capture_output=True, text=True, env=environment, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "verdelingsvoorstel, versie 2 (akkoord van VB, VNG, JENV)" in run.stdout
    assert "beoordeeld op" in run.stdout and "as judged on" not in run.stdout
    refused = subprocess.run([sys.executable, "-m", "akkoord.cli.main", "--db",
                              str(tmp_path / "nergens.db"), "status"],
                             capture_output=True, text=True, env=environment, cwd=tmp_path)
    assert refused.returncode == 2
    assert "bestaat niet" in refused.stderr and "does not exist" not in refused.stderr


@pytest.mark.parametrize("args", JSON_READINGS, ids=[" ".join(a) for a in JSON_READINGS])
def test_json_is_the_same_bytes_in_both_languages(akkoord, followed_up, args):
    json_args = args if "--json" in args else [*args, "--json"]
    nl = akkoord("--lang", "nl", "--db", followed_up, *json_args)
    en = akkoord("--lang", "en", "--db", followed_up, *json_args)
    assert nl.status == en.status == 0, (nl.err, en.err)
    assert nl.out == en.out
    assert nl.out.strip()


def test_log_summaries_in_json_are_english_even_in_dutch(akkoord, followed_up):
    entries = akkoord("--lang", "nl", "--db", followed_up, "log", "--json").json()
    english = akkoord("--lang", "en", "--db", followed_up, "log").out
    for entry in entries:
        assert entry["summary"][:40] in english


@pytest.mark.parametrize(("args", "dutch", "english"), [
    (["--db", "nergens.db", "status"], "opslag 'nergens.db' bestaat niet", "does not exist"),
    (["--db", "{example}", "status", "--as-of", "2025-13-01"],
     "'2025-13-01' is geen datum (JJJJ-MM-DD)", "is not a date"),
    (["--db", "{example}", "log", "--known-at", "twee"], "is geen positie", "is not a position"),
    (["--db", "{example}", "status", "--negotiation", "onbekend"], "geen dossier 'onbekend'",
     "no dossier"),
    (["--db", "{example}", "log", "--type", "onbekend"], "geen soort gebeurtenis", "no event type"),
    (["--db", "{example}", "nonsense"], "ongeldige keuze", "invalid choice"),
])
def test_refusals_are_dutch(akkoord, example_store, tmp_path, monkeypatch, args, dutch, english):
    monkeypatch.chdir(tmp_path)
    args = [str(example_store) if a == "{example}" else a for a in args]
    nl = akkoord("--lang", "nl", *args)
    assert nl.status == 2
    assert dutch in nl.err and english not in nl.err, nl.err
    en = akkoord("--lang", "en", *args)
    assert en.status == 2 and english in en.err, en.err


def test_help_is_dutch(akkoord):
    nl = akkoord("--lang", "nl", "status", "--help")
    assert nl.status == 0
    assert "het dossier in één oogopslag" in nl.out and "gebruik:" in nl.out
    assert "the dossier at a glance" not in nl.out and "usage:" not in nl.out


def test_an_unknown_language_is_refused_in_the_language_of_the_locale(akkoord, monkeypatch):
    monkeypatch.setenv("LANG", "nl_NL.UTF-8")
    refused = akkoord("--lang", "fr", "status")
    assert refused.status == 2 and "kies nl of en" in refused.err


def test_no_unmarked_text_in_the_command_line_and_the_web_code():
    """Every line people read in cli/, web/ and bootstrap.py goes through _()."""
    from akkoord.i18n.unmarked import report

    mine = [line for line in report() if line.startswith(("cli/", "web/", "bootstrap.py"))]
    assert mine == []


def test_the_cli_catalog_translates_every_string_of_its_files():
    """tools' nl-cli.json is not in the repository; the .po is: no entry used by the command
    line or the web pages is left without Dutch."""
    from babel.messages.pofile import read_po

    with (REPO / "i18n/locale/nl/LC_MESSAGES/akkoord.po").open("rb") as stream:
        catalog = read_po(stream, locale="nl")
    untranslated = [message.id for message in catalog if message.id and not message.string
                    and any(path.startswith(("cli/", "web/", "bootstrap.py"))
                            for path, _line in message.locations)]
    assert untranslated == []
