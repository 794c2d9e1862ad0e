"""Read models: SQLite tables of facts, filled by SQL straight from the stored events.

Every row is one fact with the position of the event it came from, its effective ``date`` and,
once a retraction is recorded, ``retracted_at`` (the retraction's position). That makes every
view bitemporal: the answer for ``--as-of DATE --known-at POSITION`` is a filter on the same
rows, so time travel needs no replay. Views are disposable: ``rebuild`` drops them and reads
the events again; otherwise each view catches up from the position it has recorded, and writes
its rows and that position in one transaction.

Each table is filled by one ``INSERT … SELECT`` over the events' stored JSON (``json_extract``),
so SQLite decodes only the fields a view needs and no domain object is built per event: that is
what keeps a rebuild of a million events near the cost of merely reading them. The statements
read from ``{events}``: a table or view with the columns ``position``, ``originator_id``,
``topic`` and ``state`` (the event's JSON as text, in the application transcoder's notation:
a value object, date or enum is ``{"_type_": …, "_data_": …}``), limited to the positions
``:after < position <= :upto``. The log holds what it is searched by (dossier, position, date,
type, ref); the events it shows are read from the store then, and their summary and record in the
log format are made for those alone: a rebuild copies no event.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from akkoord.domain.topics import topic_of

FACT_COLUMNS = {"negotiation": str, "position": int, "date": str, "retracted_at": int}
# The dossier an event belongs to, by its aggregate; the dossier view is filled first.
# An event's type is its topic without the prefix (domain.topics).
EVENT_TYPE = f"substr(e.topic, {len(topic_of('')) + 1})"
NEGOTIATION = "(SELECT d.negotiation FROM dossiers AS d WHERE d.aggregate_id = e.originator_id)"


class View(NamedTuple):
    """A group of tables kept together, with the position it has processed.

    Which events fill a table is declared by the event classes (their ``ROWS``); the statements
    are made from those declarations (``statements``), when events are first processed. (A
    tuple, not a dataclass: reading commands then load no ``dataclasses``; its mappings are
    never changed, so the empty defaults are shared safely.)
    """

    name: str
    version: int
    tables: dict[str, dict[str, type]]
    # The columns of the one row every event fills (the log): column -> field or mark; the
    # other tables' rows are declared by the event classes.
    every_event: dict[str, str] = {}
    # The primary key of each table (default: position, one row per event).
    keys: dict[str, tuple[str, ...]] = {}
    # Indexes that answer queries: made after the rows in a rebuild.
    indexes: list[tuple[str, list[str]]] = []
    # Indexes the filling itself looks things up by, made with the tables: name -> SQL.
    lookups: dict[str, str] = {}
    # A view derived from other views' rows rather than filled from events: the module whose
    # ``catch_up(db, after, upto, retracted, at_head)`` brings it up to date after each batch's
    # rows (``retracted``: the positions the batch retracted; ``at_head``: the batch is the last).
    derived_by: str | None = None

    def key(self, table: str) -> tuple[str, ...]:
        return self.keys.get(table, ("position",))


def by_notation(key: str, value_type: type, parsed: str) -> str:
    """A top-level field read off the compact JSON the transcoder writes, without parsing it.

    The field's opening (``"key":…``, from the stored notation) appears once at most in an
    event's JSON (a quote inside a string value is escaped, and no nested value has these keys),
    so where it appears the value follows it. Elsewhere (another notation) the field is parsed
    as usual. Dates and refs are read for every event, and parsing the whole JSON for them was a
    large part of a rebuild.
    """
    from akkoord.application.notation import marker

    opening, length = marker(key, value_type)
    # Braces doubled: the statements are templates for str.format.
    found = "instr(e.state, '{}')".format(opening.replace("{", "{{").replace("}", "}}"))
    taken = ("NULL" if length is None else
             f"substr(e.state, {found} + {len(opening)}, {length})")
    return f"CASE WHEN {found} > 0 THEN {taken} ELSE {parsed} END"


def effective_date() -> str:
    """The effective date of every event."""
    from datetime import date

    from akkoord.application.notation import read_sql
    from akkoord.domain.negotiation import Negotiation

    return by_notation("date", date, read_sql(Negotiation.Event, "date"))


def by_date(*tables: str) -> list[tuple[str, list[str]]]:
    """The index answers read a dossier's facts by: in (date, position) order, which the
    index gives without sorting (a table's rowid is the position)."""
    return [(table, ["negotiation", "date"]) for table in tables]


def retracted(*tables: str) -> dict[str, str]:
    """Lookups of the retracted facts of those tables (few rows): a count of the visible facts
    is then read off the date index alone, less these (queries.Queries.count)."""
    return {f"{table}_retracted": f"CREATE INDEX IF NOT EXISTS {table}_retracted ON {table} "
                                  "(negotiation, retracted_at) WHERE retracted_at IS NOT NULL"
            for table in tables}


def fill(table: str, event_types: tuple[str, ...] | None, columns: dict[str, str], *,
         negotiation: str = NEGOTIATION, joins: str = "", where: str = "") -> str:
    """``INSERT … SELECT`` of one fact row per event (or per joined element) of those types.

    ``event_types`` None takes every event. Events of given types are found through
    ``{topics}`` (topic, position) rather than by reading every event of the batch.
    """
    names = ", ".join(f"[{name}]" for name in ("negotiation", "position", "date", "retracted_at",
                                                *columns))
    values = ", ".join([negotiation, "e.position", effective_date(), "NULL", *columns.values()])
    if event_types is None:
        source = "{events} AS e"
        where = f"e.position > :after AND e.position <= :upto {where}"
    else:
        topics = ", ".join(f"'{topic_of(t)}'" for t in event_types)
        source = "{topics} AS t JOIN {events} AS e ON e.position = t.position"
        where = f"t.topic IN ({topics}) AND t.position > :after AND t.position <= :upto {where}"
    return f"INSERT INTO [{table}] ({names}) SELECT {values} FROM {source}{joins} WHERE {where}"


def declared_fills(event_class: type, declared: Any) -> list[tuple[str, dict[str, str], str, str, str]]:
    """(table, columns, dossier, joins, where) of the statements of one declared row."""
    from akkoord.application.notation import list_path, read_sql
    from akkoord.domain.schema import AGGREGATE, ELEMENT_INDEX, EVENT_TYPE as TYPE_MARK
    from akkoord.domain.schema import item_type_of
    from akkoord.application.notation import field_type

    element = "element.value"
    element_type = (item_type_of(field_type(event_class, declared.each))
                    if declared.each is not None else None)

    def column(source: str) -> str:
        if source == TYPE_MARK:
            return EVENT_TYPE
        if source == AGGREGATE:
            return "e.originator_id"
        if source == ELEMENT_INDEX:
            return "element.key"
        if source.startswith("each."):
            return read_sql(element_type, source[len("each."):], element)
        return read_sql(event_class, source)

    columns = {name: column(source) for name, source in declared.columns}
    dossier = NEGOTIATION if declared.negotiation is None else read_sql(event_class,
                                                                        declared.negotiation)
    if declared.each is None:
        return [(declared.table, columns, dossier, "", "")]
    path = list_path(declared.each)
    statements = [(declared.table, columns, dossier, f", json_each(e.state, '{path}') AS element", "")]
    if declared.when_empty is not None:
        constants = {name: "NULL" if value is None else repr(value)
                     for name, value in declared.when_empty}
        statements.append((declared.table, constants, dossier, "",
                           f"AND json_array_length(e.state, '{path}') = 0"))
    return statements


def every_event_fill(view: View) -> str:
    """The statement of the row every event fills; its fields are read off the notation."""
    from akkoord.application.notation import field_type, read_sql
    from akkoord.domain.negotiation import Negotiation
    from akkoord.domain.schema import EVENT_TYPE as TYPE_MARK

    event = Negotiation.Event
    columns = {name: EVENT_TYPE if source == TYPE_MARK else
               by_notation(source, field_type(event, source), read_sql(event, source))
               for name, source in view.every_event.items()}
    (table,) = view.tables
    return fill(table, None, columns)


# A statement of a view: the topics of the events it reads (None: every event), and its SQL.
Statement = tuple[tuple[str, ...] | None, str]
# The generated statements are kept under this name for the retractions' query.
RETRACTIONS = "@retractions"

_STATEMENTS: dict[str, list[Statement]] = {}


def statements(view: View) -> list[Statement]:
    """The view's statements: its own, then one per declared row shape of its tables (event
    types whose rows read alike share one).

    Making them imports the domain and reads the declared types of the event classes: the
    catch-up keeps them by ``code_fingerprint`` (``catchup.generated_statements``).
    """
    found = _STATEMENTS.get(view.name)
    if found is not None:
        return found
    from akkoord.domain.negotiation import EVENT_TYPES

    shapes: dict[tuple[Any, ...], list[str]] = {}
    for event_type, event_class in EVENT_TYPES.items():
        for declared in event_class.ROWS:
            if declared.table not in view.tables:
                continue
            for table, columns, dossier, joins, where in declared_fills(event_class, declared):
                shape = (table, tuple(columns.items()), dossier, joins, where)
                shapes.setdefault(shape, []).append(event_type)
    found = [(None, every_event_fill(view))] if view.every_event else []
    found += [
        (tuple(topic_of(t) for t in types),
         fill(table, tuple(types), dict(columns), negotiation=dossier, joins=joins, where=where))
        for (table, columns, dossier, joins, where), types in shapes.items()]
    _STATEMENTS[view.name] = found
    return found


def generated_statements() -> dict[str, list[Statement]]:
    """Every statement the catch-up runs, by view (and ``RETRACTIONS``): made from the event
    classes' declarations, so the same for the same code."""
    found = {view.name: statements(view) for view in VIEWS}
    found[RETRACTIONS] = [((topic_of("event_retracted"),), retraction_sql())]
    return found


# What the generated statements are made from: the domain's declarations, the stored notation
# and this module. A change to any of them makes other statements.
STATEMENT_SOURCES = ("domain/*.py", "application/notation.py", "projections/views.py")


@cache
def code_fingerprint() -> str | None:
    """A digest of the sources the statements are generated from, read without importing them
    (None when they are not there to read: then the statements are made in every process)."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for pattern in STATEMENT_SOURCES:
        paths = sorted(root.glob(pattern))
        if not paths:
            return None
        for path in paths:
            try:
                content = path.read_bytes()
            except OSError:
                return None
            digest.update(f"{path.relative_to(root)}\0{len(content)}\0".encode())
            digest.update(content)
    return digest.hexdigest()


# The parties an event speaks of, for ``log --stakeholder``, read from the fact tables that
# hold them as columns: (table, column, holds a JSON list).
NAMED_PARTIES: tuple[tuple[str, str, bool], ...] = (
    ("stakeholders", "id", False), ("stakeholders", "member_of", False),
    ("stances", "stakeholder", False), ("roles", "stakeholder", False),
    ("claims", "by", False), ("claims", "against", False),
    ("commitments", "by", False), ("commitments", "to_parties", True),
    ("alignments", "parties", True), ("alignments", "toward", False),
    ("meetings", "participants", True), ("agreements", "parties", True),
    ("revisions", "proposed_by", True), ("revision_items", "recipient", False),
)


def naming_positions() -> tuple[str, int]:
    """SQL for the positions of the events that name a party, and how many times it takes the
    party as a parameter. Asked rarely, so kept in no table of its own: a rebuild is spared
    writing and indexing a row per party named."""
    selects = []
    for table, column, is_list in NAMED_PARTIES:
        if is_list:
            selects.append(f"SELECT f.position FROM [{table}] AS f, json_each(f.[{column}]) AS p "
                           "WHERE p.value = ?")
        else:
            selects.append(f"SELECT position FROM [{table}] WHERE [{column}] = ?")
    return " UNION ".join(selects), len(selects)


LOG = View(
    name="log",
    version=5,
    tables={
        "log": {**FACT_COLUMNS, "type": str, "ref": str},
    },
    every_event={"type": "@type", "ref": "ref"},
    # A retraction finds the event it retracts by its ref; few events have one.
    lookups={"log_refs": "CREATE INDEX IF NOT EXISTS log_refs ON log (negotiation, ref) "
                         "WHERE ref IS NOT NULL"},
)


DOSSIER = View(
    name="dossier",
    version=3,
    tables={
        "dossiers": {**FACT_COLUMNS, "title": str, "aggregate_id": str},
        "budget_lines": {**FACT_COLUMNS, "line": int, "party": str, "purpose": str, "amount": int,
                         "first_year": int, "last_year": int},
        "stakeholders": {**FACT_COLUMNS, "id": str, "name": str, "kind": str, "description": str,
                         "member_of": str},
        "meetings": {**FACT_COLUMNS, "id": str, "title": str, "scheduled_for": str,
                     "participants": str, "agenda": str},
        "meetings_held": {**FACT_COLUMNS, "id": str},
    },
    keys={"budget_lines": ("position", "line")},
    lookups={"dossiers_by_aggregate": "CREATE INDEX IF NOT EXISTS dossiers_by_aggregate "
                                      "ON dossiers (aggregate_id)",
             **retracted("stakeholders", "meetings")},
    # By id: whether a meeting was held or moved (queries.Queries.meetings_not_held).
    indexes=[*by_date("budget_lines", "stakeholders", "meetings", "meetings_held"),
             ("meetings", ["negotiation", "id"]), ("meetings_held", ["negotiation", "id"])],
)

PROPOSAL = View(
    name="proposal",
    version=3,
    tables={
        "revisions": {**FACT_COLUMNS, "revision": int, "status": str, "proposed_by": str,
                      "rationale": str},
        "revision_items": {**FACT_COLUMNS, "revision": int, "item_order": int, "item_id": str,
                           "purpose": str, "recipient": str, "amounts": str,
                           "distribution": str, "conditions": str},
        "agreements": {**FACT_COLUMNS, "revision": int, "parties": str, "summary": str},
    },
    keys={"revision_items": ("position", "item_order")},
    # By item: the revisions that hold it, for its history (projections.history).
    indexes=[*by_date("revisions", "agreements"), ("revision_items", ["negotiation", "item_id"])],
)

POSITIONS = View(
    name="positions",
    version=3,
    tables={"stances": {**FACT_COLUMNS, "stakeholder": str, "subject": str, "stance": str,
                        "summary": str, "points": str}},
    # By subject: a topic's or an item's history; by party and subject: a page of positions,
    # and a party's stances for the alignment view (which is brought in line after a rebuild
    # has made them).
    indexes=[*by_date("stances"), ("stances", ["negotiation", "subject"]),
             ("stances", ["negotiation", "stakeholder", "subject"])],
)

CLAIMS = View(
    name="claims",
    version=3,
    tables={
        "claims": {**FACT_COLUMNS, "id": str, "by": str, "against": str, "subject": str,
                   "summary": str, "amount": int},
        "claim_settlements": {**FACT_COLUMNS, "id": str, "outcome": str, "amount": int,
                              "summary": str},
    },
    lookups=retracted("claims"),
    # By id: whether a claim is settled (queries.Queries.open_claims).
    indexes=[*by_date("claims", "claim_settlements"), ("claim_settlements", ["negotiation", "id"])],
)

COMMITMENTS = View(
    name="commitments",
    version=3,
    tables={
        "commitments": {**FACT_COLUMNS, "id": str, "by": str, "to_parties": str, "what": str,
                        "due": str},
        "commitment_updates": {**FACT_COLUMNS, "id": str, "type": str, "due": str, "detail": str},
    },
    lookups=retracted("commitments"),
    # By id: each commitment's updates, for its state (queries.Queries.commitments); by id and
    # by due date: the commitments due soon (status).
    indexes=[*by_date("commitments", "commitment_updates"),
             ("commitment_updates", ["negotiation", "id"]), ("commitments", ["negotiation", "id"]),
             ("commitments", ["negotiation", "due"]), ("commitment_updates", ["negotiation", "due"])],
)

RELATIONS = View(
    name="relations",
    version=3,
    tables={
        "alignments": {**FACT_COLUMNS, "parties": str, "toward": str, "summary": str},
        "roles": {**FACT_COLUMNS, "task": str, "stakeholder": str, "role": str, "summary": str},
    },
    indexes=by_date("alignments", "roles"),
)

# A key's regions and weights stay JSON text: a key is read whole, one row, when an item is divided.
DISTRIBUTION = View(
    name="distribution",
    version=1,
    tables={
        "distribution_keys": {**FACT_COLUMNS, "id": str, "method": str, "title": str,
                              "regions": str, "weights": str, "fixed": int, "source": str},
        "distribution_keys_retired": {**FACT_COLUMNS, "id": str, "reason": str},
    },
    indexes=by_date("distribution_keys", "distribution_keys_retired"),
)

PAIR = {"negotiation": str, "a": str, "b": str}
# Derived alignment, kept as running sums per pair of parties and shared subject, from the
# stances (projections/alignment.py says what each table holds).
ALIGNMENT = View(
    name="alignment",
    version=1,
    tables={
        "alignment_engagement": {"negotiation": str, "party": str, "subjects": int},
        "alignment_parties": {"negotiation": str, "party": str},
        "alignment_held": {"negotiation": str, "party": str, "subject": str, "stance": str,
                           "position": int, "date": str},
        "alignment_shared": {**PAIR, "subject": str, "halves": int, "a_position": int,
                             "b_position": int, "date": str},
        "alignment_pairs": {**PAIR, "halves": int, "weight": int, "since": str},
        "alignment_retracted": {"position": int, "at": int},
        "alignment_settings": {"name": str, "value": int},
    },
    keys={"alignment_engagement": ("negotiation", "party"),
          "alignment_parties": ("negotiation", "party"),
          "alignment_held": ("negotiation", "party", "subject"),
          "alignment_shared": ("negotiation", "a", "b", "subject"),
          "alignment_pairs": ("negotiation", "a", "b"),
          "alignment_settings": ("name",)},
    # The most engaged parties, read off the end of an index; the kept parties holding a stance
    # on a subject.
    lookups={"alignment_ranking": "CREATE INDEX IF NOT EXISTS alignment_ranking "
                                  "ON alignment_engagement (negotiation, subjects DESC, party)",
             "alignment_holders": "CREATE INDEX IF NOT EXISTS alignment_holders "
                                  "ON alignment_held (negotiation, subject)"},
    derived_by="akkoord.projections.alignment",
)

# The dossier view comes first: the others find an event's dossier in its table. A derived
# view comes after the views it reads.
VIEWS: tuple[View, ...] = (DOSSIER, LOG, PROPOSAL, POSITIONS, CLAIMS, COMMITMENTS, RELATIONS,
                           DISTRIBUTION, ALIGNMENT)


def retraction_sql() -> str:
    """The retractions among the events, with the dossier and the ref or position each retracts."""
    from akkoord.application.notation import read_sql
    from akkoord.domain.negotiation import Negotiation

    retraction = Negotiation.EventRetracted
    return (f"SELECT e.position, {NEGOTIATION}, {read_sql(retraction, 'retracts')}, "
            f"{read_sql(retraction, 'retracts_position')} "
            "FROM {topics} AS t JOIN {events} AS e ON e.position = t.position "
            f"WHERE t.topic = '{topic_of('event_retracted')}' AND t.position > :after "
            "AND t.position <= :upto ORDER BY e.position")


def fact_tables(view: View) -> list[str]:
    return [table for table, columns in view.tables.items() if "retracted_at" in columns]

