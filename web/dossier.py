"""Everything one dossier page shows, gathered from the views on both time axes.

The page is made of the same answers the command line gives (``status``, ``proposal``, ``diff``,
``commitments``, ``claims``, ``positions``, ``meetings``, ``graph --analyse``, ``log``,
``verify``), so a figure on the page is the figure a terminal shows, with the positions of the
events it came from (``sources``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from akkoord.projections.axes import Axes, NotFound
from akkoord.projections.queries import Queries

# How many things each box of "at a glance" names; the registers below list them all.
GLANCE_SHOWN = 8


@dataclass
class Integrity:
    """``verify``'s verdict when the page was made, and the checkpoint line to keep."""

    ok: bool
    events: int
    position: int
    chain: str
    problems: list[str]
    checkpoint: str | None
    checked_at: str


@dataclass
class DossierPage:
    negotiation: str
    title: str
    axes: Axes
    judged_on: str
    proposal: dict[str, Any] | None
    revisions: list[dict[str, Any]]
    commitments: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    stances: dict[str, Any]
    meetings: list[dict[str, Any]]
    graph_svg: str | None
    analysis: dict[str, Any] | None
    timeline: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    integrity: Integrity | None
    distributions: list[dict[str, Any]]

    @property
    def overdue(self) -> list[dict[str, Any]]:
        return [c for c in self.commitments if c["status"] == "overdue"]

    @property
    def due_next(self) -> list[dict[str, Any]]:
        waiting = [c for c in self.commitments if c["status"] == "open" and c["due"]]
        return sorted(waiting, key=lambda c: (c["due"], c["id"]))[:GLANCE_SHOWN]

    @property
    def open_claims(self) -> list[dict[str, Any]]:
        return [c for c in self.claims if c["status"] == "open"]

    @property
    def meetings_to_come(self) -> list[dict[str, Any]]:
        return [m for m in self.meetings if not m["held"] and m["scheduled_for"] >= self.judged_on]


def gather(queries: Queries, negotiation: str, axes: Axes,
           integrity: Integrity | None = None) -> DossierPage:
    """The page of ``negotiation`` on ``axes``, with the store's ``integrity`` when given."""
    dossier = queries.dossier(negotiation, axes)
    revisions = _revisions(queries, negotiation, axes)
    graph_svg, analysis = _graph(queries, negotiation, axes)
    timeline = queries.log(axes, negotiation)
    return DossierPage(
        negotiation=negotiation,
        title=dossier["title"],
        axes=axes,
        judged_on=axes.judged_on().isoformat(),
        proposal=revisions[-1]["proposal"] if revisions else None,
        revisions=revisions,
        commitments=[_with_moves(c) for c in queries.commitments(negotiation, axes)],
        claims=queries.claims(negotiation, axes),
        stances=_stance_matrix(queries.positions(negotiation, axes)),
        meetings=queries.meetings(negotiation, axes),
        graph_svg=graph_svg,
        analysis=analysis,
        timeline=_with_retractions(timeline),
        documents=_documents(timeline),
        integrity=integrity,
        distributions=_distributions(queries, negotiation, axes,
                                     revisions[-1]["proposal"] if revisions else None),
    )


def _revisions(queries: Queries, negotiation: str, axes: Axes) -> list[dict[str, Any]]:
    """Every revision in the order it was proposed, each with what changed since the one before;
    the last is the proposal in force (the latest by date and position)."""
    try:
        current = queries.proposal(negotiation, axes)
    except NotFound:
        return []
    numbers: list[int] = []
    for row in queries.revisions(negotiation, axes):
        if row["revision"] in numbers:
            numbers.remove(row["revision"])  # proposed again: it counts from its latest
        numbers.append(row["revision"])
    numbers.remove(current["revision"])
    numbers.append(current["revision"])
    shown: list[dict[str, Any]] = []
    for number in numbers:
        proposal = current if number == current["revision"] else queries.proposal(negotiation, axes, number)
        changes = None
        if shown:
            changes = queries.diff(negotiation, axes, shown[-1]["proposal"]["revision"], number)
        shown.append({"proposal": proposal, "changes": changes})
    return shown


