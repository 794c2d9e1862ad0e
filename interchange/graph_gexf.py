"""The stakeholder graph as GEXF 1.3, the version Gephi reads, valid against its official schema.

Written here rather than by networkx, whose writer puts a ``name`` on ``<graph>`` (GEXF has none),
misspells the XML Schema instance namespace and writes 1.2draft unless told. The file is dynamic
(``mode="dynamic"``, ``timeformat="date"``): every node and edge carries ``start`` and, once it
stopped holding, ``end``, so Gephi's timeline replays the negotiation. Gephi hides an edge outside
its nodes' intervals, so each edge's interval is clipped to lie within both (a stance recorded a
few days before its party's registration, transcribed late, starts with the party).

The dossier's slug is the ``keywords`` of ``<meta>`` (``<graph>`` has no name) and the title its
``description``. No ``viz`` colours: the 1.3 XSD and RelaxNG schemas disagree on their namespace,
and Gephi colours by the ``kind`` or ``category`` attribute in one click (Appearance, Partition).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from akkoord.interchange.graph_formats import GEXF_NAMESPACE as NAMESPACE
from akkoord.interchange.graph_style import edge_caption, title

if TYPE_CHECKING:
    import networkx as nx

VERSION = "1.3"
INTERVAL = ("start", "end")
# Written as XML attributes of their own, not as attribute values.
OWN = {"label", "start", "end", "weight"}


def to_gexf(graph: nx.MultiDiGraph) -> bytes:
    root = ET.Element("gexf", {"xmlns": NAMESPACE, "version": VERSION})
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "creator").text = "akkoord"
    ET.SubElement(meta, "keywords").text = graph.graph["name"]
    ET.SubElement(meta, "description").text = title(graph)
    element = ET.SubElement(root, "graph", {"defaultedgetype": "directed", "mode": "dynamic",
                                            "timeformat": "date"})
    node_ids = _declare(element, "node", (data for _n, data in graph.nodes(data=True)))
    edge_ids = _declare(element, "edge", (data for *_e, data in graph.edges(data=True)))
    nodes = ET.SubElement(element, "nodes", {"count": str(graph.number_of_nodes())})
    for node, data in graph.nodes(data=True):
        xml = ET.SubElement(nodes, "node", {"id": node, "label": data["label"],
                                            **_interval(data)})
        _values(xml, data, node_ids)
    edges = ET.SubElement(element, "edges", {"count": str(graph.number_of_edges())})
    for u, v, key, data in graph.edges(keys=True, data=True):
        shown = {"id": key, "source": u, "target": v, "label": edge_caption(data),
                 **_within(_interval(data), graph.nodes[u], graph.nodes[v])}
        if "weight" in data:
            shown["weight"] = str(data["weight"])
        xml = ET.SubElement(edges, "edge", shown)
        _values(xml, {("record_id" if name == "id" else name): value
                      for name, value in data.items()}, edge_ids)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _interval(data: dict[str, Any]) -> dict[str, str]:
    return {name: data[name] for name in INTERVAL if data.get(name) is not None}


def _within(edge: dict[str, str], *nodes: dict[str, Any]) -> dict[str, str]:
    """The edge's interval clipped to lie within every node's."""
    starts = [edge.get("start")] + [n.get("start") for n in nodes]
    ends = [edge.get("end")] + [n.get("end") for n in nodes]
    start = max((s for s in starts if s is not None), default=None)
    end = min((e for e in ends if e is not None), default=None)
    clipped = {}
    if start is not None:
        clipped["start"] = start if end is None else min(start, end)
    if end is not None:
        clipped["end"] = end
    return clipped


def _gexf_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


def _declare(graph: ET.Element, kind: str, rows: Any) -> dict[str, str]:
    """The ``<attributes>`` of nodes or edges: every name used, with the type of its values."""
    types: dict[str, str] = {}
    for data in rows:
        for name, value in data.items():
            name = "record_id" if kind == "edge" and name == "id" else name
            if name not in OWN:
                types.setdefault(name, _gexf_type(value))
    element = ET.SubElement(graph, "attributes", {"class": kind, "mode": "static"})
    ids = {}
    for number, (name, gexf_type) in enumerate(sorted(types.items())):
        ids[name] = f"{kind[0]}{number}"
        ET.SubElement(element, "attribute", {"id": ids[name], "title": name, "type": gexf_type})
    return ids


def _values(xml: ET.Element, data: dict[str, Any], ids: dict[str, str]) -> None:
    values = ET.SubElement(xml, "attvalues")
    for name, value in data.items():
        if name in OWN:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, list):  # GEXF lists differ between readers: JSON text
            text = json.dumps(value, ensure_ascii=False)
        else:
            text = str(value)
        ET.SubElement(values, "attvalue", {"for": ids[name], "value": text})
