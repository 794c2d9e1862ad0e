"""The stakeholder graph as files other tools open: GraphML, GEXF, node-link JSON, DOT, SVG, PNG.

GraphML and GEXF have no list type, so the list attributes (``sources``, ``subjects``) are written
as JSON text (``"[12, 15]"``). GEXF gives every edge an ``id`` of its own that must be unique,
so there the edge's key is the GEXF id and an edge's own ``id`` (a commitment's or claim's id,
shared by the edges of a commitment made to several parties) is written as ``record_id``.
``read_back`` undoes both, so a file read back equals the projection. GEXF carries ``start`` and
``end`` on nodes and edges, which makes it dynamic: Gephi's timeline replays the negotiation.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

from akkoord.i18n import _


if TYPE_CHECKING:
    import networkx as nx

FORMATS = ("graphml", "gexf", "json", "dot", "svg", "png")
TEXT_FORMATS = ("graphml", "gexf", "json", "dot", "svg")
SUFFIXES = {".graphml": "graphml", ".gexf": "gexf", ".json": "json", ".dot": "dot",
            ".gv": "dot", ".svg": "svg", ".png": "png"}
GEXF_NAMESPACE = "http://gexf.net/1.3"
LIST_ATTRIBUTES = ("sources", "subjects", "agreed_by")
# The keys of the edge list in node-link JSON: D3 and networkx before 3.4 read "links", networkx
# 3.4 and later "edges" by default; the list is written under both, so each reads it unasked.
NODE_LINK_EDGES = ("links", "edges")


def render(graph: nx.MultiDiGraph, fmt: str, size: str = "a4", history: bool = False) -> bytes:
    """The graph in one of ``FORMATS``; a picture (DOT, SVG, PNG) at ``size``, with what ended
    only if ``history`` asks for it."""
    import networkx as nx

    if fmt == "json":
        # Compact, so the C encoder writes it: with an indent Python's own writes every value.
        # The edge list, most of the file, is encoded once and written under each of its keys.
        encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        data = nx.node_link_data(graph, edges=NODE_LINK_EDGES[0])
        edges = encode(data.pop(NODE_LINK_EDGES[0]))
        rest = encode(data)
        return "".join([rest[:-1], *(f',"{name}":{edges}' for name in NODE_LINK_EDGES), "}\n"]
                       ).encode("utf-8")
    if fmt == "dot":
        from akkoord.interchange.graph_dot import to_dot

        return to_dot(graph, history, size).encode("utf-8")
    if fmt in ("svg", "png"):
        from akkoord.interchange.graph_picture import draw

        return draw(graph, fmt, size, history)
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(_with_record_ids(_flattened(graph)), buffer)
    elif fmt == "gexf":
        from akkoord.interchange.graph_gexf import to_gexf

        return to_gexf(graph)
    else:
        raise ValueError(_("unknown graph format {format!r}").format(format=fmt))
    return buffer.getvalue()


def read_back(data: bytes, fmt: str) -> nx.MultiDiGraph:
    """A GraphML, GEXF or node-link JSON export read with networkx, as the projection was."""
    import networkx as nx

    if fmt == "json":
        return nx.node_link_graph(json.loads(data))
    if fmt == "graphml":
        graph = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
        for *_ends, attributes in graph.edges(data=True):
            if "record_id" in attributes:
                attributes["id"] = attributes.pop("record_id")
    elif fmt == "gexf":
        graph = _from_gexf(nx.read_gexf(io.BytesIO(data)))
        from xml.etree import ElementTree as ET  # only to read a file back: not at start-up

        graph.graph["name"] = ET.fromstring(data).findtext(f"{{{GEXF_NAMESPACE}}}meta/"
                                                            f"{{{GEXF_NAMESPACE}}}keywords")
    else:
        raise ValueError(f"{fmt!r} is not read back")
    for name in ("node_default", "edge_default", "mode"):
        graph.graph.pop(name, None)
    for _node, attributes in graph.nodes(data=True):
        _unflatten(attributes)
    for *_ends, attributes in graph.edges(data=True):
        _unflatten(attributes)
    return graph


def _flat_values(attributes: dict[str, Any]) -> dict[str, Any]:
    flat = {}
    for name, value in attributes.items():
        if isinstance(value, list):
            if name not in LIST_ATTRIBUTES:
                raise TypeError(f"attribute {name!r} holds a list; add it to LIST_ATTRIBUTES")
            value = json.dumps(value, ensure_ascii=False)
        flat[name] = value
    return flat


def _flattened(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    flat = graph.copy()
    for node, attributes in graph.nodes(data=True):
        flat.nodes[node].update(_flat_values(attributes))
    for u, v, key, attributes in graph.edges(keys=True, data=True):
        flat.edges[u, v, key].update(_flat_values(attributes))
    return flat


def _unflatten(attributes: dict[str, Any]) -> None:
    for name in LIST_ATTRIBUTES:
        if isinstance(attributes.get(name), str):
            attributes[name] = json.loads(attributes[name])


def _with_record_ids(flat: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """An edge's own ``id`` (a commitment's or claim's) as ``record_id``: GraphML and GEXF give
    every edge an id of their own (its key), and igraph and Gephi read that into ``id``."""
    for *_ends, attributes in flat.edges(data=True):
        if "id" in attributes:
            attributes["record_id"] = attributes.pop("id")
    return flat


def _from_gexf(read: nx.Graph) -> nx.MultiDiGraph:
    """networkx reads the GEXF id into ``id`` (and makes a DiGraph when no edges are parallel)."""
    import networkx as nx

    graph = nx.MultiDiGraph(**read.graph)
    for node, attributes in read.nodes(data=True):
        graph.add_node(node, **attributes)
    for u, v, attributes in read.edges(data=True):
        key = attributes.pop("id")
        attributes.pop("label", None)  # the words on the edge, made from its attributes
        if "record_id" in attributes:
            attributes["id"] = attributes.pop("record_id")
        if isinstance(attributes.get("weight"), float) and attributes["weight"].is_integer():
            attributes["weight"] = int(attributes["weight"])  # GEXF's weight is a double
        graph.add_edge(u, v, key=key, **attributes)
    return graph
