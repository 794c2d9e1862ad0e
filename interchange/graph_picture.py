"""The stakeholder graph as a picture (SVG or PNG), drawn by matplotlib without any system program.

Made to be printed: ``a4`` (portrait, the graph above the legend) or ``slide`` (16:9, the legend
beside it), with no type smaller than 7 pt at that size. The parties sit on a circle, grouped by
coalition, so alignment shows as chords: short solid ones inside a coalition, dashed ones
across. Subjects (tasks, topics, items, claims, revisions) sit on an outer ring near the parties
that speak of them. A claim runs from who holds it through its own node to whom it is against; a
commitment a party makes to itself is a loop at its node; the parties that agreed to a revision
point to it, and the current revision is filled. Only what holds on the graph's date is drawn,
unless ``history`` asks for what ended too (superseded stances and revisions, kept or withdrawn
commitments, settled claims), which is then faint and dotted. Parallel edges of one kind are
drawn once, with a count. With many parties only each party's strongest ties are drawn, and the
legend says so.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from akkoord.i18n import _
from akkoord.interchange.graph_style import (
    CATEGORY_SHAPES,
    CURRENT_REVISION_COLOUR,
    HISTORY,
    KIND_COLOURS,
    LINES,
    PAGE_SIZES,
    SMALLEST_TYPE,
    SUBJECT_COLOUR,
    SUPERSEDED_COLOUR,
    Line,
    edge_caption,
    line_of,
    node_colour,
    revision_words,
    title,
)
from akkoord.projections.graph import CATEGORIES, parties, short_name
from akkoord.projections.graph_analysis import coalitions, signed_ties

if TYPE_CHECKING:
    import networkx as nx

PARTY_RING = 1.0
SUBJECT_RING = 1.75
DASHES = {"solid": "-", "dashed": (0, (5, 3)), "dotted": (0, (1, 2)), "dashdot": (0, (6, 2, 1, 2))}
# Several kinds of edge between the same two nodes: the first runs straight, the others bend
# apart, first towards the middle of the picture, then away from it, then further.
BENDS = (0.0, 0.3, -0.3, 0.55, -0.55, 0.8, -0.8)
# Beyond this many edges of a relation, words on them would hide the drawing.
CAPTION_LIMITS = {"alignment": 12}
CAPTION_LIMIT = 30
# Beyond this many alignment chords, each party keeps its strongest ties only.
CHORD_LIMIT = 60
TIES_PER_PARTY = 2
LABEL_WIDTH = 16  # characters on a line of a subject's name, wrapped rather than cut

# A drawn edge: from, to, its line, whether declared, and the edge's attributes.
Drawn = tuple[str, str, Line, bool, dict[str, Any]]


def draw(graph: nx.MultiDiGraph, fmt: str, size: str = "a4", history: bool = False) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # never a window: the picture goes to a file
    from matplotlib.figure import Figure

    page = PAGE_SIZES[size]
    drawn, left_out = _drawn_edges(graph, history)
    nodes = _drawn_nodes(graph, drawn, history)
    positions = _layout(graph, nodes, drawn)
    font = page.font
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "akkoord",
                                "font.size": font, "font.family": "DejaVu Sans"}):
        figure = Figure(figsize=(page.width, page.height))
        if size == "a4":  # the graph a square across the page, the legend under it
            side = page.height - 4.1
            box = ((1 - side / page.width) / 2, 1 - (side + 0.35) / page.height,
                   side / page.width, side / page.height)
            legend_box = (0.03, 0.015, 0.97, box[1] - 0.005)
        else:  # the graph a square on the left, the legend on the right
            side = page.height - 0.4
            box = (0.0, 0.0, side / page.width, side / page.height)
            legend_box = (box[2] + 0.01, 0.03, 0.99, 0.93)
        axes = figure.add_axes(box)
        axes.set_aspect("equal")
        axes.axis("off")
        reach = _reach(graph, nodes, side, font)
        axes.set_xlim(-reach, reach)
        axes.set_ylim(-reach, reach)
        node_points = 13 if len(parties(graph)) <= 30 else 10
        _draw_edges(axes, drawn, positions, node_points, font)
        _draw_nodes(axes, graph, nodes, positions, node_points, font,
                    radial_parties=len(parties(graph)) > 16,
                    party_font=font + 1 if len(parties(graph)) <= 30 else font)
        _fill(figure, axes)
        figure.text(0.02, 1 - 0.12 / page.height, title(graph), fontsize=font + 3,
                    ha="left", va="top")
        _draw_legend(figure, graph, drawn, left_out, legend_box, font, size)
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=150 if fmt == "png" else 72,
                       metadata={"Date": None} if fmt == "svg" else {"Software": None})
    return buffer.getvalue()


# -- what is drawn -------------------------------------------------------------------------------


def _drawn_edges(graph: nx.MultiDiGraph, history: bool) -> tuple[list[Drawn], int]:
    """The edges as drawn: claims through their node, agreements to their revision, and each
    party's strongest ties when there are too many chords. Also how many ties were left out."""
    drawn: list[Drawn] = []
    for u, v, key, data in graph.edges(keys=True, data=True):
        ended = "end" in data
        if ended and not history:
            continue
        line = HISTORY if ended else line_of(data)
        declared = data.get("declared", False)
        if data["relation"] == "claim" and key in graph:  # by -> claim -> against
            drawn.append((u, key, line, False, {**data, "leg": "by"}))
            drawn.append((key, v, line, False, {**data, "leg": "against"}))
        else:
            drawn.append((u, v, line, declared, data))
    for node, data in graph.nodes(data=True):
        if data["category"] == "proposal" and (history or data.get("state") != "superseded"):
            for party in data.get("agreed_by", []):
                if party in graph:
                    drawn.append((party, node, HISTORY if "end" in data else LINES[("agreement", 0)],
                                  False, {"relation": "agreement"}))
    chords = [d for d in drawn if d[4]["relation"] == "alignment" and d[2] is not HISTORY]
    if len(chords) <= CHORD_LIMIT:
        return drawn, 0
    kept = _strongest(chords)
    return [d for d in drawn if d[4]["relation"] != "alignment" or id(d) in kept], \
        len(chords) - len(kept)


