"""The stakeholder graph: what it holds, on both time axes, and every export read back."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import networkx as nx
import pytest

from conftest import REPO, opening, party, write_log
from akkoord.interchange.graph_formats import read_back
from akkoord.projections.graph import RELATIONS, build_graph, derive_alignments
from akkoord.cli.session import Session


def graph_of(akkoord, store: Path, *options: str) -> nx.MultiDiGraph:
    result = akkoord("--db", store, "graph", "--json", *options)
    assert result.status == 0, result.err
    return nx.node_link_graph(result.json(), edges="edges")


def edges(graph: nx.MultiDiGraph, relation: str) -> dict[tuple[str, str], dict]:
    return {(u, v): data for u, v, data in graph.edges(data=True) if data["relation"] == relation}


def stance(who: str, subject: str, word: str, date: str = "2025-02-01", **extra) -> dict:
    return {"type": "position_taken", "date": date, "stakeholder": who, "subject": subject,
            "stance": word, "summary": f"{who} {word} {subject}", **extra}


@pytest.fixture
def history_store(akkoord, tmp_path: Path) -> Path:
    """A dossier that changes: a stance superseded, a claim settled, a commitment kept."""
    events = [
        opening(date="2025-01-10"),
        party("A", date="2025-01-10"), party("B", "region", date="2025-01-10"),
        party("C", "ministry", date="2025-01-10"), party("D", "municipality", date="2025-01-10"),
        stance("A", "topic:geld", "support"), stance("B", "topic:geld", "support"),
        stance("C", "topic:geld", "oppose"), stance("A", "topic:taken", "conditional"),
        stance("B", "topic:taken", "support"),
        {"type": "claim_lodged", "date": "2025-02-03", "id": "korting", "by": "B", "against": "C",
         "subject": "korting", "summary": "terug", "amount": "27.7M"},
        {"type": "alignment_declared", "date": "2025-02-04", "parties": ["A", "B", "D"],
         "toward": "C", "summary": "samen"},
        {"type": "role_assigned", "date": "2025-02-05", "task": "bevolkingszorg",
         "stakeholder": "D", "role": "support"},
        {"type": "commitment_made", "date": "2025-02-06", "id": "brief", "by": "C",
         "to": ["A", "B"], "what": "een brief", "due": "2025-04-01"},
        stance("B", "topic:geld", "oppose", date="2025-03-01", ref="b-draait"),
        {"type": "claim_settled", "date": "2025-03-02", "id": "korting", "outcome": "granted"},
        {"type": "commitment_fulfilled", "date": "2025-03-03", "id": "brief"},
        {"type": "role_assigned", "date": "2025-03-04", "task": "bevolkingszorg",
         "stakeholder": "D", "role": "primary"},
    ]
    store = tmp_path / "history.db"
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0
    return store


def projection(store: Path, **axes) -> nx.MultiDiGraph:
    args = SimpleNamespace(db=str(store), views=None, json=True, negotiation=None,
                           as_of=axes.get("as_of"), known_at=axes.get("known_at"))
    session = Session(args)
    try:
        return build_graph(session.queries, session.negotiation, session.axes)
    finally:
        session.close()


# -- what the graph holds ------------------------------------------------------------------------


def test_example_graph_has_the_memos_roles_and_alignment(akkoord, example_store):
    graph = graph_of(akkoord, example_store)
    roles = edges(graph, "role")
    assert roles[("GEM", "task:bevolkingszorg")]["role"] == "primary"
    assert roles[("VR", "task:bevolkingszorg")]["role"] == "regie"
    declared = edges(graph, "alignment")[("VB", "VNG")]
    assert declared["declared"] is True and declared["sign"] == 1
    assert graph.nodes["VB"]["kind"] == "council" and graph.nodes["VB"]["label"] == "Veiligheidsberaad"
    assert {n for n in graph if ":" in n} >= {"task:bevolkingszorg", "topic:navo-norm",
                                             "item:noodsteunpunten", "claim:ptss", "proposal:r1"}


def test_every_node_and_edge_meets_the_contract(akkoord, history_store):
    graph = graph_of(akkoord, history_store)
    for _node, data in graph.nodes(data=True):
        assert data["kind"] and data["label"]
    for _u, _v, data in graph.edges(data=True):
        assert data["relation"] in RELATIONS
        assert data["sources"] and all(isinstance(p, int) for p in data["sources"])
    claim = edges(graph, "claim")[("B", "C")]
    assert (claim["id"], claim["status"], claim["end"]) == ("korting", "granted", "2025-03-02")
    kept = edges(graph, "commitment")
    assert {k: (d["id"], d["status"], d["end"]) for k, d in kept.items()} == {
        ("C", "A"): ("brief", "fulfilled", "2025-03-03"),
        ("C", "B"): ("brief", "fulfilled", "2025-03-03")}


def test_superseded_stance_and_role_end_where_the_next_begins(akkoord, history_store):
    graph = graph_of(akkoord, history_store)
    b_on_money = sorted((d["start"], d.get("end"), d["stance"], d["sign"])
                        for u, v, d in graph.edges(data=True)
                        if (u, v) == ("B", "topic:geld") and d["relation"] == "stance")
    assert b_on_money == [("2025-02-01", "2025-03-01", "support", 1),
                          ("2025-03-01", None, "oppose", -1)]
    d_roles = sorted((d["start"], d.get("end"), d["role"]) for u, v, d in graph.edges(data=True)
                     if d["relation"] == "role")
    assert d_roles == [("2025-02-05", "2025-03-04", "support"), ("2025-03-04", None, "primary")]


def derived(graph: nx.MultiDiGraph, a: str, b: str) -> list[tuple]:
    return sorted((d["start"], d.get("end"), d["sign"], d["weight"], d["agreement"])
                  for u, v, d in graph.edges(data=True)
                  if (u, v) == (a, b) and d["relation"] == "alignment" and not d["declared"])


def test_alignment_is_derived_from_stances_and_follows_them_in_time(akkoord, history_store):
    # 1 Feb: the same stance on geld (1) and support/conditional on taken (1/2): +0.75 on 2.
    before_turn = graph_of(akkoord, history_store, "--as-of", "2025-02-15")
    assert derived(before_turn, "A", "B") == [("2025-02-01", None, 1, 2, 0.75)]
    # 1 Mar: B opposes geld (-1), taken stays 1/2: -0.25 on 2, holding since that day.
    graph = graph_of(akkoord, history_store)
    assert derived(graph, "A", "B") == [("2025-03-01", None, -1, 2, -0.25)]
    assert derived(graph, "A", "C") == [("2025-02-01", None, -1, 1, -1.0)]
    declared = edges(graph, "alignment")
    assert all(declared[pair]["declared"] for pair in [("A", "D"), ("B", "D")])
    assert declared[("A", "D")]["toward"] == "C"


def test_derived_alignment_is_kept_to_the_most_engaged_parties(akkoord, tmp_path, monkeypatch):
    from akkoord.projections import graph as projected

    events = [opening(date="2025-01-10"), *(party(p, date="2025-01-10") for p in "ABCD"),
              stance("A", "topic:geld", "support"), stance("A", "topic:taken", "support"),
              stance("B", "topic:geld", "support"), stance("B", "topic:taken", "oppose"),
              stance("C", "topic:geld", "oppose"), stance("D", "topic:taken", "support")]
    store = tmp_path / "engaged.db"
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0
    monkeypatch.setattr(projected, "ALIGNED_PARTIES", 3)
    graph = projection(store)
    pairs = {(u, v) for u, v, d in graph.edges(data=True) if d["relation"] == "alignment"}
    assert pairs == {("A", "B"), ("A", "C"), ("B", "C")}  # D, on one subject, is the one left out
    assert (graph.graph["alignment_parties"], graph.graph["alignment_parties_left_out"]) == (3, 1)


def test_the_alignment_rule_per_subject():
    stances = [
        {"stakeholder": "A", "subject": "s1", "stance": "support", "position": 1},
        {"stakeholder": "B", "subject": "s1", "stance": "support", "position": 2},
        {"stakeholder": "C", "subject": "s1", "stance": "oppose", "position": 3},
        {"stakeholder": "A", "subject": "s2", "stance": "demand", "position": 4},
        {"stakeholder": "B", "subject": "s2", "stance": "conditional", "position": 5},
        {"stakeholder": "C", "subject": "s2", "stance": "neutral", "position": 6},
        {"stakeholder": "D", "subject": "s2", "stance": "neutral", "position": 7},
    ]
    found = derive_alignments(stances)
    assert found[("A", "B")] == {"sign": 1, "weight": 2, "agreement": 0.75,
                                 "subjects": ["s1", "s2"], "sources": [1, 2, 4, 5]}
    assert (found[("A", "C")]["sign"], found[("A", "C")]["agreement"]) == (-1, -0.5)
    assert (found[("C", "D")]["sign"], found[("C", "D")]["weight"]) == (0, 1)  # neutral binds no one


def test_as_of_and_known_at_shape_the_graph(akkoord, history_store):
    before_turn = graph_of(akkoord, history_store, "--as-of", "2025-02-15")
    b_on_money = [d for u, v, d in before_turn.edges(data=True)
                  if (u, v) == ("B", "topic:geld") and d["relation"] == "stance"]
    assert [(d["stance"], "end" in d) for d in b_on_money] == [("support", False)]
    assert edges(before_turn, "claim")[("B", "C")]["status"] == "open"
    assert before_turn.graph["as_of"] == "2025-02-15"

    turn = akkoord("--db", history_store, "log", "--json", "--type", "position_taken").json()[-1]
    known = graph_of(akkoord, history_store, "--known-at", str(turn["position"] - 1))
    assert ("B", "topic:geld") in edges(known, "stance")
    assert edges(known, "stance")[("B", "topic:geld")]["stance"] == "support"
    assert "end" not in edges(known, "stance")[("B", "topic:geld")]


def test_a_retracted_stance_leaves_the_graph(akkoord, history_store, tmp_path):
    retraction = {"type": "event_retracted", "date": "2025-03-10", "retracts": "b-draait",
                  "reason": "recorded in error"}
    log = write_log(tmp_path, [retraction], name="retract.json")
    assert akkoord("--db", history_store, "import", log).status == 0
    stances = [d["stance"] for u, v, d in graph_of(akkoord, history_store).edges(data=True)
               if (u, v) == ("B", "topic:geld") and d["relation"] == "stance"]
    assert stances == ["support"]


# -- exports -------------------------------------------------------------------------------------


def same_graph(read: nx.MultiDiGraph, projected: nx.MultiDiGraph) -> None:
    assert dict(read.nodes(data=True)) == dict(projected.nodes(data=True))
    assert sorted(read.edges(keys=True, data=True), key=str) == sorted(
        projected.edges(keys=True, data=True), key=str)


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_each_text_export_reads_back_as_the_projection(akkoord, history_store, tmp_path, fmt):
    out = tmp_path / f"graph.{fmt}"
    assert akkoord("--db", history_store, "graph", "--format", fmt, "-o", out).status == 0
    read = read_back(out.read_bytes(), fmt)
    projected = projection(history_store)
    same_graph(read, projected)
    assert read.graph["name"] == projected.graph["name"]


def test_graphml_and_gexf_open_with_plain_networkx(akkoord, history_store, tmp_path):
    akkoord("--db", history_store, "graph", "-o", tmp_path / "g.graphml")
    akkoord("--db", history_store, "graph", "-o", tmp_path / "g.gexf")
    projected = projection(history_store)
    for read in (nx.read_graphml(tmp_path / "g.graphml"), nx.read_gexf(tmp_path / "g.gexf")):
        assert set(read) == set(projected)
        assert read.number_of_edges() == projected.number_of_edges()


def test_gexf_is_dynamic_so_gephi_replays_the_negotiation(akkoord, history_store):
    gexf = akkoord("--db", history_store, "graph", "--format", "gexf").out
    graph = ET.fromstring(gexf).find("{http://gexf.net/1.3}graph")
    assert (graph.get("mode"), graph.get("timeformat")) == ("dynamic", "date")
    ended = [e for e in graph.iter("{http://gexf.net/1.3}edge") if e.get("end")]
    assert {e.get("end") for e in ended} == {"2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04"}
    ids = [e.get("id") for e in graph.iter("{http://gexf.net/1.3}edge")]
    assert len(ids) == len(set(ids))  # Gephi drops an edge whose id repeats


@pytest.mark.filterwarnings("ignore:.*deprecated")  # pydot's parser on a newer pyparsing
def test_dot_parses_and_holds_every_node_and_edge(akkoord, history_store):
    import pydot

    dot = akkoord("--db", history_store, "graph", "--format", "dot", "--history").out
    (parsed,) = pydot.graph_from_dot_data(dot)
    read = nx.nx_pydot.from_pydot(parsed)
    projected = projection(history_store)
    assert {n.strip('"') for n in read} == set(projected)
    keys = {k.strip('"') for _u, _v, k in read.edges(keys=True)}
    # every edge, and the second leg of each claim (from its node to whom it is against)
    assert keys == {k for _u, _v, k in projected.edges(keys=True)} | {"claim:korting:against"}
    now = akkoord("--db", history_store, "graph", "--format", "dot").out
    assert "claim:korting" not in now and "ended 2025-03-01" in dot  # history only when asked
    relations = {d["relation"].strip('"') for *_e, d in read.edges(data=True)}
    assert relations == set(RELATIONS)


def test_svg_parses_and_names_every_party(akkoord, example_store):
    result = akkoord("--db", example_store, "graph", "--format", "svg")
    assert result.status == 0, result.err
    svg = ET.fromstring(result.out)
    texts = {"".join(t.itertext()).strip() for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    parties = {e["data"]["id"] for e in akkoord("--db", example_store, "log", "--json", "--type",
                                                "stakeholder_registered").json()}
    assert parties == {"VB", "VNG", "JENV", "RCDV", "RIJK", "GEM", "VR", "DEF", "BAC"}
    assert parties <= texts
    assert {"positive alignment", "stance (for)", "claim (by → claim → against)"} <= texts  # legend


def test_png_opens(akkoord, example_store, tmp_path):
    from matplotlib.image import imread

    out = tmp_path / "graph.png"
    assert akkoord("--db", example_store, "graph", "-o", out).status == 0
    height, width, channels = imread(out).shape
    assert width > 800 and height > 600 and channels in (3, 4)


@pytest.mark.parametrize("options, message", [
    (["--format", "png"], "binary"),
    (["-o", "graph.xyz"], "cannot tell the format"),
    (["--analyse", "--format", "dot"], "--analyse"),
])
def test_usage_mistakes_are_one_line(akkoord, example_store, options, message):
    result = akkoord("--db", example_store, "graph", *options)
    assert result.status == 2 and message in result.err and len(result.err.splitlines()) == 1


def test_graph_of_a_missing_store_creates_nothing(akkoord, tmp_path):
    missing = tmp_path / "nothing.db"
    assert akkoord("--db", missing, "graph").status == 2
    assert not missing.exists()


def test_only_graph_imports_networkx_and_only_a_picture_matplotlib(example_store, tmp_path):
    probe = f"""
import sys
from akkoord.cli.main import main
def heavy():
    print("heavy:", sorted(m for m in ("networkx", "matplotlib", "numpy") if m in sys.modules))
heavy()
main(["--db", {str(example_store)!r}, "positions", "--json"])
heavy()
main(["--db", {str(example_store)!r}, "graph", "--json"])
heavy()
"""
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "AKKOORD_ACTOR": "test", "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True,
                         text=True, check=True)
    lines = [line for line in run.stdout.splitlines() if line.startswith("heavy:")]
    assert lines == ["heavy: []", "heavy: []", "heavy: ['networkx']"]  # no matplotlib without a picture
