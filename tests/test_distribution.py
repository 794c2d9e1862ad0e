"""Distribution keys (log format revision 2): the division of an item over the regions, exactly,
on both time axes, in proposal, status and diff, and every refusal of a key."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import lcm

import pytest

from conftest import count_events, opening, party, revision, write_log

D = "2025-06-27"


def region_values(count: int = 25) -> list[dict]:
    """25 regions whose values make every share a fraction with a large denominator, so that
    the floors leave euros over in every year (the test checks that they do)."""
    return [{"id": f"VR{n:02d}", "name": f"Regio {n}", "inwoners": 150_000 + 37_771 * n + n * n,
             "woonruimten": f"{60_000 + 14_657 * n}.{n % 7}", "oppervlakte": f"{n * 13 % 97},25"}
            for n in range(1, count + 1)]


WEIGHTS = {"inwoners": "7.31", "woonruimten": "13.1", "oppervlakte": "-2.5"}
FIXED = 1_234_567


def key(id: str = "bdur-2027", regions: list[dict] | None = None, date: str = D,
        **extra) -> dict:
    fields = {"method": "formula", "weights": WEIGHTS, "fixed": FIXED}
    fields.update(extra)
    return {"type": "distribution_key_recorded", "date": date, "id": id,
            "title": "BDuR-systematiek (voorbeeld)",
            "source": {"document": "test figures", "section": "none"},
            "regions": regions if regions is not None else region_values(), **fields}


def shares_key(id: str = "gelijk", weights: list = (3, "1.5", "2,25", 7), date: str = D) -> dict:
    return {"type": "distribution_key_recorded", "date": date, "id": id, "method": "shares",
            "title": "given shares",
            "regions": [{"id": f"R{n}", "name": f"R {n}", "weight": w}
                        for n, w in enumerate(weights, start=1)]}


def item(distribution: str | None, amounts: list | None = None) -> dict:
    record = {"id": "versterking", "purpose": "versterking veiligheidsregio's",
              "recipient": "VR",
              "amounts": amounts or [{"year": 2025, "amount": 10_000_003},
                                     {"year": 2026, "amount": 7_777_777},
                                     {"from": 2027, "amount": "25M"}]}
    if distribution is not None:
        record["distribution"] = distribution
    return record


def dossier(*events: dict) -> list[dict]:
    return [opening(), party("A"), party("VR", "region"), *events]


def imported(akkoord, tmp_path, store, events, name="log.json"):
    result = akkoord("--db", store, "import", write_log(tmp_path, events, name=name))
    assert result.status == 0, result.err
    return result


# -- the division, computed a second way -----------------------------------------------------


def exact_number(text) -> Fraction:
    return Fraction(Decimal(str(text).replace(",", ".")))


def expected_division(amount: int, bases: dict[str, Fraction]) -> tuple[dict[str, int], int]:
    """The largest-remainder rule, in integers: every base scaled by the common denominator.
    Returns the division and how many euros the floors left over."""
    denominator = lcm(*(b.denominator for b in bases.values()))
    scaled = {r: int(b * denominator) for r, b in bases.items()}
    total = sum(scaled.values())
    result = {r: amount * s // total for r, s in scaled.items()}
    order = sorted(scaled, key=lambda r: (-(amount * scaled[r] % total), -scaled[r], r))
    left = amount - sum(result.values())
    assert 0 <= left < len(bases)
    for r in order[:left]:
        result[r] += 1
    return result, left


def divided_as_the_rule_says(division: dict, bases: dict[str, Fraction]) -> int:
    """Asserts every region's euros in every year of ``distribute --json``, and that they sum to
    the item's amount; returns how many euros the floors left over in all (the rule's work)."""
    euros_left_by_floors = 0
    for year, amount in division["total"].items():
        expected, left = expected_division(amount, bases)
        euros_left_by_floors += left
        assert {r["id"]: r["by_year"][year] for r in division["regions"]} == expected
        assert sum(r["by_year"][year] for r in division["regions"]) == amount
    return euros_left_by_floors


def formula_bases(regions: list[dict]) -> dict[str, Fraction]:
    return {r["id"]: FIXED + sum(exact_number(w) * exact_number(r[m]) for m, w in WEIGHTS.items())
            for r in regions}


def test_a_25_region_formula_key_divides_every_year_exactly_as_the_formula_says(akkoord, tmp_path,
                                                                               store):
    imported(akkoord, tmp_path, store, dossier(key(), revision(1, [item("bdur-2027")])))
    result = akkoord("--db", store, "distribute", "versterking", "--json")
    assert result.status == 0, result.err
    division = result.json()
    assert (division["item"], division["key"], division["method"]) == \
        ("versterking", "bdur-2027", "formula")
    assert division["years"] == [2025, 2026, 2027]
    assert division["total"] == {"2025": 10_000_003, "2026": 7_777_777, "2027": 25_000_000}
    bases = formula_bases(region_values())
    assert len(bases) == 25
    assert [r["id"] for r in division["regions"]] == list(bases)
    assert divided_as_the_rule_says(division, bases) > 0  # remainders forced: the rule was used
    total_base = sum(bases.values())
    for region in division["regions"]:
        share = bases[region["id"]] / total_base
        assert region["share"] == f"{share.numerator}/{share.denominator}"


def test_a_shares_key_divides_by_the_given_weights_exactly(akkoord, tmp_path, store):
    imported(akkoord, tmp_path, store, dossier(shares_key(), revision(1, [item("gelijk")])))
    division = akkoord("--db", store, "distribute", "versterking", "--json").json()
    bases = {"R1": Fraction(3), "R2": Fraction(3, 2), "R3": Fraction(9, 4), "R4": Fraction(7)}
    assert divided_as_the_rule_says(division, bases) > 0
    assert [r["share"] for r in division["regions"]] == ["12/55", "6/55", "9/55", "28/55"]


# -- refusals: exit 2, the reason named, nothing stored ------------------------------------------


def regions_with(**changes) -> list[dict]:
    """The 25 regions, with region VR03's fields changed (None removes a field)."""
    regions = region_values()
    for field, value in changes.items():
        if value is None:
            regions[2].pop(field)
        else:
            regions[2][field] = value
    return regions


