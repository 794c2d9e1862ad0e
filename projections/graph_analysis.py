"""Reading the stakeholder graph: coalitions, structural balance, brokers and role division.

Coalitions are sought on the *signed* party graph: one tie per pair of parties, the sum over their
current alignment edges of ``agreement × weight`` (so a derived alignment counts its shared
subjects, each as far as the two agree, and a declared alignment counts its declarations), minus
one for every open claim between them. A partition into coalitions is judged by the criterion of
Doreian & Mrvar's signed blockmodeling (P. Doreian and A. Mrvar, "A partitioning approach to
structural balance", Social Networks 18 (1996) 149-168): the weight of the negative ties inside
coalitions plus the weight of the positive ties between them (α = ½). Up to ``EXACT_UP_TO``
parties every partition is tried; beyond that their relocation method runs, from several starts,
moving one party at a time while the criterion falls.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from akkoord.projections.graph import current_edges, parties

if TYPE_CHECKING:
    import networkx as nx

Ties = dict[tuple[str, str], float]

EXACT_UP_TO = 8
RELOCATION_STARTS = 12


def signed_ties(graph: nx.MultiDiGraph) -> Ties:
    """The signed party graph: pair (a, b) with a < b to a non-zero tie."""
    ties: dict[tuple[str, str], float] = defaultdict(float)
    for u, v, _key, data in current_edges(graph, "alignment"):
        ties[_pair(u, v)] += data["agreement"] * data["weight"]
    for u, v, _key, data in current_edges(graph, "claim"):
        if data["status"] == "open" and u != v:
            ties[_pair(u, v)] -= 1
    return {pair: round(tie, 6) for pair, tie in sorted(ties.items()) if round(tie, 6) != 0}


def frustration(ties: Ties, coalition_of: dict[str, int]) -> float:
    """Doreian & Mrvar's criterion: negative ties inside coalitions plus positive ties across."""
    return round(sum(_misfit(tie, coalition_of[a] == coalition_of[b])
                     for (a, b), tie in ties.items()), 6)


def _misfit(tie: float, together: bool) -> float:
    """How much one tie contradicts a partition: a quarrel inside, or a friendship across."""
    if together:
        return -tie if tie < 0 else 0.0
    return tie if tie > 0 else 0.0


def coalitions(ties: Ties) -> list[list[str]]:
    """The partition of the tied parties that minimises ``frustration``, largest coalition first."""
    members = sorted({party for pair in ties for party in pair})
    if not members:
        return []
    if len(members) <= EXACT_UP_TO:
        best = min(_partitions(members), key=lambda p: (frustration(ties, p), len(set(p.values()))))
    else:
        best = _relocate(members, ties)
    groups: dict[int, list[str]] = defaultdict(list)
    for party in members:
        groups[best[party]].append(party)
    return sorted(groups.values(), key=lambda group: (-len(group), group))