def _strongest(chords: list[Drawn]) -> set[int]:
    """Each party's strongest ties (declared first, then by shared subjects and agreement)."""
    by_party: dict[str, list[Drawn]] = defaultdict(list)
    for chord in chords:
        by_party[chord[0]].append(chord)
        by_party[chord[1]].append(chord)
    kept: set[int] = set()
    for ties in by_party.values():
        ties.sort(key=lambda c: (not c[3], -c[4]["weight"] * abs(c[4]["agreement"]), c[0], c[1]))
        kept.update(id(chord) for chord in ties[:TIES_PER_PARTY])
    return kept


def _drawn_nodes(graph: nx.MultiDiGraph, drawn: list[Drawn], history: bool) -> list[str]:
    """Every party; the subjects a drawn edge reaches; the current revision and its items."""
    wanted = set(parties(graph))
    for u, v, *_rest in drawn:
        wanted.update((u, v))
    for node, data in graph.nodes(data=True):
        if history or ("end" not in data and data["category"] in ("proposal", "item")):
            wanted.add(node)
    return [node for node in graph if node in wanted]


def _faded(data: dict[str, Any]) -> bool:
    """A node that no longer holds: a superseded revision or item, a settled claim."""
    return "end" in data or data.get("status") not in (None, "open") and data["category"] == "claim"


# -- layout --------------------------------------------------------------------------------------


def _layout(graph: nx.MultiDiGraph, nodes: list[str],
            drawn: list[Drawn]) -> dict[str, tuple[float, float]]:
    """Parties on the inner ring by coalition; each subject on the outer ring near its parties."""
    groups = coalitions(signed_ties(graph))
    grouped = [party for group in groups for party in group]
    ordered = grouped + sorted((p for p in parties(graph) if p not in grouped),
                               key=lambda p: (graph.nodes[p]["kind"], p))
    angles = {party: math.pi / 2 - 2 * math.pi * i / max(len(ordered), 1)
              for i, party in enumerate(ordered)}
    anchors: dict[str, list[float]] = defaultdict(list)
    for u, v, *_rest in drawn:  # a claim's node, reached from both its parties, sits between
        for near, far in ((u, v), (v, u)):
            if near in angles and far not in angles:
                anchors[far].append(angles[near])
    for node in nodes:
        recipient = graph.nodes[node].get("recipient")
        if recipient in angles:
            anchors[node].append(angles[recipient])
    subjects = [n for n in nodes if n not in angles]
    subjects.sort(key=lambda n: (CATEGORIES.index(graph.nodes[n]["category"]), n))
    wanted = {n: _mean_angle(anchors[n]) for n in subjects if anchors[n]}
    free = [n for n in subjects if n not in wanted]
    for index, node in enumerate(free):  # tied to no party on the ring: they go at the bottom
        wanted[node] = -math.pi / 2 + (index - (len(free) - 1) / 2) * 0.15
    spread = _spread(wanted, spacing=min(0.2, 2 * math.pi / max(len(wanted), 1)))
    positions = {n: (PARTY_RING * math.cos(a), PARTY_RING * math.sin(a)) for n, a in angles.items()}
    positions.update({n: (SUBJECT_RING * math.cos(a), SUBJECT_RING * math.sin(a))
                      for n, a in spread.items()})
    return positions


