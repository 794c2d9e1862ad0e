"""The stakeholder graph: a networkx projection of the read models, on both time axes.

Everything comes from ``Queries`` with the caller's ``Axes``, so ``--as-of`` and ``--known-at``
shape the graph exactly as they shape the registers. The graph is a ``MultiDiGraph``:

- nodes: parties (stakeholder ids, ``kind`` is the stakeholder's kind), ``task:SLUG``,
  ``topic:SLUG``, ``item:ID``, ``claim:ID`` and ``proposal:rN``; every node has ``kind``,
  ``category`` (``party`` or the prefix), ``label``, ``start`` and ``sources``.
- edges: ``relation`` is ``stance``, ``alignment``, ``role``, ``commitment`` or ``claim`` (the
  contract of ``akkoord graph`` in cli.md). Every edge has ``sources`` (the positions of the
  events it came from) and ``start``; an edge that stopped holding (a stance or role superseded,
  an alignment that changed, a commitment kept or withdrawn, a claim settled) has ``end``. The
  graph keeps that history so a dynamic export can replay it; ``current_edges`` gives what holds.

Dates are ISO strings here, as every export writes them. An alignment has no direction: its edge
runs from the party first in alphabetical order. networkx is imported inside the functions, so
only the commands that draw the graph pay for it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from itertools import combinations
from typing import TYPE_CHECKING, Any

from akkoord.projections.alignment import (
    ALIGNED_PARTIES,
    STANCE_SIGN,
    AlignmentTally,
    Pair,
    most_engaged,
    present,
)
from akkoord.projections.axes import Axes
from akkoord.projections.queries import Queries

if TYPE_CHECKING:
    import networkx as nx

Edge = tuple[str, str, str, dict[str, Any]]  # from, to, key, attributes

RELATIONS = ("stance", "alignment", "role", "commitment", "claim")
CATEGORIES = ("party", "task", "topic", "item", "claim", "proposal")

def category(node: str) -> str:
    prefix, colon, _rest = node.partition(":")
    return prefix if colon and prefix in CATEGORIES else "party"


def short_name(node: str) -> str:
    """The node id without its category prefix: ``navo-norm`` for ``topic:navo-norm``."""
    return node.partition(":")[2] if category(node) != "party" else node


def derive_alignments(stances: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Alignment between every two parties that took a stance on the same subjects.

    ``stances`` are the current stances (one per party and subject) with ``stakeholder``,
    ``subject``, ``stance`` and ``position``. The agreement score is the mean of
    ``subject_agreement`` over the shared subjects, the sign is the sign of that score and the
    weight the number of shared subjects.
    """
    tally = AlignmentTally()
    for stance in stances:
        tally.take(stance)
    return {pair: {name: value for name, value in alignment.items() if name != "start"}
            for pair, alignment in tally.alignments()}


def build_graph(queries: Queries, negotiation: str, axes: Axes) -> nx.MultiDiGraph:
    """The stakeholder graph of one dossier as it stands on ``axes``."""
    import networkx as nx

    queries.dossier(negotiation, axes)
    graph = nx.MultiDiGraph(name=negotiation)
    if axes.as_of is not None:
        graph.graph["as_of"] = axes.as_of.isoformat()
    if axes.known_at is not None:
        graph.graph["known_at"] = axes.known_at
    builder = _Builder(graph)

    for party in queries.stakeholders(negotiation, axes):
        builder.node(party["id"], kind=party["kind"], label=party["name"], start=party["date"],
                     sources=party["sources"], member_of=party["member_of"])
    _add_proposals(builder, queries, negotiation, axes)
    for claim in queries.claims(negotiation, axes):
        builder.node(f"claim:{claim['id']}", label=claim["subject"], start=claim["date"],
                     sources=claim["sources"], status=claim["status"], amount=claim["amount"])
        builder.edge(claim["by"], claim["against"], f"claim:{claim['id']}", "claim",
                     start=claim["date"], end=claim["settled_on"], sources=claim["sources"],
                     id=claim["id"], status=claim["status"], amount=claim["amount"])
    stances = queries.stance_history(negotiation, axes)
    for stance, end in _superseded(stances, ("stakeholder", "subject")):
        subject = stance["subject"]
        builder.node(subject, label=short_name(subject), start=stance["date"],
                     sources=[stance["position"]])
        builder.edge(stance["stakeholder"], subject,
                     f"stance:{stance['stakeholder']}:{subject}:{stance['position']}", "stance",
                     start=stance["date"], end=_earliest(end, graph.nodes[subject].get("end")),
                     sources=[stance["position"]],
                     stance=stance["stance"], sign=STANCE_SIGN[stance["stance"]])
    _add_derived_alignments(builder, _derived_alignments(queries, negotiation, axes, stances))
    _add_declared_alignments(builder, queries.alignments(negotiation, axes))
    for role, end in _superseded(queries.roles(negotiation, axes), ("task", "stakeholder")):
        task = f"task:{role['task']}"
        builder.node(task, label=role["task"], start=role["date"], sources=[role["position"]])
        builder.edge(role["stakeholder"], task,
                     f"role:{role['task']}:{role['stakeholder']}:{role['position']}", "role",
                     start=role["date"], end=end, sources=[role["position"]], role=role["role"])
    for commitment in queries.commitments(negotiation, axes):
        ended = [h["date"] for h in commitment["history"]
                 if h["type"] in ("commitment_fulfilled", "commitment_withdrawn")]
        for party in commitment["to"]:
            builder.edge(commitment["by"], party, f"commitment:{commitment['id']}:{party}",
                         "commitment", start=commitment["date"], end=ended[-1] if ended else None,
                         sources=commitment["sources"], id=commitment["id"],
                         status=commitment["status"], due=commitment["due"])
    builder.finish()
    return graph


