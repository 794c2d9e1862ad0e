"""How the stakeholder graph looks, in every format that draws it (DOT, GEXF colours, SVG, PNG).

Colours are the Okabe-Ito palette, which stays distinct for colour-blind readers; line styles
carry the sign of a tie as well, so positive and negative alignment differ without colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from akkoord.i18n import _, ngettext

KIND_COLOURS = {
    "council": "#E69F00",
    "association": "#56B4E9",
    "ministry": "#009E73",
    "government": "#0072B2",
    "region": "#D55E00",
    "municipality": "#F0E442",
    "collective": "#CC79A7",
    "advisory": "#BBBBBB",
    "other": "#FFFFFF",
}
SUBJECT_COLOUR = "#F2F2F2"

# category -> (matplotlib marker, Graphviz shape)
CATEGORY_SHAPES = {
    "party": ("o", "ellipse"),
    "task": ("s", "box"),
    "topic": ("D", "diamond"),
    "item": ("^", "house"),  # a triangle in DOT grows huge around its label
    "claim": ("p", "pentagon"),
    "proposal": ("h", "hexagon"),
}


@dataclass(frozen=True)
class Line:
    legend: str
    colour: str
    dash: str  # solid, dashed, dotted or dashdot
    arrow: bool
    width: float = 1.0


SIGN_WORDS = {1: "positive", -1: "negative", 0: "neutral"}
SIDES = {1: "for", -1: "against", 0: "neutral"}
SIGN_DASHES = {1: "solid", -1: "dashed", 0: "dotted"}
ALIGNMENT_COLOURS = {1: "#1B7837", -1: "#B2182B", 0: "#777777"}

LINES = {
    **{("alignment", sign): Line(f"{word} alignment", ALIGNMENT_COLOURS[sign], SIGN_DASHES[sign],
                                 False, 2.0)
       for sign, word in SIGN_WORDS.items()},
    **{("stance", sign): Line(f"stance ({side})", "#666666", SIGN_DASHES[sign], True, 0.8)
       for sign, side in SIDES.items()},
    ("role", 0): Line("role in a task", "#762A83", "dashdot", True, 1.4),
    ("commitment", 0): Line("commitment (by → to)", "#E08214", "solid", True, 1.4),
    ("claim", 0): Line("claim (by → claim → against)", "#8C510A", "dashdot", True, 1.4),
    ("agreement", 0): Line("agreed to the revision", "#0072B2", "solid", True, 2.2),
}
# What no longer holds (a superseded stance, a kept or withdrawn commitment, a settled claim),
# drawn only when the history is asked for, and then faint, so the present stands out.
HISTORY = Line("ended (history)", "#B8B8B8", "dotted", True, 0.9)
CURRENT_REVISION_COLOUR = "#56B4E9"
SUPERSEDED_COLOUR = "#E4E4E4"


@dataclass(frozen=True)
class PageSize:
    """A printed size: the figure in inches and the smallest type on it in points."""

    name: str
    width: float
    height: float
    font: float


PAGE_SIZES = {
    "a4": PageSize("a4", 8.27, 11.69, 8.0),  # portrait: the graph above, the legend below
    "slide": PageSize("slide", 13.33, 7.5, 9.0),  # 16:9: the graph left, the legend right
}
SMALLEST_TYPE = 7.0  # points: nothing on the page is set smaller


def line_of(data: dict[str, Any]) -> Line:
    relation = data["relation"]
    return LINES[(relation, data["sign"] if relation in ("alignment", "stance") else 0)]


def node_colour(data: dict[str, Any]) -> str:
    if data["category"] != "party":
        return SUBJECT_COLOUR
    return KIND_COLOURS.get(data["kind"], SUBJECT_COLOUR)


def title(graph: Any) -> str:
    """The dossier and the point in time the graph shows."""
    when = [f"as of {graph.graph['as_of']}"] if "as_of" in graph.graph else []
    when += [f"known at position {graph.graph['known_at']}"] if "known_at" in graph.graph else []
    return f"{graph.graph['name']}: the stakeholder graph" + (f" ({', '.join(when)})" if when else "")


def edge_caption(data: dict[str, Any], ids: bool = True) -> str:
    """The few words written on an edge; a commitment or claim by its id unless ``ids`` is off."""
    relation = data["relation"]
    if relation == "stance":
        return data["stance"]
    if relation == "role":
        return data["role"]
    if relation == "alignment":
        return alignment_words(data)
    if relation == "agreement":
        return _("agreed")
    return f"{data['id']} ({data['status']})" if ids else data["status"]


def alignment_words(data: dict[str, Any]) -> str:
    """An alignment in words: ``agree on 2 subjects``, ``mostly disagree on 3 subjects``."""
    if data.get("declared"):
        if data.get("toward"):
            return _("declared allies toward {toward}").format(toward=data["toward"])
        return _("declared allies")
    count = data["weight"]
    agreement = data["agreement"]
    if agreement == 0:
        text = ngettext("neither agree nor disagree on {count} subject",
                        "neither agree nor disagree on {count} subjects", count)
    elif agreement == 1:
        text = ngettext("agree on {count} subject", "agree on {count} subjects", count)
    elif agreement == -1:
        text = ngettext("disagree on {count} subject", "disagree on {count} subjects", count)
    elif agreement > 0:
        text = ngettext("mostly agree on {count} subject", "mostly agree on {count} subjects",
                        count)
    else:
        text = ngettext("mostly disagree on {count} subject",
                        "mostly disagree on {count} subjects", count)
    return text.format(count=count)


def revision_words(data: dict[str, Any]) -> str:
    """A revision's state in words: ``current, agreed`` or ``superseded``."""
    superseded = data.get("state") == "superseded"
    if data.get("agreed_by"):
        return _("agreed, later superseded") if superseded else _("current, agreed")
    return _("superseded") if superseded else _("current")