def _reach(graph: nx.MultiDiGraph, nodes: list[str], side: float, font: float) -> float:
    """How far the axes reach (data units) so the longest subject label fits the square."""
    lines = [line for n in nodes if graph.nodes[n]["category"] != "party"
             for line in _subject_name(graph, n).splitlines()]
    longest = max((len(line) for line in lines), default=4) * font * 0.6 / 72 + 0.15  # inches
    return (SUBJECT_RING + 0.1) / max(1 - 2 * longest / side, 0.45)


def _fill(figure: Any, axes: Any) -> None:
    """Zooms the axes onto what is drawn, labels and all, so the square holds no empty margin.

    Labels keep their size in points while the drawing scales, so a few rounds settle it.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    import numpy as np
    from matplotlib.transforms import Bbox

    renderer = FigureCanvasAgg(figure).get_renderer()
    for _round in range(5):
        extents = [artist.get_window_extent(renderer) for artist in
                   [*axes.texts, *axes.patches, *axes.collections]]
        drawn = Bbox.union([e for e in extents if np.isfinite(e.get_points()).all()])
        frame = axes.get_window_extent(renderer)
        ratio = max(drawn.width / frame.width, drawn.height / frame.height) * 1.04
        (x0, y0), (x1, y1) = axes.transData.inverted().transform(
            [(drawn.x0, drawn.y0), (drawn.x1, drawn.y1)])
        (left, right), (bottom, top) = axes.get_xlim(), axes.get_ylim()
        half = (right - left) / 2 * ratio
        centre_x, centre_y = (x0 + x1) / 2, (y0 + y1) / 2
        axes.set_xlim(centre_x - half, centre_x + half)
        axes.set_ylim(centre_y - half, centre_y + half)
        if 0.98 <= ratio <= 1.04:
            break


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


def _draw_nodes(axes: Any, graph: nx.MultiDiGraph, nodes: list[str],
                positions: dict[str, tuple[float, float]], node_points: float, font: float,
                radial_parties: bool, party_font: float) -> None:
    # the ids of parties on a white ground, so the edges behind them do not blur them
    ground = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85}
    for node in nodes:
        data = graph.nodes[node]
        x, y = positions[node]
        party = data["category"] == "party"
        faded = not party and _faded(data)
        current_revision = data["category"] == "proposal" and not faded
        size = node_points * (1.0 if party else 1.25 if current_revision else 0.85)
        colour = (CURRENT_REVISION_COLOUR if current_revision else
                  SUPERSEDED_COLOUR if faded else node_colour(data))
        axes.scatter([x], [y], s=size ** 2, marker=CATEGORY_SHAPES[data["category"]][0],
                     c=colour, edgecolors="#999999" if faded else "#222222",
                     linewidths=2.0 if current_revision else 1.0, zorder=3)
        angle = math.atan2(y, x)
        clear = size / 2 + 3  # points from the node's centre to its label
        if not party:
            _outward(axes, (x, y), angle, clear, _subject_name(graph, node), True,
                     fontsize=font, color="#888888" if faded else "#111111",
                     fontweight="bold" if current_revision else "normal")
        else:  # many parties: their ids stand like spokes, so neighbours never collide
            _outward(axes, (x, y), angle, clear, node, radial_parties, fontsize=party_font,
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
                      multialignment="right" if left_half else "left", **offset, **style)
    else:
        axes.annotate(text, at, ha="left" if cos > 0.3 else "right" if cos < -0.3 else "center",
                      va="bottom" if sin > 0.3 else "top" if sin < -0.3 else "center",
                      multialignment="left" if cos > 0.3 else "right" if cos < -0.3 else "center",
                      **offset, **style)


def _subject_name(graph: nx.MultiDiGraph, node: str) -> str:
    """A subject's name in full, wrapped on lines of a few words (never cut)."""
    data = graph.nodes[node]
    if data["category"] == "proposal":
        return f"{data['label']}\n({revision_words(data)})"
    name = short_name(node)
    if data["category"] == "claim":
        name = f"{_('claim')} {name}"
    return "\n".join(textwrap.wrap(name, LABEL_WIDTH, break_on_hyphens=True,
                                   break_long_words=False)) or name


