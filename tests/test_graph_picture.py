"""The picture as printed: its page, its type, and what it shows (and hides) to a reader."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from test_graph_standards import any_store, regions_store  # noqa: F401 - fixtures

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(akkoord, store: Path, *options: str) -> tuple[ET.Element, list[str]]:
    result = akkoord("--db", store, "graph", "--format", "svg", *options)
    assert result.status == 0, result.err
    svg = ET.fromstring(result.out)
    return svg, ["".join(t.itertext()).strip() for t in svg.iter(f"{SVG}text")]


@pytest.mark.parametrize("size, inches", [("a4", (8.27, 11.69)), ("slide", (13.33, 7.5))])
def test_the_picture_is_sized_for_its_page_and_no_type_is_smaller_than_7_points(
        akkoord, any_store, tmp_path, size, inches):
    """One drawing per page and store serves both checks (drawing is the slow part)."""
    from matplotlib.image import imread

    out = tmp_path / "graph.png"
    assert akkoord("--db", any_store, "graph", "--size", size, "-o", out).status == 0
    height, width, _channels = imread(out).shape
    assert width / height == pytest.approx(inches[0] / inches[1], rel=0.01)
    svg, _texts = svg_texts(akkoord, any_store, "--size", size)
    assert float(svg.get("width").removesuffix("pt")) == pytest.approx(inches[0] * 72, rel=0.01)
    # matplotlib writes SVG at 72 units an inch, so a px in it is a point on the page
    sizes = [float(found) for t in svg.iter(f"{SVG}text")
             for found in re.findall(r"font-size: ([\d.]+)px", t.get("style", ""))]
    assert sizes and min(sizes) >= 7


def test_labels_are_words_not_numbers(akkoord, example_store):
    _svg, texts = svg_texts(akkoord, example_store)
    assert "declared allies toward RIJK" in texts
    assert not [t for t in texts if re.search(r"[+-]\d\.\d\d on \d", t)]
    assert "claim natuurbrandbestrijding" in " ".join(texts)  # a subject's name is never cut


def test_history_is_hidden_until_asked_for_and_then_told_apart(akkoord, regions_store):
    _svg, now = svg_texts(akkoord, regions_store)
    _svg, then = svg_texts(akkoord, regions_store, "--history")
    assert "(current, agreed)" in now and "revision 3" in now
    assert "revision 1" not in now and "claim korting-1" not in " ".join(now)
    assert "ended (history)" not in now
    assert "revision 1" in then and "claim korting-1" in " ".join(then)
    assert {"ended (history)", "superseded revision", "(superseded)"} <= set(then)


def test_agreements_claims_and_self_commitments_are_drawn(akkoord, regions_store):
    _svg, texts = svg_texts(akkoord, regions_store)
    assert "agreed to the revision" in texts and texts.count("agreed") >= 3  # JENV, VB, VNG
    assert "to itself: overdue" in texts  # VR14's pilot, a commitment to itself
    assert "claim (by → claim → against)" in texts
    assert any(t.startswith("strongest 2 ties per party drawn") for t in texts)


def test_claims_run_through_their_node(regions_store):
    from akkoord.interchange.graph_picture import _drawn_edges
    from test_graph import projection

    graph = projection(regions_store)
    drawn, _left_out = _drawn_edges(graph, history=False)
    legs = {(u, v) for u, v, _line, _declared, data in drawn if data["relation"] == "claim"}
    open_claims = [(u, v, key) for u, v, key, d in graph.edges(keys=True, data=True)
                   if d["relation"] == "claim" and "end" not in d]
    assert len(open_claims) == 4
    assert legs == {leg for u, v, claim in open_claims for leg in ((u, claim), (claim, v))}


def test_the_drawing_fills_its_square(akkoord, any_store, tmp_path):
    import numpy as np
    from matplotlib.image import imread

    out = tmp_path / "graph.png"
    assert akkoord("--db", any_store, "graph", "--size", "slide", "-o", out).status == 0
    pixels = imread(out)[..., :3]
    height, width = pixels.shape[:2]
    side = round(height * (7.5 - 0.4) / 7.5)  # the square on the left of the slide
    square = pixels[height - side:, :side]
    inked = np.argwhere(square.min(axis=2) < 0.9)
    spans = (inked.max(axis=0) - inked.min(axis=0)) / side
    assert spans.max() >= 0.9  # labels and all reach across the square one way or the other