KEY_REFUSALS = {
    "a region id repeats": ([key(regions=regions_with(id="VR01"))],
                            "region id 'VR01' repeats in the key"),
    "a region misses a maatstaf": ([key(regions=regions_with(woonruimten=None))],
                                   "region 'VR03' is missing maatstaf 'woonruimten' of weights"),
    "a base of zero": ([key(fixed=0, weights={"inwoners": "1", "oppervlakte": "-1"},
                            regions=[{"id": "A1", "name": "a", "inwoners": 5, "oppervlakte": 5},
                                     {"id": "A2", "name": "b", "inwoners": 5, "oppervlakte": 1}])],
                       "region 'A1': its base (fixed + weighted maatstaven) 0 must be positive"),
    "a negative base": ([key(fixed=10, weights={"inwoners": "1", "oppervlakte": "-1"},
                             regions=[{"id": "A1", "name": "a", "inwoners": 5, "oppervlakte": 1},
                                      {"id": "A2", "name": "b", "inwoners": 1, "oppervlakte": 20}])],
                        "region 'A2': its base (fixed + weighted maatstaven) -9 must be positive"),
    "a share weight of zero": ([shares_key(weights=(1, 0))], "region 'R2': its weight must be positive"),
    "a negative share weight": ([shares_key(weights=(1, "-2"))],
                                "region 'R2': weight must not be negative"),
    "an unknown method": ([key(method="by-population")],
                          "method must be formula or shares, not 'by-population'"),
    "one region": ([key(regions=region_values(1))], "a key divides over at least 2 regions, not 1"),
    "no regions": ([key(regions=[])], "a key divides over at least 2 regions, not 0"),
    "a key id already recorded": ([shares_key(id="k"), shares_key(id="k")],
                                  "distribution key 'k' is already recorded"),
    "a float for a value": ([key(regions=regions_with(inwoners=1.5))], "not 1.5"),
    "a maatstaf value that is not a number": ([key(regions=regions_with(inwoners="veel"))],
                                              "'veel' is not a number"),
    "a negative maatstaf value": ([key(regions=regions_with(inwoners=-3))],
                                  "inwoners must not be negative"),
    "a field that is no maatstaf": ([key(regions=regions_with(inwonres=4))],
                                    "'inwonres' is not a maatstaf of weights"),
    "formula without fixed": ([key(fixed=None)], "fixed (the amount every region gets first) is required"),
    "formula without weights": ([key(weights=None)], "weights (maatstaf: euros per unit) is required"),
    "a key id that is no slug": ([key(id="bdur 2027")], "key id 'bdur 2027' is not a slug"),
    "retiring a key never recorded": ([{"type": "distribution_key_retired", "date": D, "id": "nope",
                                        "reason": "x"}], "distribution key 'nope' is not recorded"),
    "retiring a key twice": ([shares_key(id="k"),
                              {"type": "distribution_key_retired", "date": D, "id": "k", "reason": "a"},
                              {"type": "distribution_key_retired", "date": D, "id": "k", "reason": "b"}],
                             "distribution key 'k' is already retired"),
}


