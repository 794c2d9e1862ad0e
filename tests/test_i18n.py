"""The language of what people read: chosen as cli.md revision 2 says, complete in Dutch."""

from __future__ import annotations

from datetime import date

import pytest

from akkoord.i18n import activate, catalog, choose, human_date


@pytest.mark.parametrize(("option", "environ", "chosen"), [
    (None, {}, "en"),
    ("nl", {"AKKOORD_LANG": "en", "LANG": "en_GB.UTF-8"}, "nl"),
    (None, {"AKKOORD_LANG": "nl", "LANG": "en_GB.UTF-8"}, "nl"),
    (None, {"AKKOORD_LANG": "EN", "LC_ALL": "nl_NL.UTF-8"}, "en"),
    (None, {"LANG": "nl_NL.UTF-8"}, "nl"),
    (None, {"LANG": "nl_BE"}, "nl"),
    (None, {"LC_MESSAGES": "nl_NL.UTF-8", "LANG": "en_US.UTF-8"}, "nl"),
    (None, {"LC_ALL": "C.UTF-8", "LC_MESSAGES": "nl_NL.UTF-8"}, "en"),
    (None, {"LANG": "de_DE.UTF-8"}, "en"),
])
def test_the_language_is_chosen_by_option_then_variable_then_locale(option, environ, chosen):
    assert choose(option, environ) == chosen


def test_an_unknown_language_asked_for_explicitly_is_a_usage_error(akkoord):
    result = akkoord("--lang", "fr", "--help")
    assert result.status == 2
    assert "'fr': choose nl or en" in result.err
    assert "Traceback" not in result.err


def test_help_and_usage_errors_speak_dutch_with_lang_nl(akkoord):
    assert "gebruik: akkoord" in akkoord("--lang", "nl", "--help").out
    assert "toon deze hulptekst" in akkoord("--lang", "nl", "--help").out
    error = akkoord("--lang", "nl").err
    assert "fout: deze argumenten zijn verplicht" in error


def test_the_locale_alone_chooses_dutch(akkoord, monkeypatch):
    monkeypatch.setenv("LANG", "nl_NL.UTF-8")
    assert "gebruik: akkoord" in akkoord("--help").out
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert "usage: akkoord" in akkoord("--help").out


def test_dates_read_as_a_dutch_reader_reads_them():
    try:
        activate("nl")
        assert human_date(date(2025, 6, 27)) == "27 juni 2025"
        assert human_date("2025-10-06") == "6 oktober 2025"
        activate("en")
        assert human_date(date(2025, 6, 27)) == "2025-06-27"
    finally:
        activate("en")


def test_every_string_people_read_has_a_dutch_translation_and_every_entry_is_used():
    assert catalog.problems("nl") == []


def test_no_text_people_read_escapes_the_catalog():
    """A string never marked with _() never reaches the catalog, so the completeness test above
    cannot see it: every message, help text, heading and rendered line must be marked."""
    from akkoord.i18n import unmarked

    assert unmarked.report() == []