def current_edges(graph: nx.MultiDiGraph, relation: str | None = None) -> Iterator[Edge]:
    """The edges that still hold on the graph's date: those without an ``end``."""
    for u, v, key, data in graph.edges(keys=True, data=True):
        if "end" not in data and (relation is None or data["relation"] == relation):
            yield u, v, key, data


def parties(graph: nx.MultiDiGraph) -> list[str]:
    return sorted(n for n, data in graph.nodes(data=True) if data["category"] == "party")


class _Builder:
    """Adds nodes and edges, leaving out attributes without a value (no export takes None)."""

    def __init__(self, graph: nx.MultiDiGraph):
        self.graph = graph
        # The sources of topics and tasks, gathered as they are mentioned and sorted once at
        # the end: sorting at every mention made a long dossier's graph quadratic.
        self.mentions: dict[str, set[int]] = {}

    def node(self, node: str, **attributes: Any) -> None:
        kind = category(node)
        if node in self.graph:
            if kind in ("topic", "task"):  # no event defines these: the mentions are its sources
                known = self.graph.nodes[node]
                known["start"] = min(known["start"], attributes["start"])
                self.mentions.setdefault(node, set(known["sources"])).update(attributes["sources"])
            return
        attributes.setdefault("kind", kind)
        self.graph.add_node(node, category=kind, **_present(attributes))

    def finish(self) -> None:
        for node, sources in self.mentions.items():
            self.graph.nodes[node]["sources"] = sorted(sources)

    def edge(self, u: str, v: str, key: str, relation: str, **attributes: Any) -> None:
        self.graph.add_edge(u, v, key=key, relation=relation, **_present(attributes))


def _earliest(*dates: str | None) -> str | None:
    """The first of the dates given (None: no end)."""
    return min((d for d in dates if d is not None), default=None)


def _present(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in attributes.items() if value is not None}