@pytest.mark.parametrize("case", list(KEY_REFUSALS))
def test_a_refused_key_exits_2_naming_the_event_and_stores_nothing(akkoord, tmp_path, store, case):
    def strip_none(event):
        return {k: v for k, v in event.items() if v is not None}

    imported(akkoord, tmp_path, store, dossier(), name="first.json")
    before = count_events(store)
    events, reason = KEY_REFUSALS[case]
    result = akkoord("--db", store, "import",
                     write_log(tmp_path, [strip_none(e) for e in events], name="key.yaml"))
    assert result.status == 2
    assert "key.yaml: events[" in result.err and reason in result.err, result.err
    assert "nothing of this file was stored" in result.err
    assert count_events(store) == before


# -- which items are divided, and when ------------------------------------------------------------


def test_an_item_whose_distribution_names_no_key_stays_free_text(akkoord, tmp_path, store):
    imported(akkoord, tmp_path, store,
             dossier(shares_key(), revision(1, [item("BDuR-systematiek")])))
    result = akkoord("--db", store, "distribute", "versterking")
    assert result.status == 2
    assert "'BDuR-systematiek' (free text): no distribution key of that name is recorded" in result.err
    assert "keys recorded: gelijk" in result.err
    proposal = akkoord("--db", store, "proposal", "--json").json()
    assert proposal["items"][0]["distribution"] == "BDuR-systematiek"
    assert proposal["items"][0]["key"] is None
    shown = akkoord("--db", store, "proposal").out
    assert "versterking: 'BDuR-systematiek' (free text: no distribution key of that name" in shown
    # --key divides it by a key that is recorded, to compare
    compared = akkoord("--db", store, "distribute", "versterking", "--key", "gelijk", "--json")
    assert compared.status == 0 and compared.json()["key"] == "gelijk"


def test_proposal_and_status_show_the_key_of_an_item(akkoord, tmp_path, store):
    imported(akkoord, tmp_path, store, dossier(key(), revision(1, [item("bdur-2027")])))
    proposal = akkoord("--db", store, "proposal", "--json").json()
    summary = proposal["items"][0]["key"]
    assert (summary["id"], summary["method"], summary["regions"]) == ("bdur-2027", "formula", 25)
    bases = formula_bases(region_values())
    assert summary["largest"]["id"] == max(bases, key=bases.get)
    assert summary["smallest"]["id"] == min(bases, key=bases.get)
    for command in ("proposal", "status"):
        shown = akkoord("--db", store, command).out
        assert ("versterking: key bdur-2027 (formula, 25 regions); largest share Regio 25"
                in shown), shown
        assert "see akkoord distribute versterking" in shown


