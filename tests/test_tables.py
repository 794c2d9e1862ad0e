"""Terminal tables fit the terminal (``COLUMNS``, else the terminal's width): text columns are
shortened with an ellipsis, ids, dates and amounts stay whole; ``diff`` reads as old → new."""

from __future__ import annotations

import re

import pytest

from akkoord.cli.render import plain, table, terminal_width
from conftest import example_follow_up, write_log


def lines_of(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")


@pytest.mark.parametrize("command", ["commitments", "claims", "log"])
def test_registers_fit_the_terminal_and_mark_what_they_shorten(akkoord, example_store, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "80")
    result = akkoord("--db", example_store, command)
    assert result.status == 0, result.err
    assert max(len(line) for line in lines_of(result.out)) <= 80
    assert "…" in result.out
    wide = akkoord("--db", example_store, command, "--json").json()
    ids = [row.get("id") for row in wide if row.get("id")]
    for thing in ids:
        assert re.search(rf"^{re.escape(thing)}\s", result.out, re.MULTILINE), thing


def test_commitments_keep_ids_dates_and_status_whole_and_shorten_what(akkoord, example_store, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    out = akkoord("--db", example_store, "commitments").out
    for commitment in akkoord("--db", example_store, "commitments", "--json").json():
        row = next(line for line in lines_of(out) if line.startswith(commitment["id"] + " "))
        assert commitment["due"] in row and commitment["status"] in row
        assert row.endswith("…") and commitment["what"][:10] in row


def test_a_wide_terminal_shows_the_text_whole(akkoord, example_store, monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")
    out = akkoord("--db", example_store, "commitments").out
    for commitment in akkoord("--db", example_store, "commitments", "--json").json():
        assert commitment["what"] in out


def test_without_columns_or_a_terminal_nothing_is_shortened(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert terminal_width() is None  # standard output is captured, not a terminal
    assert table(["a"], [["x" * 300]]) .endswith("x" * 300)


def test_table_shortens_the_named_text_columns_first_and_never_amounts():
    rows = [["id-that-stays", "a long text " * 10, "€ 35.000.000"]]
    shown = table(["id", "text", "amount"], rows, right=(2,), width=60, shrink=(1,))
    last = lines_of(shown)[-1]
    assert len(last) <= 60 and last.startswith("id-that-stays  a long text")
    assert "…" in last and last.endswith("€ 35.000.000")


def test_plain_writes_values_as_a_reader_does():
    assert plain(None) == "none" and plain([]) == "none" and plain("") == "none"
    assert plain(["a", "b"]) == "a; b"
    assert plain(["Zin een.", "Zin twee."]) == "Zin een. Zin twee."


def test_diff_shows_old_to_new_and_signed_differences_in_words(akkoord, example_store, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    follow_up = write_log(tmp_path, example_follow_up(), negotiation="weerbaarheid-2025")
    assert akkoord("--db", example_store, "import", follow_up).status == 0
    out = akkoord("--db", example_store, "diff", "1", "2").out
    assert "revision 1 (draft) → revision 2 (agreed)" in out
    # no Python reprs: no None, no lists, no quotes around values
    assert "None" not in out and "[" not in out and "'" not in out.replace("veiligheidsregio's", "")
    assert "->" not in out
    assert re.search(r"^noodsteunpunten\s+changed\s+2027\+\s+€ 35\.000\.000\s+€ 30\.000\.000\s+−€ 5\.000\.000$",
                     out, re.MULTILINE)
    assert re.search(r"^versterking-veiligheidsregios\s+changed\s+2027\+.*\+€ 5\.000\.000$", out, re.MULTILINE)
    assert "versterking-veiligheidsregios: distribution: none → BDuR-systematiek" in out
    assert re.search(r"noodsteunpunten: conditions: 2025 en 2026 .*→ none$", out, re.MULTILINE)
    assert max(len(line) for line in lines_of(out)) <= 100


def _decade_proposal(tmp_path):
    """A proposal whose amounts run from 2025 to 2035 year by year, then 2036 on."""
    years = [{"year": year, "amount": f"{year - 2020}M"} for year in range(2025, 2036)]
    events = [
        {"type": "negotiation_opened", "date": "2025-01-01", "title": "Tien jaar",
         "budget": [{"party": "RIJK", "from": 2025, "amount": "70M"}]},
        {"type": "stakeholder_registered", "date": "2025-01-01", "id": "VB", "name": "VB",
         "kind": "collective"},
        {"type": "proposal_revised", "date": "2025-01-02", "revision": 1, "status": "draft",
         "proposed_by": ["VB"], "items": [{"id": "noodsteunpunten", "purpose": "p", "recipient": "VB",
                                           "amounts": [*years, {"from": 2036, "amount": "35M"}]}]}]
    return write_log(tmp_path, events, negotiation="wijd")


@pytest.mark.parametrize("columns", [80, 100])
def test_a_decade_of_amounts_is_shown_in_blocks_of_years_that_fit(akkoord, tmp_path, monkeypatch,
                                                                   columns):
    store = tmp_path / "wijd.db"
    assert akkoord("--db", store, "import", _decade_proposal(tmp_path)).status == 0
    monkeypatch.setenv("COLUMNS", str(columns))
    for command in (["proposal"], ["history", "proposal"]):
        out = akkoord("--db", store, *command).out
        assert max(len(line) for line in lines_of(out)) <= columns, (command, out)
        shown = lines_of(out)
        headings = [line.split() for line, under in zip(shown, shown[1:])
                    if under and set(under) <= {"-", " "}]
        years = [word for heading in headings for word in heading
                 if re.fullmatch(r"20\d\d\+?", word)]
        assert years == [*map(str, range(2025, 2036)), "2036+"], (command, out)
        assert "€ 35.000.000" in out and "…" not in out
