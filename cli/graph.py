"""``akkoord graph``: the stakeholder graph, its analysis, and exports for Gephi, Graphviz and D3.

networkx and matplotlib are imported inside ``run_graph`` only, so every other command starts
without them.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from akkoord.cli.render import print_json, table
from akkoord.cli.session import Session, UsageError, add_command
from akkoord.i18n import _, english, human_date
from akkoord.i18n.labels import label
from akkoord.interchange.graph_formats import FORMATS, SUFFIXES, TEXT_FORMATS

# How the analysis writes its figures (format specifications).
GENERAL, SIGNED, PERCENT, TWO_DECIMALS = "g", "+g", ".0%", ".2f"
# The export formats programs read: never translated.
MACHINE_FORMATS = ("json", "graphml", "gexf")


def register(subparsers: Any, shared: dict[str, argparse.ArgumentParser]) -> None:
    description = _("the stakeholder graph: parties, tasks, topics, items, claims and "
                    "revisions, with stances, alignment, roles, commitments and claims between "
                    "them")
    parser = add_command(subparsers, "graph", run_graph,
                         _("the stakeholder graph, its analysis and its exports"),
                         [shared["store"], shared["reading"]], description)
    parser.add_argument("--format", choices=FORMATS,
                        help=_("write the graph in this format (default: from the -o suffix, "
                               "else a table of the edges)"))
    parser.add_argument("-o", "--output", metavar="FILE",
                        help=_("write to FILE (else standard output, for the text formats)"))
    parser.add_argument("--size", choices=("a4", "slide"), default="a4",
                        help=_("the picture's page: A4 portrait or a 16:9 slide (default: a4)"))
    parser.add_argument("--history", action="store_true",
                        help=_("also draw what ended: superseded stances and revisions, kept or "
                               "withdrawn commitments, settled claims (svg, png, dot)"))
    parser.add_argument("--analyse", "--analyze", action="store_true",
                        help=_("coalitions, structural balance, brokers and role division"))


def run_graph(session: Session, args: Any) -> int:
    fmt = _format(args)
    if args.analyse and fmt is not None:
        raise UsageError(_("--analyse prints the analysis; leave out --format and -o"))
    from akkoord.projections.graph import build_graph

    # what a program reads (JSON, GraphML, GEXF) is the same in every language; a picture and a
    # table are for people
    machine = args.json or fmt in MACHINE_FORMATS
    with english() if machine else contextlib.nullcontext():
        graph = build_graph(session.queries, session.negotiation, session.axes)
    if args.analyse:
        from akkoord.projections.graph_analysis import analyse

        with english() if machine else contextlib.nullcontext():
            analysis = analyse(graph)
        if args.json:
            print_json(analysis)
        else:
            print(render_analysis(analysis))
        return 0
    if fmt is None:
        if args.json:
            fmt = "json"
        else:
            print(render_edges(graph))
            return 0
    from akkoord.interchange.graph_formats import render

    with english() if machine else contextlib.nullcontext():
        data = render(graph, fmt, args.size, args.history)
    if args.output:
        from akkoord.interchange.output import write_atomically

        write_atomically(args.output, lambda stream: stream.write(data), binary=True,
                         protected=session.protected_paths())
    else:
        sys.stdout.write(data.decode("utf-8"))
    return 0


def _format(args: Any) -> str | None:
    if args.format is None and args.output:
        suffix = Path(args.output).suffix.lower()
        if suffix not in SUFFIXES:
            raise UsageError(_("cannot tell the format from {path!r}; give --format "
                               "({formats})").format(path=args.output, formats=", ".join(FORMATS)))
        return SUFFIXES[suffix]
    if args.format is not None and args.format not in TEXT_FORMATS and not args.output:
        raise UsageError(_("--format {format} is binary: give -o FILE").format(format=args.format))
    return args.format


def render_edges(graph: Any) -> str:
    """What holds now, one edge a line, with the positions of the events it rests on."""
    from akkoord.interchange.graph_style import edge_caption
    from akkoord.projections.graph import current_edges

    counts: dict[str, int] = {}
    for _node, data in graph.nodes(data=True):
        counts[data["category"]] = counts.get(data["category"], 0) + 1
    holding = sorted(current_edges(graph), key=lambda edge: (edge[3]["relation"], *edge[:3]))
    rows = [[data["relation"], u, v, edge_caption(data), human_date(data["start"]),
             " ".join(str(s) for s in data["sources"])] for u, v, _key, data in holding]
    nodes = ", ".join(f"{count} {category}" for category, count in counts.items()) \
        or _("no nodes")
    if not rows:
        return _("{name}: {nodes}; no edges").format(name=graph.graph["name"], nodes=nodes)
    return (f"{graph.graph['name']}: {nodes}\n\n"
            + table([_("relation"), _("from"), _("to"), _("what"), _("since"), _("sources")],
                    rows))


def render_analysis(analysis: dict[str, Any]) -> str:
    lines = [_("{negotiation}: coalitions on the signed party graph (frustration "
               "{frustration})").format(negotiation=analysis["negotiation"],
                                        frustration=format(analysis["frustration"], GENERAL)), ""]
    for coalition in analysis["coalitions"]:
        lines.append(f"  {coalition['number']}. {', '.join(coalition['parties'])}")
    if not analysis["coalitions"]:
        lines.append("  " + _("none: no party is tied to another"))
    if analysis["unaligned"]:
        lines.append("  " + _("no ties: {parties}").format(parties=", ".join(analysis["unaligned"])))
    balance = analysis["balance"]
    lines += ["", _("Structural balance: {verdict}").format(verdict=(
        _("{balanced} of {triangles} triangles balanced ({share})").format(
            balanced=balance["balanced"], triangles=balance["triangles"],
            share=format(balance["share"], PERCENT))
        if balance["triangles"] else _("no triangle of ties")))]
    lines += ["", _("Brokers:")]
    lines += ["  " + _("{party} links coalitions {coalitions} (betweenness {betweenness})").format(
                  party=b["party"], coalitions=", ".join(map(str, b["links"])),
                  betweenness=format(b["betweenness"], TWO_DECIMALS))
              for b in analysis["brokers"]] or ["  " + _("none")]
    lines += ["", _("Role division:")]
    for task in analysis["roles"]:
        held = "; ".join(f"{label('role', r['role'])} {r['party']}" for r in task["roles"])
        lines.append(f"  {task['task']}: {held}" + "".join(f" ({r})" for r in task["remarks"]))
    if not analysis["roles"]:
        lines.append("  " + _("no roles assigned"))
    if analysis["ties"]:
        lines += ["", _("Ties (alignment counted in subjects, minus one per open claim):")]
        lines.append(table([_("party"), _("party"), _("tie")],
                           [[*t["parties"], format(t["tie"], SIGNED)] for t in analysis["ties"]], right=[2]))
    return "\n".join(lines)