def balance(ties: Ties) -> dict[str, Any]:
    """Structural balance: the share of triangles of ties whose signs multiply to a positive."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    for a, b in ties:
        neighbours[a].add(b)
        neighbours[b].add(a)
    triangles = balanced = 0
    for a, b in ties:
        for c in neighbours[a] & neighbours[b]:
            if c > b:  # each triangle once: a < b < c
                triangles += 1
                balanced += ties[(a, b)] * ties[_pair(a, c)] * ties[_pair(b, c)] > 0
    return {"triangles": triangles, "balanced": balanced,
            "share": round(balanced / triangles, 4) if triangles else None}


def brokers(ties: Ties, groups: list[list[str]]) -> list[dict[str, Any]]:
    """Parties with a net positive tie to two or more coalitions (their own counts without them).

    A party whose one friendly tie into another camp is outweighed by its quarrels with that
    camp links nothing; one that is on good terms with both does. Ordered by betweenness on the
    positive ties, the share of shortest friendly paths between other parties that run through it.
    """
    import networkx as nx

    coalition_of = {party: number for number, group in enumerate(groups, 1) for party in group}
    net: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    friendly = nx.Graph()
    for (a, b), tie in ties.items():
        net[a][coalition_of[b]] += tie
        net[b][coalition_of[a]] += tie
        if tie > 0:
            friendly.add_edge(a, b)
    betweenness = nx.betweenness_centrality(friendly) if friendly else {}
    found = []
    for party, by_coalition in net.items():
        linked = sorted(number for number, tie in by_coalition.items() if tie > 0)
        if len(linked) >= 2:
            found.append({"party": party, "coalition": coalition_of[party], "links": linked,
                          "betweenness": round(betweenness.get(party, 0.0), 4)})
    return sorted(found, key=lambda b: (-len(b["links"]), -b["betweenness"], b["party"]))


def role_division(graph: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """For each task, who holds which role now, and what is missing or doubled."""
    tasks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for party, task, _key, data in current_edges(graph, "role"):
        tasks[task].append({"party": party, "role": data["role"], "since": data["start"],
                            "sources": data["sources"]})
    division = []
    for task, holders in sorted(tasks.items()):
        primary = sorted(h["party"] for h in holders if h["role"] == "primary")
        remarks = []
        if not primary:
            remarks.append("no party holds the primary role")
        elif len(primary) > 1:
            remarks.append(f"{len(primary)} parties hold the primary role: {', '.join(primary)}")
        division.append({"task": graph.nodes[task]["label"],
                         "roles": sorted(holders, key=lambda h: (h["role"], h["party"])),
                         "remarks": remarks})
    return division


def analyse(graph: nx.MultiDiGraph) -> dict[str, Any]:
    ties = signed_ties(graph)
    groups = coalitions(ties)
    coalition_of = {party: number for number, group in enumerate(groups, 1) for party in group}
    return {
        "negotiation": graph.graph["name"],
        "ties": [{"parties": list(pair), "tie": tie} for pair, tie in ties.items()],
        "coalitions": [{"number": number, "parties": group} for number, group in enumerate(groups, 1)],
        "frustration": frustration(ties, coalition_of),
        "unaligned": [p for p in parties(graph) if p not in coalition_of],
        "balance": balance(ties),
        "brokers": brokers(ties, groups),
        "roles": role_division(graph),
    }


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _partitions(members: list[str]) -> Iterator[dict[str, int]]:
    """Every partition of ``members`` (restricted growth strings), as party -> coalition."""
    def grow(index: int, labels: list[int], used: int) -> Iterator[list[int]]:
        if index == len(members):
            yield labels
            return
        for label in range(used + 1):
            labels.append(label)
            yield from grow(index + 1, labels, max(used, label + 1))
            labels.pop()

    for labels in grow(0, [], 0):
        yield dict(zip(members, labels))


def _relocate(members: list[str], ties: Ties) -> dict[str, int]:
    """Doreian & Mrvar's relocation: from each start, move single parties while that helps."""
    neighbours: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (a, b), tie in ties.items():
        neighbours[a].append((b, tie))
        neighbours[b].append((a, tie))
    friends: dict[str, int] = {}  # the start where each group of friends is one coalition
    for party in members:
        if party not in friends:
            friends[party] = len(set(friends.values()))
            stack = [party]
            while stack:
                for other, tie in neighbours[stack.pop()]:
                    if tie > 0 and other not in friends:
                        friends[other] = friends[party]
                        stack.append(other)
    chance = random.Random(len(members))  # seeded: the same graph always gives the same answer
    starts = [friends, dict.fromkeys(members, 0), {p: i for i, p in enumerate(members)}]
    while len(starts) < RELOCATION_STARTS:
        size = 2 + len(starts) % 5
        starts.append({p: chance.randrange(size) for p in members})
    best: dict[str, int] | None = None
    for start in starts:
        partition = _descend(start, members, neighbours)
        if best is None or (frustration(ties, partition), len(set(partition.values()))) < (
                frustration(ties, best), len(set(best.values()))):
            best = partition
    assert best is not None
    return best


def _descend(partition: dict[str, int], members: list[str],
             neighbours: dict[str, list[tuple[str, float]]]) -> dict[str, int]:
    partition = dict(partition)

    def cost(party: str, coalition: int) -> float:
        # What the party's ties add to the criterion if it sits in ``coalition``.
        return sum(_misfit(tie, partition[other] == coalition) for other, tie in neighbours[party])

    improved = True
    while improved:
        improved = False
        for party in members:
            here = partition[party]
            fresh = max(partition.values()) + 1
            options = sorted(set(partition.values()) | {fresh})
            target = min(options, key=lambda c: (cost(party, c), c != here, c))
            if cost(party, target) < cost(party, here) - 1e-9:
                partition[party] = target
                improved = True
    return partition