def _draw_edges(axes: Any, drawn: list[Drawn], positions: dict[str, tuple[float, float]],
                node_points: float, font: float) -> None:
    from matplotlib.patches import FancyArrowPatch

    bundles: dict[tuple[str, str, Line, bool], list[dict[str, Any]]] = defaultdict(list)
    for u, v, line, declared, data in drawn:
        bundles[(u, v, line, declared)].append(data)
    captions = _captioned(bundles)
    bends = _bends(bundles, positions)
    chords = sum(1 for (_u, _v, line, _declared) in bundles if not line.arrow)
    fade = 1.0 if chords <= 30 else max(0.35, 30 / chords)  # a dense web stays see-through
    caption_font = max(SMALLEST_TYPE, font - 1)
    for (u, v, line, declared), bundle in bundles.items():
        relation = bundle[0]["relation"]
        if u == v:  # a commitment a party makes to itself
            _loop(axes, positions[u], line, node_points, bundle, caption_font)
            continue
        bend = bends[(u, v, line, declared)]
        width = line.width
        if relation == "alignment" and line is not HISTORY:
            width *= min(1 + 0.5 * math.log2(sum(d["weight"] for d in bundle)), 3)
        leg = bundle[0].get("leg")
        axes.add_patch(FancyArrowPatch(
            positions[u], positions[v], connectionstyle=f"arc3,rad={bend}",
            arrowstyle="-" if not line.arrow or leg == "by" else "-|>", mutation_scale=10,
            color=line.colour, linestyle=DASHES[line.dash], linewidth=width,
            alpha=1.0 if line.arrow else fade, shrinkA=node_points * 0.6,
            shrinkB=node_points * 0.75, zorder=2 if relation in ("alignment", "agreement") else 1))
        if relation not in captions or leg == "by" or line is HISTORY:
            continue
        (x1, y1), (x2, y2) = positions[u], positions[v]
        # arc3 bends through this control point; the caption sits on the curve (a quadratic
        # Bézier), toward the subject for the edges that fan out of one party
        cx, cy = (x1 + x2) / 2 + bend * (y2 - y1), (y1 + y2) / 2 - bend * (x2 - x1)
        t = 0.62 if relation in ("stance", "role") else 0.45
        x = (1 - t) ** 2 * x1 + 2 * t * (1 - t) * cx + t ** 2 * x2
        y = (1 - t) ** 2 * y1 + 2 * t * (1 - t) * cy + t ** 2 * y2
        text = _bundle_words(bundle)
        spoke = 0.0
        if relation in ("stance", "role"):  # along the edge, so a fan of them does not collide
            spoke = math.degrees(math.atan2(y2 - y1, x2 - x1))
            spoke = spoke + 180 if abs(spoke) > 90 else spoke
        axes.text(x, y, text, fontsize=caption_font, color=line.colour, ha="center",
                  va="center", style="italic", zorder=4, rotation=spoke,
                  rotation_mode="anchor",
                  bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})


def _bundle_words(bundle: list[dict[str, Any]]) -> str:
    words = sorted({edge_caption(d, ids=False) for d in bundle})
    return (f"{len(bundle)}× " if len(bundle) > 1 else "") + ", ".join(words)


