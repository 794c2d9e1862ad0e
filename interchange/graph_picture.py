"""The stakeholder graph as a picture (SVG or PNG), drawn by matplotlib without any system program.

The parties sit on a circle, grouped by coalition, so alignment shows as chords: short solid ones
inside a coalition, dashed ones across. Subjects (tasks, topics, items, claims, revisions) sit on
an outer ring near the parties that speak of them. Only what holds on the graph's date is drawn
(no superseded stance, no kept commitment); parallel edges of one kind are drawn once, with a
count. A legend names the colours, shapes and line styles, and lists the parties by name.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from akkoord.interchange.graph_style import (
    CATEGORY_SHAPES,
    KIND_COLOURS,
    LINES,
    SUBJECT_COLOUR,
    Line,
    edge_caption,
    line_of,
    node_colour,
    title,
)
from akkoord.interchange.text import shorten
from akkoord.projections.graph import CATEGORIES, current_edges, parties, short_name
from akkoord.projections.graph_analysis import coalitions, signed_ties

if TYPE_CHECKING:
    import networkx as nx

PARTY_RING = 1.0
SUBJECT_RING = 1.8
DASHES = {"solid": "-", "dashed": (0, (5, 3)), "dotted": (0, (1, 2)), "dashdot": (0, (6, 2, 1, 2))}
# Several kinds of edge between the same two nodes: the first runs straight, the others bend
# apart, first towards the middle of the picture, then away from it, then further.
BENDS = (0.0, 0.3, -0.3, 0.55, -0.55, 0.8, -0.8)
# Beyond this many edges of a relation, words on them would hide the drawing.
CAPTION_LIMITS = {"alignment": 12}
CAPTION_LIMIT = 40


def draw(graph: nx.MultiDiGraph, fmt: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # never a window: the picture goes to a file
    from matplotlib.figure import Figure

    positions, ring_size = _layout(graph)
    party_count = len(parties(graph))
    side = max(11.0, 0.13 * ring_size + 6.0)
    legend_width = 5.5 if party_count <= 30 else 8.5
    font = 10 if ring_size <= 30 else 8 if ring_size <= 70 else 7
    names = [_subject_name(graph, n) for n in graph if graph.nodes[n]["category"] != "party"]
    # room for the longest subject name outside the outer ring: reach * (1 - 2L/side) = ring + gap
    longest = max((len(name) for name in names), default=0) * font * 0.55 / 72
    reach = (SUBJECT_RING + 0.15) / max(1 - 2 * longest / side, 0.5)
    node_points = 15 if party_count <= 30 else 11
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "akkoord",
                                "font.size": font, "font.family": "DejaVu Sans"}):
        figure = Figure(figsize=(side + legend_width, side))
        axes = figure.add_axes((0.0, 0.0, side / (side + legend_width), 0.95))
        axes.set_aspect("equal")
        axes.axis("off")
        axes.set_xlim(-reach, reach)
        axes.set_ylim(-reach, reach)
        _draw_edges(axes, graph, positions, node_points, font)
        _draw_nodes(axes, graph, positions, node_points, font, radial_parties=party_count > 20)
        figure.suptitle(title(graph), fontsize=font + 4, x=0.02, ha="left")
        _draw_legend(figure, graph, side / (side + legend_width), font)
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=110,
                       metadata={"Date": None} if fmt == "svg" else {"Software": None})
    return buffer.getvalue()


# -- layout --------------------------------------------------------------------------------------


def _layout(graph: nx.MultiDiGraph) -> tuple[dict[str, tuple[float, float]], int]:
    """Parties on the inner ring by coalition; each subject on the outer ring near its parties."""
    groups = coalitions(signed_ties(graph))
    grouped = [party for group in groups for party in group]
    ordered = grouped + sorted((p for p in parties(graph) if p not in grouped),
                               key=lambda p: (graph.nodes[p]["kind"], p))
    angles = {party: math.pi / 2 - 2 * math.pi * i / max(len(ordered), 1)
              for i, party in enumerate(ordered)}
    anchors: dict[str, list[float]] = defaultdict(list)
    for u, v, key, data in current_edges(graph):
        for near, far in ((u, v), (v, u)):
            if near in angles and far not in angles:
                anchors[far].append(angles[near])
        if data["relation"] == "claim" and key in graph:  # a claim node sits by its parties
            anchors[key] += [angles[u], angles[v]]
    for node, data in graph.nodes(data=True):
        if data.get("recipient") in angles:
            anchors[node].append(angles[data["recipient"]])
    subjects = [n for n in graph if n not in angles]
    subjects.sort(key=lambda n: (CATEGORIES.index(graph.nodes[n]["category"]), n))
    wanted = {n: _mean_angle(anchors[n]) for n in subjects if anchors[n]}
    free = [n for n in subjects if n not in wanted]
    for index, node in enumerate(free):  # tied to no party on the ring: they go at the bottom
        wanted[node] = -math.pi / 2 + (index - (len(free) - 1) / 2) * 0.15
    spread = _spread(wanted)
    positions = {n: (PARTY_RING * math.cos(a), PARTY_RING * math.sin(a)) for n, a in angles.items()}
    positions.update({n: (SUBJECT_RING * math.cos(a), SUBJECT_RING * math.sin(a))
                      for n, a in spread.items()})
    return positions, max(len(ordered), len(subjects))


def _mean_angle(angles: list[float]) -> float:
    x = sum(math.cos(a) for a in angles)
    y = sum(math.sin(a) for a in angles)
    return math.atan2(y, x) if abs(x) + abs(y) > 1e-9 else angles[0]


def _spread(wanted: dict[str, float], spacing: float = 0.2) -> dict[str, float]:
    """Angles as close to the wanted ones as a minimum gap between neighbours allows.

    The circle is cut at the widest empty arc; on the line that leaves, the placement nearest
    (least squares) to the wanted angles with every step at least ``spacing`` is an isotonic
    regression of ``wanted[i] - i * spacing``, solved by pooling adjacent violators.
    """
    if len(wanted) < 2:
        return dict(wanted)
    full = 2 * math.pi
    names = sorted(wanted, key=lambda n: (wanted[n] % full, n))
    angles = [wanted[n] % full for n in names]
    gaps = [later - earlier for earlier, later in zip(angles, angles[1:] + [angles[0] + full])]
    cut = (gaps.index(max(gaps)) + 1) % len(angles)
    names, angles = names[cut:] + names[:cut], angles[cut:] + angles[:cut]
    angles = [a if i == 0 or a >= angles[0] else a + full for i, a in enumerate(angles)]
    gap = min(spacing, full / len(names))
    blocks: list[list[float]] = []  # [sum, count] of pooled values, non-decreasing means
    for index, angle in enumerate(angles):
        blocks.append([angle - index * gap, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    placed = [total / count for total, count in blocks for _ in range(int(count))]
    return {name: value + index * gap for index, (name, value) in enumerate(zip(names, placed))}


# -- drawing -------------------------------------------------------------------------------------


def _draw_nodes(axes: Any, graph: nx.MultiDiGraph, positions: dict[str, tuple[float, float]],
                node_points: float, font: int, radial_parties: bool) -> None:
    # the ids of parties on a white ground, so the edges behind them do not blur them
    ground = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85}
    for node, data in graph.nodes(data=True):
        x, y = positions[node]
        party = data["category"] == "party"
        size = node_points * (1.0 if party else 0.8)
        axes.scatter([x], [y], s=size ** 2, marker=CATEGORY_SHAPES[data["category"]][0],
                     c=node_colour(data), edgecolors="#222222", linewidths=1.0, zorder=3)
        angle = math.atan2(y, x)
        clear = size / 2 + 3  # points from the node's centre to its label
        if not party:
            _outward(axes, (x, y), angle, clear, _subject_name(graph, node), True, fontsize=font)
        else:  # many parties: their ids stand like spokes, so neighbours never collide
            _outward(axes, (x, y), angle, clear, node, radial_parties, fontsize=font + 1,
                     fontweight="bold", bbox=ground)


def _outward(axes: Any, at: tuple[float, float], angle: float, clear: float, text: str,
             radial: bool, **style: Any) -> None:
    """A label just outside a node on the ring, away from the centre; along the radius if asked."""
    cos, sin = math.cos(angle), math.sin(angle)
    offset = {"xytext": (clear * cos, clear * sin), "textcoords": "offset points", "zorder": 5}
    if radial:
        degrees = math.degrees(angle)
        left_half = abs(degrees) > 90  # turned over, so it reads from left to right
        axes.annotate(text, at, rotation=degrees + 180 if left_half else degrees,
                      rotation_mode="anchor", ha="right" if left_half else "left", va="center",
                      **offset, **style)
    else:
        axes.annotate(text, at, ha="left" if cos > 0.35 else "right" if cos < -0.35 else "center",
                      va="bottom" if sin > 0.35 else "top" if sin < -0.35 else "center",
                      **offset, **style)


def _subject_name(graph: nx.MultiDiGraph, node: str) -> str:
    data = graph.nodes[node]
    return shorten(data["label"] if data["category"] == "proposal" else short_name(node), 26)


def _draw_edges(axes: Any, graph: nx.MultiDiGraph, positions: dict[str, tuple[float, float]],
                node_points: float, font: int) -> None:
    from matplotlib.patches import FancyArrowPatch

    bundles: dict[tuple[str, str, Line, bool], list[dict[str, Any]]] = defaultdict(list)
    for u, v, _key, data in current_edges(graph):
        bundles[(u, v, line_of(data), data.get("declared", False))].append(data)
    captions = _captioned(bundles)
    bends = _bends(bundles, positions)
    chords = sum(1 for (_u, _v, line, _declared) in bundles if not line.arrow)
    fade = 1.0 if chords <= 40 else max(0.25, 40 / chords)  # a dense web stays see-through
    for (u, v, line, declared), bundle in bundles.items():
        relation = bundle[0]["relation"]
        bend = bends[(u, v, line, declared)]
        width = line.width
        if relation == "alignment":
            width *= min(1 + 0.5 * math.log2(sum(d["weight"] for d in bundle)), 3)
        axes.add_patch(FancyArrowPatch(
            positions[u], positions[v], connectionstyle=f"arc3,rad={bend}",
            arrowstyle="-|>" if line.arrow else "-", mutation_scale=11, color=line.colour,
            linestyle=DASHES[line.dash], linewidth=width, alpha=1.0 if line.arrow else fade,
            shrinkA=node_points * 0.6, shrinkB=node_points * 0.75,
            zorder=2 if relation == "alignment" else 1))
        if relation not in captions:
            continue
        (x1, y1), (x2, y2) = positions[u], positions[v]
        # arc3 bends through this control point; the caption sits on the curve (a quadratic
        # Bézier), toward the subject for the edges that fan out of one party
        cx, cy = (x1 + x2) / 2 + bend * (y2 - y1), (y1 + y2) / 2 - bend * (x2 - x1)
        t = 0.6 if relation in ("stance", "role") else 0.4  # nearer the subject, the giver
        x = (1 - t) ** 2 * x1 + 2 * t * (1 - t) * cx + t ** 2 * x2
        y = (1 - t) ** 2 * y1 + 2 * t * (1 - t) * cy + t ** 2 * y2
        words = {edge_caption(d, ids=False) for d in bundle}
        text = (f"{len(bundle)}× " if len(bundle) > 1 else "") + ", ".join(sorted(words))
        spoke = 0.0
        if relation in ("stance", "role"):  # along the edge, so a fan of them does not collide
            spoke = math.degrees(math.atan2(y2 - y1, x2 - x1))
            spoke = spoke + 180 if abs(spoke) > 90 else spoke
        axes.text(x, y, text, fontsize=font - 2, color=line.colour, ha="center", va="center",
                  style="italic", zorder=4, rotation=spoke, rotation_mode="anchor",
                  bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})


def _bends(bundles: dict[tuple[str, str, Line, bool], list[dict[str, Any]]],
           positions: dict[str, tuple[float, float]]) -> dict[tuple[str, str, Line, bool], float]:
    """How far each bundle bends (arc3's rad), so bundles between the same two nodes part."""
    between: dict[frozenset[str], list[tuple[str, str, Line, bool]]] = defaultdict(list)
    for bundle in bundles:  # alignment first: the straight chord is theirs
        between[frozenset(bundle[:2])].append(bundle)
    bends = {}
    for shared in between.values():
        shared.sort(key=lambda b: (b[2].arrow, b[2].legend, b[3], b[0]))
        for slot, (u, v, line, declared) in enumerate(shared):
            (x1, y1), (x2, y2) = positions[u], positions[v]
            # arc3 pushes a positive bend to (dy, -dx); towards the centre when that faces it
            towards_centre = -((y2 - y1) * (x1 + x2) - (x2 - x1) * (y1 + y2)) >= 0
            bend = BENDS[min(slot, len(BENDS) - 1)]
            bends[(u, v, line, declared)] = bend if towards_centre else -bend
    return bends


def _captioned(bundles: dict[tuple[str, str, Line, bool], list[dict[str, Any]]]) -> set[str]:
    """The relations whose edges get words: all of them, unless there are too many to read."""
    counts: dict[str, int] = defaultdict(int)
    for bundle in bundles.values():
        counts[bundle[0]["relation"]] += 1
    return {relation for relation, count in counts.items()
            if count <= CAPTION_LIMITS.get(relation, CAPTION_LIMIT)}


def _draw_legend(figure: Any, graph: nx.MultiDiGraph, left: float, font: int) -> None:
    from matplotlib.lines import Line2D

    def dot(colour: str, marker: str = "o") -> Line2D:
        return Line2D([], [], linestyle="none", marker=marker, markersize=font + 2,
                      markerfacecolor=colour, markeredgecolor="#222222")

    present = {data["relation"] for *_ends, data in current_edges(graph)}
    kinds = sorted({d["kind"] for _n, d in graph.nodes(data=True) if d["category"] == "party"},
                   key=list(KIND_COLOURS).index)
    categories = [c for c in CATEGORIES[1:]
                  if any(d["category"] == c for _n, d in graph.nodes(data=True))]
    handles = [dot(KIND_COLOURS[kind]) for kind in kinds]
    labels = [f"party: {kind}" for kind in kinds]
    handles += [dot(SUBJECT_COLOUR, CATEGORY_SHAPES[c][0]) for c in categories]
    labels += [c if c != "proposal" else "proposal revision" for c in categories]
    for (relation, _sign), line in LINES.items():
        if relation in present:
            handles.append(Line2D([], [], color=line.colour, linestyle=DASHES[line.dash],
                                  linewidth=max(line.width, 1.2),
                                  marker=">" if line.arrow else None, markevery=[1],
                                  markersize=font - 3))
            labels.append(line.legend)
    key = figure.legend(handles, labels, loc="upper left", bbox_to_anchor=(left, 0.93),
                        title="Legend", fontsize=font, title_fontsize=font + 1, frameon=False,
                        handlelength=3.2, alignment="left")
    figure.add_artist(key)
    names = [(p, graph.nodes[p]) for p in parties(graph)]
    figure.legend([dot(node_colour(d)) for _p, d in names],
                  [f"{p}  {textwrap.shorten(d['label'], 44, placeholder='…')}" for p, d in names],
                  loc="lower left", bbox_to_anchor=(left, 0.02), title="Parties",
                  fontsize=font - 1, title_fontsize=font + 1, frameon=False, alignment="left",
                  ncols=1 if len(names) <= 30 else 2, handletextpad=0.3, labelspacing=0.3)
