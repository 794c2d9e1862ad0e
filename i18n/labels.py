"""How human output names the values of the log format's enums (statuses, stances, roles, kinds).

The values themselves (``overdue``, ``partially_granted``) are the contract of ``--json`` and the
log format and are never translated; a table or a page shows their label, in the chosen
language. Each enum has its own labels, since one English word can be two Dutch ones (a party's
stance ``support`` is *steunt*, a role ``support`` *ondersteunend*).
"""

from __future__ import annotations

from akkoord.i18n import N_, _

LABELS: dict[str, dict[str, str]] = {
    "commitment": {"open": N_("open"), "overdue": N_("overdue"), "fulfilled": N_("fulfilled"),
                   "withdrawn": N_("withdrawn")},
    "claim": {"open": N_("open"), "granted": N_("granted"),
              "partially_granted": N_("partially granted"), "rejected": N_("rejected"),
              "withdrawn": N_("withdrawn")},
    "revision": {"draft": N_("draft"), "concept": N_("concept"), "definitive": N_("definitive"),
                 "agreed": N_("agreed")},
    "stance": {"support": N_("supports"), "conditional": N_("supports on conditions"),
               "oppose": N_("opposes"), "demand": N_("demands"), "neutral": N_("neutral")},
    "role": {"primary": N_("primary"), "regie": N_("directing (regie)"),
             "support": N_("supporting"), "advisory": N_("advising"), "funding": N_("funding"),
             "other": N_("other role")},
    "kind": {"council": N_("council"), "association": N_("association"),
             "ministry": N_("ministry"), "government": N_("government"), "region": N_("region"),
             "municipality": N_("municipality"), "collective": N_("collective"),
             "advisory": N_("advisory body"), "other": N_("other")},
    "meeting": {"scheduled": N_("scheduled"), "held": N_("held"), "past": N_("past, not held")},
    # how an item of the proposal changed from one revision to another (diff)
    "change": {"added": N_("added"), "removed": N_("removed"), "changed": N_("changed"),
               "unchanged": N_("unchanged"), "kept": N_("kept")},
}


def label(enum: str, value: str | None) -> str:
    """The label of ``value`` of ``enum`` (a key of LABELS) in the chosen language; a value
    without a label (from a newer store, say) is shown as it is."""
    if value is None:
        return "-"
    known = LABELS[enum].get(value)
    return _(known) if known is not None else value