def _superseded(rows: list[dict[str, Any]],
                same: tuple[str, ...]) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Each row with the date on which a later row about the same thing replaced it (or None).

    Rows come in (date, position) order, the order the log format says decides which is later.
    """
    later: dict[tuple[Any, ...], str] = {}
    ends: list[str | None] = []
    for row in reversed(rows):
        key = tuple(row[name] for name in same)
        ends.append(later.get(key))
        later[key] = row["date"]
    yield from zip(rows, reversed(ends))


def _add_proposals(builder: _Builder, queries: Queries, negotiation: str, axes: Axes) -> None:
    """A node per revision and per item; each revision with its agreements and its state.

    ``state`` is ``current`` for the latest revision and ``superseded`` (with ``end``, the date
    of the next one) for the others; ``agreed_by`` lists the parties that reached an agreement
    on it and ``agreed_on`` the first such date. Read in two queries, whatever the number of
    revisions.
    """
    where, params = axes.where("r")
    rows = queries.db.execute(
        "SELECT r.revision, r.date, r.position, r.status, i.item_id, i.purpose, i.recipient "
        "FROM revisions AS r LEFT JOIN revision_items AS i ON i.position = r.position "
        f"WHERE r.negotiation = ? AND {where} ORDER BY r.date, r.position, i.item_order",
        [negotiation, *params]).fetchall()
    where, params = axes.where()
    agreed: dict[int, dict[str, Any]] = {}
    for revision, parties_json, on, position in queries.db.execute(
            f"SELECT revision, parties, date, position FROM agreements WHERE negotiation = ? "
            f"AND {where} ORDER BY date, position", [negotiation, *params]):
        agreement = agreed.setdefault(revision, {"agreed_on": on, "agreed_by": [],
                                                 "agreement_sources": []})
        agreement["agreed_by"] += [p for p in json.loads(parties_json)
                                   if p not in agreement["agreed_by"]]
        agreement["agreement_sources"].append(position)
    revisions: dict[int, dict[str, Any]] = {}  # by position, in (date, position) order
    for revision, on, position, status, *item in rows:
        revisions.setdefault(position, {"revision": revision, "date": on, "status": status,
                                        "items": []})
        if item[0] is not None:
            revisions[position]["items"].append(item)
    ordered = list(revisions.items())
    items: dict[str, dict[str, Any]] = {}
    for index, (position, row) in enumerate(ordered):
        following = ordered[index + 1][1]["date"] if index + 1 < len(ordered) else None
        agreement = agreed.get(row["revision"], {})
        builder.node(f"proposal:r{row['revision']}", label=f"revision {row['revision']}",
                     start=row["date"], end=following,
                     sources=[position, *agreement.get("agreement_sources", [])],
                     revision=row["revision"],
                     status="agreed" if agreement else row["status"],
                     state="superseded" if following else "current",
                     agreed_by=agreement.get("agreed_by"), agreed_on=agreement.get("agreed_on"))
        for item_id, purpose, recipient in row["items"]:
            seen = items.setdefault(item_id, {"start": row["date"], "sources": []})
            seen.update(label=purpose, recipient=recipient, revision=row["revision"],
                        end=following)
            seen["sources"].append(position)
    for item_id, item in items.items():
        builder.node(f"item:{item_id}", **item)


def _derived_alignments(queries: Queries, negotiation: str, axes: Axes,
                        stances: list[dict[str, Any]]
                        ) -> tuple[list[tuple[Pair, dict[str, Any]]], int, int]:
    """The alignment of each pair of the most engaged parties, as it holds on the graph's date:
    (pair, alignment) in pair order, the number of parties with a stance and the number kept.

    The present (no ``--as-of``, no ``--known-at``) is read from the alignment view, which keeps
    it as running sums (projections/alignment.py); the past is tallied from the stances as they
    stood, by the same rule: a stance touches only the pairs of the party that took it with the
    others kept that hold a stance on its subject.
    """
    if axes.as_of is None and axes.known_at is None:
        found = present(queries.db, negotiation, ALIGNED_PARTIES)
        if found is not None:
            return found
    engagement: dict[str, set[str]] = defaultdict(set)
    for stance in stances:
        engagement[stance["stakeholder"]].add(stance["subject"])
    chosen = set(most_engaged({party: len(held) for party, held in engagement.items()},
                              ALIGNED_PARTIES))
    tally = AlignmentTally()
    for stance in stances:
        if stance["stakeholder"] in chosen:
            tally.take(stance)
    return list(tally.alignments()), len(engagement), len(chosen)


def _add_derived_alignments(builder: _Builder,
                            found: tuple[list[tuple[Pair, dict[str, Any]]], int, int]) -> None:
    """One alignment edge per pair; its ``start`` is the day a stance of either party on a
    subject both hold last changed it (the stance edges keep the history that led there)."""
    alignments, ranked, chosen = found
    if ranked > chosen:
        builder.graph.graph["alignment_parties"] = chosen
        builder.graph.graph["alignment_parties_left_out"] = ranked - chosen
    for pair, alignment in alignments:
        builder.edge(*pair, f"alignment:{pair[0]}:{pair[1]}", "alignment", declared=False,
                     **alignment)


def _add_declared_alignments(builder: _Builder, declarations: list[dict[str, Any]]) -> None:
    """One declared edge per pair, however many declarations name it (its weight)."""
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for declaration in declarations:
        for pair in combinations(sorted(set(declaration["parties"])), 2):
            edge = pairs.setdefault(pair, {"start": declaration["date"], "sources": [],
                                           "toward": []})
            edge["sources"].append(declaration["position"])
            if declaration["toward"] and declaration["toward"] not in edge["toward"]:
                edge["toward"].append(declaration["toward"])
    for (a, b), edge in pairs.items():
        builder.edge(a, b, f"alignment:declared:{a}:{b}", "alignment", start=edge["start"],
                     sources=edge["sources"], declared=True, sign=1, weight=len(edge["sources"]),
                     agreement=1.0, toward=" ".join(edge["toward"]) or None)
