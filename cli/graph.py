"""``akkoord graph``: the stakeholder graph, its analysis, and exports for Gephi, Graphviz and D3.

networkx and matplotlib are imported inside ``run_graph`` only, so every other command starts
without them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from akkoord.cli.render import print_json, table
from akkoord.cli.session import Session, UsageError, add_command
from akkoord.interchange.graph_formats import FORMATS, SUFFIXES, TEXT_FORMATS


def register(subparsers: Any, shared: dict[str, argparse.ArgumentParser]) -> None:
    description = ("the stakeholder graph: parties, tasks, topics, items, claims and revisions, "
                   "with stances, alignment, roles, commitments and claims between them")
    parser = add_command(subparsers, "graph", run_graph,
                         "the stakeholder graph, its analysis and its exports",
                         [shared["store"], shared["reading"]], description)
    parser.add_argument("--format", choices=FORMATS,
                        help="write the graph in this format (default: from the -o suffix, "
                             "else a table of the edges)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE (else standard output, for the text formats)")
    parser.add_argument("--size", choices=("a4", "slide"), default="a4",
                        help="the picture's page: A4 portrait or a 16:9 slide (default: a4)")
    parser.add_argument("--history", action="store_true",
                        help="also draw what ended: superseded stances and revisions, kept or "
                             "withdrawn commitments, settled claims (svg, png, dot)")
    parser.add_argument("--analyse", "--analyze", action="store_true",
                        help="coalitions, structural balance, brokers and role division")


def run_graph(session: Session, args: Any) -> int:
    fmt = _format(args)
    if args.analyse and fmt is not None:
        raise UsageError("--analyse prints the analysis; leave out --format and -o")
    from akkoord.projections.graph import build_graph

    graph = build_graph(session.queries, session.negotiation, session.axes)
    if args.analyse:
        from akkoord.projections.graph_analysis import analyse

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
            raise UsageError(f"cannot tell the format from {args.output!r}; "
                             f"give --format ({', '.join(FORMATS)})")
        return SUFFIXES[suffix]
    if args.format is not None and args.format not in TEXT_FORMATS and not args.output:
        raise UsageError(f"--format {args.format} is binary: give -o FILE")
    return args.format


def render_edges(graph: Any) -> str:
    """What holds now, one edge a line, with the positions of the events it rests on."""
    from akkoord.interchange.graph_style import edge_caption
    from akkoord.projections.graph import current_edges

    counts: dict[str, int] = {}
    for _node, data in graph.nodes(data=True):
        counts[data["category"]] = counts.get(data["category"], 0) + 1
    holding = sorted(current_edges(graph), key=lambda edge: (edge[3]["relation"], *edge[:3]))
    rows = [[data["relation"], u, v, edge_caption(data), data["start"],
             " ".join(str(s) for s in data["sources"])] for u, v, _key, data in holding]
    nodes = ", ".join(f"{count} {category}" for category, count in counts.items()) or "no nodes"
    if not rows:
        return f"{graph.graph['name']}: {nodes}; no edges"
    return (f"{graph.graph['name']}: {nodes}\n\n"
            + table(["relation", "from", "to", "what", "since", "sources"], rows))


def render_analysis(analysis: dict[str, Any]) -> str:
    lines = [f"{analysis['negotiation']}: coalitions on the signed party graph "
             f"(frustration {analysis['frustration']:g})", ""]
    for coalition in analysis["coalitions"]:
        lines.append(f"  {coalition['number']}. {', '.join(coalition['parties'])}")
    if not analysis["coalitions"]:
        lines.append("  none: no party is tied to another")
    if analysis["unaligned"]:
        lines.append(f"  no ties: {', '.join(analysis['unaligned'])}")
    balance = analysis["balance"]
    lines += ["", "Structural balance: " + (
        f"{balance['balanced']} of {balance['triangles']} triangles balanced ({balance['share']:.0%})"
        if balance["triangles"] else "no triangle of ties")]
    lines += ["", "Brokers:"]
    lines += [f"  {b['party']} links coalitions {', '.join(map(str, b['links']))} "
              f"(betweenness {b['betweenness']:.2f})" for b in analysis["brokers"]] or ["  none"]
    lines += ["", "Role division:"]
    for task in analysis["roles"]:
        held = "; ".join(f"{r['role']} {r['party']}" for r in task["roles"])
        lines.append(f"  {task['task']}: {held}" + "".join(f" ({r})" for r in task["remarks"]))
    if not analysis["roles"]:
        lines.append("  no roles assigned")
    if analysis["ties"]:
        lines += ["", "Ties (alignment counted in subjects, minus one per open claim):"]
        lines.append(table(["party", "party", "tie"],
                           [[*t["parties"], f"{t['tie']:+g}"] for t in analysis["ties"]], right=[2]))
    return "\n".join(lines)