def _loop(axes: Any, at: tuple[float, float], line: Line, node_points: float,
          bundle: list[dict[str, Any]], font: float) -> None:
    """A loop outside the node, away from the centre: what a party owes itself."""
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    x, y = at
    angle = math.atan2(y, x)
    reach, spread = 0.32, 0.55
    left = (x + reach * math.cos(angle + spread), y + reach * math.sin(angle + spread))
    right = (x + reach * math.cos(angle - spread), y + reach * math.sin(angle - spread))
    loop = Path([at, left, right, at], [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
    axes.add_patch(FancyArrowPatch(path=loop, arrowstyle="-|>", mutation_scale=10,
                                   color=line.colour, linestyle=DASHES[line.dash],
                                   linewidth=line.width, shrinkA=node_points * 0.5,
                                   shrinkB=node_points * 0.6, zorder=2))
    tip = 0.27
    axes.text(x + tip * math.cos(angle), y + tip * math.sin(angle),
              _("to itself: {words}").format(words=_bundle_words(bundle)), fontsize=font,
              color=line.colour, ha="center", va="center", style="italic", zorder=4,
              bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85})


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


def _draw_legend(figure: Any, graph: nx.MultiDiGraph, drawn: list[Drawn], left_out: int,
                 box: tuple[float, float, float, float], font: float, size: str) -> None:
    from matplotlib.lines import Line2D

    def dot(colour: str, marker: str = "o", edge: str = "#222222") -> Line2D:
        return Line2D([], [], linestyle="none", marker=marker, markersize=font + 1,
                      markerfacecolor=colour, markeredgecolor=edge)

    lines = {line for *_ends, line, _declared, _data in drawn}
    kinds = sorted({d["kind"] for _n, d in graph.nodes(data=True) if d["category"] == "party"},
                   key=list(KIND_COLOURS).index)
    categories = [c for c in CATEGORIES[1:]
                  if any(d["category"] == c for _n, d in graph.nodes(data=True))]
    handles = [dot(KIND_COLOURS[kind]) for kind in kinds]
    labels = [_("party: {kind}").format(kind=kind) for kind in kinds]
    handles += [dot(SUBJECT_COLOUR, CATEGORY_SHAPES[c][0]) for c in categories if c != "proposal"]
    labels += [_(c) for c in categories if c != "proposal"]
    if "proposal" in categories:
        handles.append(dot(CURRENT_REVISION_COLOUR, CATEGORY_SHAPES["proposal"][0]))
        labels.append(_("current revision of the proposal"))
        if any(d.get("state") == "superseded" for _n, d in graph.nodes(data=True)) and \
                HISTORY in lines:
            handles.append(dot(SUPERSEDED_COLOUR, CATEGORY_SHAPES["proposal"][0], "#999999"))
            labels.append(_("superseded revision"))
    for line in [*LINES.values(), HISTORY]:
        if line in lines:
            handles.append(Line2D([], [], color=line.colour, linestyle=DASHES[line.dash],
                                  linewidth=max(line.width, 1.2),
                                  marker=">" if line.arrow else None, markevery=[1],
                                  markersize=font - 3))
            labels.append(_(line.legend))
    if left_out:
        handles.append(Line2D([], [], linestyle="none"))
        labels.append(_("strongest {count} ties per party drawn ({left} more left out)").format(
            count=TIES_PER_PARTY, left=left_out))
    x0, y0, x1, y1 = box
    names = [(p, graph.nodes[p]) for p in parties(graph)]
    width = 44 if len(names) <= (12 if size == "slide" else 22) else 32
    party_labels = [f"{p}  {textwrap.shorten(d['label'], width, placeholder='…')}" for p, d in names]
    party_handles = [dot(node_colour(d)) for _p, d in names]
    legend_font = max(SMALLEST_TYPE, font - 0.5)
    common = {"fontsize": legend_font, "title_fontsize": font + 0.5, "frameon": False,
              "alignment": "left", "handletextpad": 0.4, "labelspacing": 0.25,
              "borderaxespad": 0.0}
    if size == "a4":  # key on the left, the parties on the right, both from the top
        key = figure.legend(handles, labels, loc="upper left", bbox_to_anchor=(x0, y1),
                            title=_("Legend"), handlelength=3.0, **common)
        figure.add_artist(key)
        figure.legend(party_handles, party_labels, loc="upper left",
                      bbox_to_anchor=(x0 + 0.33, y1), title=_("Parties"),
                      ncols=1 if len(names) <= 22 else 2, columnspacing=0.8,
                      **{**common, "fontsize": SMALLEST_TYPE if len(names) > 22 else legend_font})
    else:  # key above, the parties under it
        key = figure.legend(handles, labels, loc="upper left", bbox_to_anchor=(x0, y1),
                            title=_("Legend"), handlelength=3.0,
                            ncols=1 if len(handles) <= 14 else 2, **common)
        figure.add_artist(key)
        figure.legend(party_handles, party_labels, loc="lower left", bbox_to_anchor=(x0, y0),
                      title=_("Parties"), ncols=1 if len(names) <= 12 else 2, columnspacing=0.8,
                      **{**common, "fontsize": SMALLEST_TYPE if len(names) > 12 else legend_font})
