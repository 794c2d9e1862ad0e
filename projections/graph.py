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

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from itertools import combinations
from typing import TYPE_CHECKING, Any

from akkoord.projections.queries import Axes, NotFound, Queries

if TYPE_CHECKING:
    import networkx as nx

Edge = tuple[str, str, str, dict[str, Any]]  # from, to, key, attributes

RELATIONS = ("stance", "alignment", "role", "commitment", "claim")
CATEGORIES = ("party", "task", "topic", "item", "claim", "proposal")

# Which side of a subject a stance is on: support, conditional and demand want something of it.
STANCE_SIGN = {"support": 1, "conditional": 1, "demand": 1, "neutral": 0, "oppose": -1}


def category(node: str) -> str:
    prefix, colon, _rest = node.partition(":")
    return prefix if colon and prefix in CATEGORIES else "party"


def short_name(node: str) -> str:
    """The node id without its category prefix: ``navo-norm`` for ``topic:navo-norm``."""
    return node.partition(":")[2] if category(node) != "party" else node


def subject_agreement(stance: str, other: str) -> float:
    """How far two stances on one subject agree: the alignment rule, per subject."""
    sign, other_sign = STANCE_SIGN[stance], STANCE_SIGN[other]
    if sign == 0 or other_sign == 0:
        return 0.0
    if sign != other_sign:
        return -1.0
    return 1.0 if stance == other else 0.5


def derive_alignments(stances: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Alignment between every two parties that took a stance on the same subjects.

    ``stances`` are the current stances (one per party and subject) with ``stakeholder``,
    ``subject``, ``stance`` and ``position``. The agreement score is the mean of
    ``subject_agreement`` over the shared subjects, the sign is the sign of that score and the
    weight the number of shared subjects.
    """
    by_subject: dict[str, dict[str, Mapping[str, Any]]] = defaultdict(dict)
    for stance in stances:
        by_subject[stance["subject"]][stance["stakeholder"]] = stance
    shared: dict[tuple[str, str], list[tuple[str, float, int, int]]] = defaultdict(list)
    for subject, held in by_subject.items():
        for a, b in combinations(sorted(held), 2):
            shared[(a, b)].append((subject, subject_agreement(held[a]["stance"], held[b]["stance"]),
                                   held[a]["position"], held[b]["position"]))
    alignments = {}
    for pair, subjects in sorted(shared.items()):
        score = round(sum(s[1] for s in subjects) / len(subjects), 3)
        alignments[pair] = {
            "sign": (score > 0) - (score < 0),
            "weight": len(subjects),
            "agreement": score,
            "subjects": sorted(s[0] for s in subjects),
            "sources": sorted({p for s in subjects for p in s[2:]}),
        }
    return alignments


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
                     start=stance["date"], end=end, sources=[stance["position"]],
                     stance=stance["stance"], sign=STANCE_SIGN[stance["stance"]])
    _add_derived_alignments(builder, stances)
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

    def node(self, node: str, **attributes: Any) -> None:
        kind = category(node)
        if node in self.graph:
            if kind in ("topic", "task"):  # no event defines these: the mentions are its sources
                known = self.graph.nodes[node]
                known["start"] = min(known["start"], attributes["start"])
                known["sources"] = sorted({*known["sources"], *attributes["sources"]})
            return
        attributes.setdefault("kind", kind)
        self.graph.add_node(node, category=kind, **_present(attributes))

    def edge(self, u: str, v: str, key: str, relation: str, **attributes: Any) -> None:
        self.graph.add_edge(u, v, key=key, relation=relation, **_present(attributes))


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
    revisions = queries.revisions(negotiation, axes)
    items: dict[str, dict[str, Any]] = {}
    for index, row in enumerate(revisions):
        try:
            proposal = queries.proposal(negotiation, axes, row["revision"])
        except NotFound:  # pragma: no cover - every listed revision is there on the same axes
            continue
        following = revisions[index + 1]["date"] if index + 1 < len(revisions) else None
        builder.node(f"proposal:r{row['revision']}", label=f"revision {row['revision']}",
                     start=row["date"], sources=[row["position"]], revision=row["revision"],
                     status=proposal["status"], end=following)
        for item in proposal["items"]:
            seen = items.setdefault(item["id"], {"start": row["date"], "sources": []})
            seen.update(label=item["purpose"], recipient=item["recipient"],
                        revision=row["revision"], end=following)
            seen["sources"].append(row["position"])
    for item_id, item in items.items():
        builder.node(f"item:{item_id}", **item)


def _add_derived_alignments(builder: _Builder, stances: list[dict[str, Any]]) -> None:
    """Alignment edges from stances, one per period in which the pair's alignment held still."""
    by_date: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for stance in stances:
        by_date[stance["date"]].append(stance)
    current: dict[tuple[str, str], dict[str, Any]] = {}
    holding: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    for day, taken in by_date.items():
        for stance in taken:
            current[(stance["stakeholder"], stance["subject"])] = stance
        alignments = derive_alignments(current.values())
        for pair in sorted(set(holding) | set(alignments)):
            before, now = holding.get(pair), alignments.get(pair)
            if before is not None and before[1] == now:
                continue
            if before is not None:
                builder.graph.edges[(*pair, before[0])]["end"] = day
                del holding[pair]
            if now is not None:
                key = f"alignment:{pair[0]}:{pair[1]}:{day}"
                builder.edge(*pair, key, "alignment", start=day, declared=False, **now)
                holding[pair] = (key, now)


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
