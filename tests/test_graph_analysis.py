"""Coalitions on the signed party graph, structural balance, brokers and role division."""

from __future__ import annotations

import random
from pathlib import Path

from conftest import opening, party, write_log
from akkoord.projections.graph_analysis import EXACT_UP_TO, balance, coalitions, frustration


def stance(who: str, subject: str, word: str) -> dict:
    return {"type": "position_taken", "date": "2025-07-01", "stakeholder": who,
            "subject": subject, "stance": word, "summary": "-"}


def declared(*parties: str) -> dict:
    return {"type": "alignment_declared", "date": "2025-07-02", "parties": list(parties),
            "summary": "samen"}


def test_two_camps_and_a_broker(akkoord, tmp_path: Path):
    """A1-A3 for both topics, B1-B3 against; X is friends with A1 (twice) and with B1."""
    camp_a, camp_b = ["A1", "A2", "A3"], ["B1", "B2", "B3"]
    events = [opening(), *(party(p) for p in camp_a + camp_b + ["X"])]
    events += [stance(p, t, "support") for p in camp_a for t in ("topic:geld", "topic:taken")]
    events += [stance(p, t, "oppose") for p in camp_b for t in ("topic:geld", "topic:taken")]
    events += [declared("X", "A1"), declared("X", "A1"), declared("X", "B1")]
    store = tmp_path / "camps.db"
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0

    analysis = akkoord("--db", store, "graph", "--analyse", "--json").json()

    assert [c["parties"] for c in analysis["coalitions"]] == [["A1", "A2", "A3", "X"],
                                                              ["B1", "B2", "B3"]]
    # The only tie that goes against the split is X's friendship with B1.
    assert analysis["frustration"] == 1
    # 1 triangle in each camp, 9 + 9 across (two friends and a shared enemy: balanced), and
    # X-A1-B1 (two friends of X who are enemies): unbalanced.
    assert analysis["balance"] == {"triangles": 21, "balanced": 20, "share": round(20 / 21, 4)}
    assert [(b["party"], b["links"]) for b in analysis["brokers"]] == [("X", [1, 2])]
    assert analysis["unaligned"] == []
    text = akkoord("--db", store, "graph", "--analyse").out
    assert "1. A1, A2, A3, X" in text and "X links coalitions 1, 2" in text


def test_relocation_finds_planted_camps_beyond_the_exhaustive_size():
    """Three camps of eight, ties at random, one in ten of them against the camps."""
    chance = random.Random(7)
    camps = [[f"{c}{i:02d}" for i in range(8)] for c in "KLM"]
    members = [p for camp in camps for p in camp]
    assert len(members) > EXACT_UP_TO
    camp_of = {p: n for n, camp in enumerate(camps) for p in camp}
    ties, against = {}, 0
    for i, a in enumerate(members):
        for b in members[i + 1:]:
            if chance.random() < 0.6:
                sign = 1.0 if camp_of[a] == camp_of[b] else -1.0
                if chance.random() < 0.1:
                    sign, against = -sign, against + 1
                ties[(a, b)] = sign
    assert against > 10  # friendships across camps join them all in one group of friends
    found = coalitions(ties)
    assert found == sorted(sorted(camp) for camp in camps)
    assert frustration(ties, camp_of) == against


def test_exhaustive_search_prefers_fewer_coalitions_at_equal_frustration():
    # Three parties who all quarrel: three coalitions of one, and their triangle is unbalanced.
    ties = {("A", "B"): -1.0, ("A", "C"): -1.0, ("B", "C"): -1.0}
    assert coalitions(ties) == [["A"], ["B"], ["C"]]
    assert balance(ties) == {"triangles": 1, "balanced": 0, "share": 0.0}
    # Friends with no quarrel stay one coalition rather than being split for nothing.
    assert coalitions({("A", "B"): 1.0, ("B", "C"): 1.0}) == [["A", "B", "C"]]


def test_role_division_names_who_does_what_and_what_is_missing(akkoord, tmp_path: Path):
    role = lambda task, who, what: {"type": "role_assigned", "date": "2025-07-01", "task": task,
                                    "stakeholder": who, "role": what}
    events = [opening(), party("GEM", "municipality"), party("VR", "region"), party("RK", "other"),
              role("bevolkingszorg", "GEM", "primary"), role("bevolkingszorg", "VR", "regie"),
              role("nafase", "VR", "support"), role("nafase", "RK", "advisory")]
    store = tmp_path / "roles.db"
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0
    roles = akkoord("--db", store, "graph", "--analyse", "--json").json()["roles"]
    assert [(t["task"], [(r["role"], r["party"]) for r in t["roles"]], t["remarks"]) for t in roles] == [
        ("bevolkingszorg", [("primary", "GEM"), ("regie", "VR")], []),
        ("nafase", [("advisory", "RK"), ("support", "VR")], ["no party holds the primary role"]),
    ]


def test_example_analysis(akkoord, example_store):
    analysis = akkoord("--db", example_store, "graph", "--analyse", "--json").json()
    # VB and VNG act together toward the Rijk; the VB's four open claims set it against the Rijk.
    assert [c["parties"] for c in analysis["coalitions"]] == [["VB", "VNG"], ["RIJK"]]
    assert {tuple(t["parties"]): t["tie"] for t in analysis["ties"]} == {("RIJK", "VB"): -4,
                                                                          ("VB", "VNG"): 1}
    assert analysis["roles"][0]["task"] == "bevolkingszorg"