def test_a_new_key_version_and_a_revision_moving_the_item_to_it_on_both_axes(akkoord, tmp_path,
                                                                             store):
    imported(akkoord, tmp_path, store,
             dossier(key(), revision(1, [item("bdur-2027")])), name="first.json")
    first_known = count_events(store)
    new_regions = region_values()
    new_regions[0]["inwoners"] += 250_000  # VR01 grows in the new figures
    imported(akkoord, tmp_path, store, [
        key(id="bdur-2028", regions=new_regions, date="2025-09-01"),
        revision(2, [item("bdur-2028")], date="2025-09-01")], name="second.json")

    def division(*axes):
        result = akkoord("--db", store, "distribute", "versterking", "--json", *axes)
        assert result.status == 0, result.err
        return result.json()

    old, new = formula_bases(region_values()), formula_bases(new_regions)
    for axes, bases, key_id in [(("--known-at", str(first_known)), old, "bdur-2027"),
                                ((), new, "bdur-2028"),
                                (("--as-of", "2025-08-31"), old, "bdur-2027"),
                                (("--as-of", "2025-09-01"), new, "bdur-2028")]:
        answer = division(*axes)
        assert answer["key"] == key_id, axes
        divided_as_the_rule_says(answer, bases)

    diff = akkoord("--db", store, "diff", "1", "2", "--json").json()
    changed = diff["items"][0]
    assert changed["keys"] == {"from": "bdur-2027", "to": "bdur-2028"}
    for region in changed["regions"]:
        for year, cell in region["by_year"].items():
            amount = diff["total"][year]["to"]
            before = expected_division(amount, old)[0][region["id"]]
            after = expected_division(amount, new)[0][region["id"]]
            assert (cell["from"], cell["to"], cell["delta"]) == (before, after, after - before)
    assert changed["regions"][0]["by_year"]["2027"]["delta"] > 0  # VR01 gains
    shown = akkoord("--db", store, "diff", "1", "2").out
    assert "versterking: what each region gains or loses (key bdur-2027 -> key bdur-2028)" in shown
    gain = changed["regions"][0]["by_year"]["2027"]["delta"]
    assert f"+€ {gain:,}".replace(",", ".") in shown


def test_diff_shows_each_region_when_the_amount_changes_under_the_same_key(akkoord, tmp_path,
                                                                           store):
    imported(akkoord, tmp_path, store, dossier(
        shares_key(), revision(1, [item("gelijk")]),
        revision(2, [item("gelijk", [{"from": 2027, "amount": "30M"}])])))
    changed = akkoord("--db", store, "diff", "1", "2", "--json").json()["items"][0]
    bases = {"R1": Fraction(3), "R2": Fraction(3, 2), "R3": Fraction(9, 4), "R4": Fraction(7)}
    cell = changed["regions"][3]["by_year"]["2027"]
    before = expected_division(25_000_000, bases)[0]["R4"]
    after = expected_division(30_000_000, bases)[0]["R4"]
    assert cell == {"from": before, "to": after, "delta": after - before}
    unchanged = akkoord("--db", store, "diff", "1", "1", "--json").json()["items"][0]
    assert "regions" not in unchanged


