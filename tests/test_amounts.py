"""Amounts as revision 2 of the log format writes them: every form to the exact integer, every
doubtful form refused whole, and the views holding each amount exactly."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import basic_dossier, count_events, opening, party, write_log

ACCEPTED = {
    "€ 5.000.000": 5_000_000,
    "5.000.000": 5_000_000,
    "€5.000.000": 5_000_000,
    "27,7M": 27_700_000,
    "27,7 miljoen": 27_700_000,
    "27,7 mln": 27_700_000,
    "€ 27,7 miljoen": 27_700_000,
    "1,5 miljard": 1_500_000_000,
    "1,5 mld": 1_500_000_000,
    "250k": 250_000,
    "250 duizend": 250_000,
    25_000_000: 25_000_000,  # revision 1, stays
    "27.7M": 27_700_000,  # revision 1, stays
    "1.500,5M": 1_500_500_000,  # grouping dots and a decimal comma, each in its place
    10**15: 10**15,  # the largest amount
}

REFUSED = {
    "1.500M": "is ambiguous",
    "2.500k": "is ambiguous",
    "1,500.5M": "mixes its marks",
    "5.00.000": "not in threes",
    "1234567890123456789": "more than 18 digits of euros",
    "000000000000000000001": "more than 18 digits of euros",
    "2.000.000.000.000.000": "above the largest amount",
    10**15 + 1: "above the largest amount",
    10**400: "above the largest amount",
    "٥٠٠k": "a digit that is not 0-9",
    "５M": "a digit that is not 0-9",
    "1,5bn": "'bn' is not a suffix",
    "1.0000000000000000000000000001M": "a fraction of a euro",
    "1,0000001M": "a fraction of a euro",
    "5,": "is not a number",
}


def views_amounts(tmp_path, table):
    views = next((tmp_path / "cache").rglob("views-*.sqlite"))
    with sqlite3.connect(views) as connection:
        return connection.execute(f"SELECT amount, typeof(amount) FROM {table}").fetchall()


def budget_of(amount):
    return [opening(budget=[{"party": "RIJK", "year": 2025, "amount": amount}]), party("RIJK")]


@pytest.mark.parametrize("written", ACCEPTED, ids=str)
def test_every_form_of_the_table_imports_to_the_exact_integer(written, akkoord, store, tmp_path):
    result = akkoord("--db", store, "import", write_log(tmp_path, budget_of(written)))
    assert result.status == 0, result.err
    budget = akkoord("--db", store, "log", "--json").json()[0]["data"]["budget"]
    assert budget[0]["amount"] == ACCEPTED[written]
    assert views_amounts(tmp_path, "budget_lines") == [(ACCEPTED[written], "integer")]


@pytest.mark.parametrize("written", REFUSED, ids=lambda value: str(value)[:40])
def test_every_refused_form_exits_2_stores_nothing_and_names_the_problem(
        written, akkoord, store, tmp_path):
    result = akkoord("--db", store, "import", write_log(tmp_path, budget_of(written)))
    assert result.status == 2
    assert REFUSED[written] in result.err, result.err
    assert "events[0]" in result.err and "budget[0].amount" in result.err
    assert "Traceback" not in result.err
    assert count_events(store) == 0 and not store.exists()


def test_the_ambiguous_amount_names_both_readings_and_how_to_write_each(akkoord, store, tmp_path):
    result = akkoord("--db", store, "import", write_log(tmp_path, budget_of("1.500M")))
    assert result.status == 2
    assert "€ 1.500.000.000" in result.err and "€ 1.500.000" in result.err
    assert '"1500M"' in result.err and '"1,5M"' in result.err


def test_the_views_hold_the_largest_amounts_as_integers_and_json_never_says_infinity(
        akkoord, store, tmp_path):
    item = {"id": "groot", "purpose": "p", "recipient": "B",
            "amounts": [{"year": 2025, "amount": 10**15}, {"from": 2026, "amount": "1000 mld"}]}
    events = [*basic_dossier()[:4],
              {"type": "proposal_revised", "date": "2025-06-27", "revision": 1, "status": "draft",
               "proposed_by": ["A"], "items": [item]},
              {"type": "claim_lodged", "date": "2025-06-27", "id": "k", "by": "A", "against": "B",
               "subject": "geld", "summary": "meer", "amount": "999.999.999.999.999"}]
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0
    proposal = akkoord("--db", store, "proposal", "--json")
    assert proposal.status == 0 and "Infinity" not in proposal.out
    assert str(10**15) in proposal.out
    claims = akkoord("--db", store, "claims", "--json").json()
    assert claims[0]["amount"] == 999_999_999_999_999
    assert views_amounts(tmp_path, "claims") == [(999_999_999_999_999, "integer")]
    for command in ("status", "proposal", "claims"):
        shown = akkoord("--db", store, command)
        assert shown.status == 0 and "Traceback" not in shown.err