def _with_moves(commitment: dict[str, Any]) -> dict[str, Any]:
    """The commitment with each move of its deadline as (from, to, date, reason, position)."""
    moves = []
    due = None
    for step in commitment["history"]:
        if step["type"] == "commitment_made":
            due = step["due"]
        elif step["type"] == "commitment_rescheduled":
            moves.append({"from": due, "to": step["due"], "date": step["date"],
                          "reason": step.get("reason"), "position": step["position"]})
            due = step["due"]
    return {**commitment, "moves": moves}


def _stance_matrix(positions: list[dict[str, Any]]) -> dict[str, Any]:
    parties = sorted({p["stakeholder"] for p in positions})
    subjects = sorted({p["subject"] for p in positions})
    cells = {(p["stakeholder"], p["subject"]): p for p in positions}
    return {"parties": parties, "subjects": subjects, "cells": cells}


def _with_retractions(timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each entry also names the events it retracts (the reverse of ``retracted_by``)."""
    retracts: dict[int, list[int]] = {}
    for entry in timeline:
        if entry["retracted_by"]:
            retracts.setdefault(entry["retracted_by"], []).append(entry["position"])
    for entry in timeline:
        entry["retracts"] = retracts.get(entry["position"], [])
    return timeline


def _documents(timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The source documents the events were read from, numbered in order of first use; each
    entry of the timeline gets its ``source`` (the document's number, page and section)."""
    numbers: dict[tuple[str, str | None], int] = {}
    documents = []
    for entry in timeline:
        source = entry["data"].get("source")
        entry["source"] = None
        if not isinstance(source, dict) or not source.get("document"):
            continue
        key = (source["document"], source.get("classification"))
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            documents.append({"number": numbers[key], "document": key[0], "classification": key[1]})
        entry["source"] = {"number": numbers[key], "page": source.get("page"),
                           "section": source.get("section")}
    return documents


def _graph(queries: Queries, negotiation: str, axes: Axes) -> tuple[str | None, dict[str, Any] | None]:
    """The stakeholder graph as inline SVG (the ``graph`` command's picture) and its analysis."""
    from akkoord.interchange.graph_picture import draw
    from akkoord.projections.graph import build_graph
    from akkoord.projections.graph_analysis import analyse

    graph = build_graph(queries, negotiation, axes)
    analysis = analyse(graph)
    if graph.number_of_nodes() == 0:
        return None, analysis
    return inline_svg(draw(graph, "svg").decode("utf-8")), analysis


SVG_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)


def inline_svg(svg: str) -> str:
    """An SVG document as an element inside HTML: no XML declaration or DOCTYPE, scaled to the
    page, and a picture for assistive technology, described by the text beside it."""
    svg = SVG_PROLOGUE.sub("", svg, count=1)
    svg = re.sub(r'<svg\b', '<svg role="img" aria-labelledby="graph-caption" '
                            'aria-describedby="graph-analysis" focusable="false" class="graph"',
                 svg, count=1)
    # matplotlib's own <title> would be read instead of the caption
    return re.sub(r"<title>.*?</title>", "", svg, flags=re.DOTALL)


def integrity(recorder: Any) -> Integrity:
    """``verify``'s verdict on the whole store now (it reads every stored event)."""
    from datetime import datetime, timezone

    from akkoord.store.integrity import verify

    result = verify(recorder)
    return Integrity(ok=result.ok, events=result.events, position=result.position,
                     chain=result.chain.hex(), problems=[p.message for p in result.problems],
                     checkpoint=result.checkpoint().line() if result.ok else None,
                     checked_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"))


def _distributions(queries: Queries, negotiation: str, axes: Axes,
                   proposal: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each item of the proposal in force whose distribution names a key in force, divided over
    the regions by it, as ``distribute --json`` divides it; each region's share also in percent."""
    from akkoord.projections.divisions import division, percent

    shown: list[dict[str, Any]] = []
    for item in proposal["items"] if proposal else []:
        row = queries.distribution_key(negotiation, axes, item["distribution"]) \
            if item["distribution"] else None
        if row is None:
            continue  # no key, or free text such as "BDuR-systematiek"
        divided = division(row, item["by_year"])
        for region in divided["regions"]:
            region["percent"] = percent(region["share"])
        years = [y for y in proposal["years"] if item["by_year"][str(y)]]  # the years it has money
        shown.append({**divided, "item": item["id"], "years": years,
                      "sources": [row["position"], *item["sources"]]})
    return shown