def test_a_retired_or_retracted_key_divides_no_more_but_did_before(akkoord, tmp_path, store):
    imported(akkoord, tmp_path, store, dossier(
        shares_key(), {**shares_key(id="tweede"), "ref": "tweede-key"},
        revision(1, [item("gelijk")])), name="first.json")
    known = count_events(store)
    imported(akkoord, tmp_path, store, [
        {"type": "distribution_key_retired", "date": "2025-10-01", "id": "gelijk",
         "reason": "de nieuwe Regeling"},
        {"type": "event_retracted", "date": "2025-10-01", "retracts": "tweede-key",
         "reason": "verkeerd overgenomen"}], name="second.json")
    result = akkoord("--db", store, "distribute", "versterking")
    assert result.status == 2
    assert "distribution key 'gelijk' was retired on 2025-10-01: de nieuwe Regeling" in result.err
    assert "keys recorded: none" in result.err
    assert akkoord("--db", store, "distribute", "versterking", "--as-of", "2025-09-30").status == 0
    assert akkoord("--db", store, "distribute", "versterking", "--known-at", str(known)).status == 0
    assert akkoord("--db", store, "distribute", "versterking", "--key", "tweede").status == 2
    assert akkoord("--db", store, "distribute", "versterking", "--key", "tweede",
                   "--known-at", str(known)).status == 0
    assert akkoord("--db", store, "proposal", "--json").json()["items"][0]["key"] is None
    listed = akkoord("--db", store, "key", "list", "--json").json()
    assert [(k["id"], k["retired"]) for k in listed] == [
        ("gelijk", {"date": "2025-10-01", "reason": "de nieuwe Regeling"})]
    # the retraction left the id free: the key may be recorded again
    imported(akkoord, tmp_path, store, [shares_key(id="tweede", date="2025-10-02")], name="third.json")


def test_a_key_reads_back_from_export_as_the_same_event(akkoord, tmp_path, store):
    imported(akkoord, tmp_path, store, dossier(key(), revision(1, [item("bdur-2027")])))
    exported = tmp_path / "export.yaml"
    assert akkoord("--db", store, "export", "--format", "yaml", "-o", exported).status == 0
    again = tmp_path / "again.db"
    assert akkoord("--db", again, "import", exported).status == 0
    data = [e["data"] for e in akkoord("--db", store, "log", "--json").json()]
    assert [e["data"] for e in akkoord("--db", again, "log", "--json").json()] == data
    recorded = next(d for d in data if d["type"] == "distribution_key_recorded")
    assert recorded["weights"] == {"inwoners": "7.31", "woonruimten": "13.1", "oppervlakte": "-2.5"}
    assert recorded["regions"][0] == {"id": "VR01", "name": "Regio 1", "inwoners": 187772,
                                      "woonruimten": "74657.1", "oppervlakte": "13.25"}


def test_ties_in_the_remainder_go_to_the_larger_base_then_the_region_id():
    from akkoord.domain.distribution import Region, divide

    def regions(*bases):
        return [Region(f"R{n}", f"r{n}", Fraction(b)) for n, b in enumerate(bases, start=1)]

    # 2 euros by 1:3 is 0.5 and 1.5: equal remainders, the larger base gets the euro left
    assert divide(2, regions(1, 3)) == {"R1": 0, "R2": 2}
    assert divide(2, regions(3, 1)) == {"R1": 2, "R2": 0}
    # 100 euros in three equal parts: the euro left goes to the first region id in order
    assert divide(100, reversed(regions(1, 1, 1))) == {"R3": 33, "R2": 33, "R1": 34}
    # the largest remainder first: 10 by 1:1:1:3:4 is 1, 1, 1, 3, 4 exactly; 11 leaves one euro
    # whose largest remainder (0.1 x 4 = 0.4 of R5, against 0.3 of R4 and 0.1 of the others) wins
    assert divide(11, regions(1, 1, 1, 3, 4)) == {"R1": 1, "R2": 1, "R3": 1, "R4": 3, "R5": 5}


def test_log_position_shows_what_a_key_changed(akkoord, tmp_path, store):
    imported(akkoord, tmp_path, store, dossier(shares_key(), revision(1, [item("gelijk")])))
    shown = akkoord("--db", store, "log", "--position", "4").out
    assert "distribution_key_recorded" in shown and "+ distribution_keys gelijk" in shown
    entries = akkoord("--db", store, "log", "--json").json()
    assert entries[3]["summary"] == "distribution key gelijk (shares, 4 regions): given shares"
