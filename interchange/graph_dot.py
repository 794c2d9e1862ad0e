"""The stakeholder graph as Graphviz DOT, for ``dot`` and ``neato`` alike.

Every node and edge keeps its attributes, so the file is an export as well as a drawing. It draws
as the picture does: a claim runs from who holds it through its node to whom it is against, the
parties that agreed to a revision point to it and the current revision is filled; what ended is
left out unless ``history`` asks for it, and then grey and dotted. ``dot`` ranks parties above the
subjects they speak of; left to itself it would put every subject on one rank (a strip many times
wider than high), so the edges into subjects are given staggered lengths (what Graphviz's
``unflatten`` does), which folds that rank into a few.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from akkoord.interchange.graph_formats import _flat_values
from akkoord.interchange.graph_style import (
    CATEGORY_SHAPES,
    CURRENT_REVISION_COLOUR,
    HISTORY,
    LINES,
    SUPERSEDED_COLOUR,
    edge_caption,
    line_of,
    node_colour,
    revision_words,
    title,
)

if TYPE_CHECKING:
    import networkx as nx

STAGGER = 3  # ranks the subjects are spread over


def to_dot(graph: nx.MultiDiGraph, history: bool = False, size: str = "a4") -> str:
    """DOT of the graph; ``a4`` ranks it from left to right (a tall drawing, as the portrait
    page is), ``slide`` from top to bottom (a wide one)."""
    lines = [f"digraph {_quote(graph.graph['name'])} {{"]
    shown = {name: value for name, value in graph.graph.items() if name != "name"}  # the digraph's
    shown.update(label=title(graph), labelloc="t", overlap="prism", overlap_scaling="-4",
                 sep="+6", splines="true", fontname="Helvetica", fontsize="14", nodesep="0.3",
                 ranksep="0.6", pack="true", rankdir="LR" if size == "a4" else "TB")
    lines.append(f"  graph [{_attributes(shown)}];")
    lines.append('  node [style=filled, fontname="Helvetica", fontsize=11];')
    lines.append('  edge [fontname="Helvetica", fontsize=9];')
    kept = set()
    for node, data in graph.nodes(data=True):
        ended = "end" in data or (data["category"] == "claim" and data.get("status") != "open")
        if ended and not history:
            continue
        kept.add(node)
        label = "\n".join(textwrap.wrap(data["label"], 24)) or node
        fill = node_colour(data)
        if data["category"] == "proposal":
            label = f"{label}\n({revision_words(data)})"
            fill = SUPERSEDED_COLOUR if ended else CURRENT_REVISION_COLOUR
        elif data["category"] != "party":
            label = f"{node.partition(':')[0]}: {label}" if data["category"] == "claim" else label
        shown = {**_flat_values(data), "label": label,
                 "shape": CATEGORY_SHAPES[data["category"]][1], "fillcolor": fill}
        if ended:
            shown.update(color="#999999", fontcolor="#777777")
        if data["category"] == "proposal" and not ended:
            shown["penwidth"] = "2.5"
        lines.append(f"  {_quote(node)} [{_attributes(shown)}];")
    leaf_count = 0
    for u, v, key, data in graph.edges(keys=True, data=True):
        ended = "end" in data
        if ended and not history:
            continue
        line = HISTORY if ended else line_of(data)
        caption = edge_caption(data)
        if ended:
            caption = f"{caption} (ended {data['end']})"
        shown = {"key": key, **_flat_values(data), "label": caption,
                 "color": line.colour, "fontcolor": "#777777" if ended else line.colour,
                 "penwidth": line.width, "style": "dashed" if line.dash == "dashdot" else line.dash}
        if not line.arrow:
            shown["dir"] = "none"
        if data["relation"] in ("stance", "role"):  # into a subject: fold the subjects' rank
            shown["minlen"] = 1 + leaf_count % STAGGER
            leaf_count += 1
        if data["relation"] == "claim" and key in kept:  # by -> claim -> against
            lines.append(f"  {_quote(u)} -> {_quote(key)} [{_attributes({**shown, 'dir': 'none'})}];")
            u = key
            shown = {"key": f"{key}:against", "relation": "claim", "color": line.colour,
                     "penwidth": line.width, "style": shown["style"]}
        lines.append(f"  {_quote(u)} -> {_quote(v)} [{_attributes(shown)}];")
    for node, data in graph.nodes(data=True):
        if node in kept and data["category"] == "proposal":
            ended = "end" in data
            line = HISTORY if ended else LINES[("agreement", 0)]
            for party in data.get("agreed_by", []):
                shown = {"key": f"agreement:{party}:{node}", "relation": "agreement",
                         "label": "agreed", "color": line.colour, "fontcolor": line.colour,
                         "penwidth": line.width, "style": line.dash}
                lines.append(f"  {_quote(party)} -> {_quote(node)} [{_attributes(shown)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _quote(value: Any) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def _attributes(values: dict[str, Any]) -> str:
    return ", ".join(f"{name}={_quote(str(value).lower() if isinstance(value, bool) else value)}"
                     for name, value in values.items())
