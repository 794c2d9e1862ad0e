"""Every export checked with the real tools and official schemas, not our own readers.

GEXF against the official GEXF 1.3 XSD and RelaxNG schemas; the JSONL export line by line with
the official CloudEvents SDK (strict) and the spec's JSON schema; GraphML read by igraph without
a warning; node-link JSON read by networkx without options and holding D3's ``links``; DOT laid
out by Graphviz ``dot`` and ``neato``. Each on the example store and on a richer dossier (the 25
safety regions among 40 parties, benchmarks/graph_dossier.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import networkx as nx
import pytest

from conftest import REPO

# The official schemas, copied from the shared specification (gexf.net, cloudevents/spec), so a
# clone tests against them without it.
SCHEMAS = REPO / "tests" / "schemas"
sys.path.insert(0, str(REPO / "benchmarks"))

import graph_dossier  # noqa: E402


@pytest.fixture
def regions_store(akkoord, tmp_path: Path) -> Path:
    log = tmp_path / "regions.json"
    log.write_text(json.dumps({"format": "akkoord/1", "negotiation": graph_dossier.NEGOTIATION,
                               "events": graph_dossier.events()}), encoding="utf-8")
    store = tmp_path / "regions.db"
    result = akkoord("--db", store, "import", log)
    assert result.status == 0, result.err
    return store


@pytest.fixture(params=["example", "regions"])
def any_store(request) -> Path:
    return request.getfixturevalue("example_store" if request.param == "example" else
                                   "regions_store")


def export(akkoord, store: Path, fmt: str) -> str:
    result = akkoord("--db", store, "graph", "--format", fmt)
    assert result.status == 0, result.err
    return result.out


# -- GEXF ----------------------------------------------------------------------------------------


def test_gexf_is_valid_against_the_official_1_3_schemas(akkoord, any_store, tmp_path):
    import xmlschema
    from lxml import etree

    gexf = export(akkoord, any_store, "gexf").encode("utf-8")
    document = etree.fromstring(gexf)
    assert document.get("version") == "1.3"
    errors = [f"{e.path}: {e.reason}" for e in
              xmlschema.XMLSchema(str(SCHEMAS / "gexf13" / "gexf.xsd")).iter_errors(
                  str(_saved(tmp_path, gexf)))]
    assert errors == []
    relaxng = etree.RelaxNG(etree.parse(str(SCHEMAS / "gexf13" / "gexf.rng")))
    assert relaxng.validate(document), relaxng.error_log
    assert document.find("{http://gexf.net/1.3}graph").get("name") is None


def _saved(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "graph.gexf"
    path.write_bytes(data)
    return path


def test_every_gexf_edge_lives_within_its_nodes(akkoord, any_store):
    from lxml import etree

    gexf = etree.fromstring(export(akkoord, any_store, "gexf").encode("utf-8"))
    ns = {"g": "http://gexf.net/1.3"}
    lives = {n.get("id"): (n.get("start"), n.get("end")) for n in gexf.iterfind(".//g:node", ns)}
    ended = 0
    for edge in gexf.iterfind(".//g:edge", ns):
        start, end = edge.get("start"), edge.get("end")
        ended += end is not None
        for node in (edge.get("source"), edge.get("target")):
            node_start, node_end = lives[node]
            assert start is not None and start >= node_start, (edge.get("id"), node)
            if node_end is not None:
                assert end is not None and end <= node_end, (edge.get("id"), node)
        assert end is None or start <= end
    assert ended or any_store.name != "regions.db"  # the check looked at ended edges too


def test_revisions_carry_their_agreements_and_state(akkoord, regions_store):
    from akkoord.interchange.graph_formats import read_back

    graph = read_back(export(akkoord, regions_store, "gexf").encode("utf-8"), "gexf")
    revisions = {n: d for n, d in graph.nodes(data=True) if d["category"] == "proposal"}
    states = {n: (d["state"], d["status"], d.get("agreed_by")) for n, d in revisions.items()}
    assert states == {"proposal:r1": ("superseded", "concept", None),
                      "proposal:r2": ("superseded", "agreed", ["JENV", "VB"]),
                      "proposal:r3": ("current", "agreed", ["JENV", "VB", "VNG"])}
    assert revisions["proposal:r3"]["agreed_on"] == "2026-04-13"
    assert revisions["proposal:r2"]["end"] == "2026-04-06"


# -- CloudEvents ---------------------------------------------------------------------------------


def test_every_jsonl_line_is_a_strict_cloud_event(akkoord, any_store):
    import jsonschema
    from cloudevents.core.formats.json import JSONFormat

    result = akkoord("--db", any_store, "export", "--format", "jsonl")
    assert result.status == 0, result.err
    schema = json.loads((SCHEMAS / "cloudevents" / "cloudevents.json").read_text())
    lines = result.out.splitlines()
    log = akkoord("--db", any_store, "log", "--json").json()
    assert len(lines) == len(log) > 20
    for line, entry in zip(lines, log, strict=True):
        event = JSONFormat().read(None, line)  # raises on any attribute the spec refuses
        jsonschema.validate(json.loads(line), schema)
        assert event.get_type() == f"nl.akkoord.{entry['type']}"
        assert event.get_extension("position") == entry["position"]
        assert event.get_extension("effectivedate") == entry["date"]
        assert event.get_extension("recordedat") == entry["recorded_at"]
        origin = entry.get("origin")
        assert event.get_extension("sourcefile") == (origin["name"] if origin else None)
        assert all(name.isalnum() and name.islower() for name in json.loads(line))


def test_each_cloud_event_names_the_file_it_was_imported_from(akkoord, tmp_path):
    from conftest import EXAMPLE_SOURCE

    store = tmp_path / "events.db"
    assert akkoord("--db", store, "import", EXAMPLE_SOURCE).status == 0
    lines = akkoord("--db", store, "export", "--format", "jsonl").out.splitlines()
    assert {json.loads(line)["sourcefile"] for line in lines} == {EXAMPLE_SOURCE.name}


# -- GraphML, node-link JSON ---------------------------------------------------------------------


def test_igraph_reads_the_graphml_without_a_warning(akkoord, any_store, tmp_path):
    import igraph

    path = tmp_path / "graph.graphml"
    path.write_text(export(akkoord, any_store, "graphml"), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read = igraph.Graph.Read_GraphML(str(path))
    projected = nx.read_graphml(path, force_multigraph=True)
    assert read.vcount() == projected.number_of_nodes()
    assert read.ecount() == projected.number_of_edges()
    records = {d["record_id"] for *_e, d in projected.edges(data=True) if "record_id" in d}
    assert records and set(read.es["record_id"]) - {""} == records  # no id lost to the clash


def test_node_link_json_reads_in_networkx_without_options_and_has_d3_links(akkoord, any_store):
    data = json.loads(export(akkoord, any_store, "json"))
    read = nx.node_link_graph(data)
    assert read.is_directed() and read.is_multigraph()
    assert read.number_of_edges() == len(data["links"]) == len(data["edges"]) > 0
    nodes = {node["id"] for node in data["nodes"]}
    assert all(link["source"] in nodes and link["target"] in nodes for link in data["links"])


# -- DOT -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["dot", "neato"])
def test_graphviz_lays_out_the_dot(akkoord, any_store, layout):
    dot = export(akkoord, any_store, "dot")
    done = subprocess.run([layout, "-Tsvg"], input=dot, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no warning either
    assert done.stdout.lstrip().startswith(("<?xml", "<!DOCTYPE", "<svg"))
