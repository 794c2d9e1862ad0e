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

from dataclasses import dataclass, field
from akkoord.domain.topics import topic_of

FACT_COLUMNS = {"negotiation": str, "position": int, "date": str, "retracted_at": int}
# The dossier an event belongs to, by its aggregate; the dossier view is filled first.
# An event's type is its topic without the prefix (domain.topics).
EVENT_TYPE = f"substr(e.topic, {len(topic_of('')) + 1})"
NEGOTIATION = "(SELECT d.negotiation FROM dossiers AS d WHERE d.aggregate_id = e.originator_id)"


@dataclass
class View:
    """A group of tables kept together, with the position it has processed."""

    name: str
    version: int
    tables: dict[str, dict[str, type]]
    fills: list[str]
    # The primary key of each table (default: position, one row per event).
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Indexes that answer queries: made after the rows in a rebuild.
    indexes: list[tuple[str, list[str]]] = field(default_factory=list)
    # Indexes the filling itself looks things up by, made with the tables: name -> SQL.
    lookups: dict[str, str] = field(default_factory=dict)

    def key(self, table: str) -> tuple[str, ...]:
        return self.keys.get(table, ("position",))


def value(path: str, of: str = "e.state") -> str:
    """A plain JSON field (text, number, list) of the event, or NULL when absent."""
    return f"json_extract({of}, '$.{path}')"


def wrapped(path: str, of: str = "e.state") -> str:
    """A date or enum field: the transcoder keeps the value in ``_data_``."""
    return value(f"{path}._data_", of)


def by_notation(key: str, opening: str, length: int | None, parsed: str) -> str:
    """A top-level field read off the compact JSON the transcoder writes, without parsing it.

    ``"key":opening`` appears once at most in an event's JSON (a quote inside a string value
    is escaped, and no nested value has these keys), so where it appears the value follows
    it: ``length`` characters, or none (the value is ``opening`` itself). Elsewhere (another
    notation) the field is parsed as usual. Dates and refs are read for every event, and
    parsing the whole JSON for them was a large part of a rebuild.
    """
    marker = f'"{key}":{opening}'
    # Braces doubled: the statements are templates for str.format.
    found = "instr(e.state, '{}')".format(marker.replace("{", "{{").replace("}", "}}"))
    taken = ("NULL" if length is None else
             f"substr(e.state, {found} + {len(marker)}, {length})")
    return f"CASE WHEN {found} > 0 THEN {taken} ELSE {parsed} END"


# The effective date of every event, and its ref (most events have none).
DATE = by_notation("date", '{"_type_":"date_iso","_data_":"', 10, "json_extract(e.state, '$.date._data_')")
REF = by_notation("ref", "null", None, "json_extract(e.state, '$.ref')")


def by_date(*tables: str) -> list[tuple[str, list[str]]]:
    """The index answers read a dossier's facts by: in (date, position) order, which the
    index gives without sorting (a table's rowid is the position)."""
    return [(table, ["negotiation", "date"]) for table in tables]


def listed(path: str, of: str = "e.state") -> str:
    """A list field as JSON text, ``[]`` when absent."""
    return f"coalesce({value(path, of)}, '[]')"


def fill(table: str, event_types: tuple[str, ...] | None, columns: dict[str, str], *,
         negotiation: str = NEGOTIATION, joins: str = "", where: str = "") -> str:
    """``INSERT … SELECT`` of one fact row per event (or per joined element) of those types.

    ``event_types`` None takes every event. Events of given types are found through
    ``{topics}`` (topic, position) rather than by reading every event of the batch.
    """
    names = ", ".join(f"[{name}]" for name in ("negotiation", "position", "date", "retracted_at",
                                                *columns))
    values = ", ".join([negotiation, "e.position", DATE, "NULL", *columns.values()])
    if event_types is None:
        source = "{events} AS e"
        where = f"e.position > :after AND e.position <= :upto {where}"
    else:
        topics = ", ".join(f"'{topic_of(t)}'" for t in event_types)
        source = "{topics} AS t JOIN {events} AS e ON e.position = t.position"
        where = f"t.topic IN ({topics}) AND t.position > :after AND t.position <= :upto {where}"
    return f"INSERT INTO [{table}] ({names}) SELECT {values} FROM {source}{joins} WHERE {where}"


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
    fills=[fill("log", None, {"type": EVENT_TYPE, "ref": REF})],
    # A retraction finds the event it retracts by its ref; few events have one.
    lookups={"log_refs": "CREATE INDEX IF NOT EXISTS log_refs ON log (negotiation, ref) "
                         "WHERE ref IS NOT NULL"},
)


def _budget_fills(event_types: tuple[str, ...]) -> list[str]:
    line = "line.value"
    return [
        fill("budget_lines", event_types, {
            "line": "line.key", "party": value("_data_.party", line),
            "purpose": value("_data_.purpose", line), "amount": value("_data_.amount", line),
            "first_year": value("_data_.period._data_.first", line),
            "last_year": value("_data_.period._data_.last", line)},
            joins=", json_each(e.state, '$.budget') AS line"),
        # An empty envelope is still the latest budget.
        fill("budget_lines", event_types, {
            "line": "-1", "party": "NULL", "purpose": "NULL", "amount": "0",
            "first_year": "NULL", "last_year": "NULL"},
            where="AND json_array_length(e.state, '$.budget') = 0"),
    ]


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
    fills=[
        fill("dossiers", ("negotiation_opened",),
             {"title": value("title"), "aggregate_id": "e.originator_id"},
             negotiation=value("negotiation")),
        *_budget_fills(("negotiation_opened", "budget_changed")),
        fill("stakeholders", ("stakeholder_registered",), {
            "id": value("id"), "name": value("name"), "kind": wrapped("kind"),
            "description": value("description"), "member_of": value("member_of")}),
        fill("meetings", ("meeting_scheduled",), {
            "id": value("id"), "title": value("title"),
            "scheduled_for": wrapped("scheduled_for"), "participants": listed("participants"),
            "agenda": listed("agenda")}),
        fill("meetings_held", ("meeting_held",), {"id": value("id")}),
    ],
    keys={"budget_lines": ("position", "line")},
    lookups={"dossiers_by_aggregate": "CREATE INDEX IF NOT EXISTS dossiers_by_aggregate "
                                      "ON dossiers (aggregate_id)"},
    indexes=by_date("budget_lines", "stakeholders", "meetings", "meetings_held"),
)

# An item's amounts as [[amount, first year, last year or null], ...].
ITEM_AMOUNTS = (
    "(SELECT json_group_array(json_array("
    f"{value('_data_.amount', 'a.value')}, {value('_data_.period._data_.first', 'a.value')}, "
    f"{value('_data_.period._data_.last', 'a.value')})) "
    "FROM json_each(item.value, '$._data_.amounts') AS a)"
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
    fills=[
        fill("revisions", ("proposal_revised",), {
            "revision": value("revision"), "status": wrapped("status"),
            "proposed_by": listed("proposed_by"), "rationale": value("rationale")}),
        fill("revision_items", ("proposal_revised",), {
            "revision": value("revision"), "item_order": "item.key",
            "item_id": value("_data_.id", "item.value"),
            "purpose": value("_data_.purpose", "item.value"),
            "recipient": value("_data_.recipient", "item.value"), "amounts": ITEM_AMOUNTS,
            "distribution": value("_data_.distribution", "item.value"),
            "conditions": listed("_data_.conditions", "item.value")},
            joins=", json_each(e.state, '$.items') AS item"),
        fill("agreements", ("agreement_reached",), {
            "revision": value("revision"), "parties": listed("parties"),
            "summary": value("summary")}),
    ],
    keys={"revision_items": ("position", "item_order")},
    indexes=by_date("revisions", "agreements"),
)

POSITIONS = View(
    name="positions",
    version=3,
    tables={"stances": {**FACT_COLUMNS, "stakeholder": str, "subject": str, "stance": str,
                        "summary": str, "points": str}},
    fills=[fill("stances", ("position_taken",), {
        "stakeholder": value("stakeholder"), "subject": value("subject"),
        "stance": wrapped("stance"), "summary": value("summary"), "points": listed("points")})],
    indexes=by_date("stances"),
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
    fills=[
        fill("claims", ("claim_lodged",), {
            "id": value("id"), "by": value("by"), "against": value("against"),
            "subject": value("subject"), "summary": value("summary"), "amount": value("amount")}),
        fill("claim_settlements", ("claim_settled",), {
            "id": value("id"), "outcome": wrapped("outcome"), "amount": value("amount"),
            "summary": value("summary")}),
    ],
    indexes=by_date("claims", "claim_settlements"),
)

COMMITMENT_UPDATES = ("commitment_fulfilled", "commitment_rescheduled", "commitment_withdrawn")

COMMITMENTS = View(
    name="commitments",
    version=3,
    tables={
        "commitments": {**FACT_COLUMNS, "id": str, "by": str, "to_parties": str, "what": str,
                        "due": str},
        "commitment_updates": {**FACT_COLUMNS, "id": str, "type": str, "due": str, "detail": str},
    },
    fills=[
        fill("commitments", ("commitment_made",), {
            "id": value("id"), "by": value("by"), "to_parties": listed("to"),
            "what": value("what"), "due": wrapped("due")}),
        fill("commitment_updates", COMMITMENT_UPDATES, {
            "id": value("id"), "type": EVENT_TYPE,
            "due": wrapped("due"),
            "detail": f"coalesce({value('reason')}, {value('evidence')})"}),
    ],
    indexes=by_date("commitments", "commitment_updates"),
)

RELATIONS = View(
    name="relations",
    version=3,
    tables={
        "alignments": {**FACT_COLUMNS, "parties": str, "toward": str, "summary": str},
        "roles": {**FACT_COLUMNS, "task": str, "stakeholder": str, "role": str, "summary": str},
    },
    fills=[
        fill("alignments", ("alignment_declared",), {
            "parties": listed("parties"), "toward": value("toward"),
            "summary": value("summary")}),
        fill("roles", ("role_assigned",), {
            "task": value("task"), "stakeholder": value("stakeholder"), "role": wrapped("role"),
            "summary": value("summary")}),
    ],
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
    fills=[
        fill("distribution_keys", ("distribution_key_recorded",), {
            "id": value("id"), "method": value("method"), "title": value("title"),
            "regions": value("regions"), "weights": value("weights"), "fixed": value("fixed"),
            "source": value("source._data_")}),
        fill("distribution_keys_retired", ("distribution_key_retired",), {
            "id": value("id"), "reason": value("reason")}),
    ],
    indexes=by_date("distribution_keys", "distribution_keys_retired"),
)

# The dossier view comes first: the others find an event's dossier in its table.
VIEWS: tuple[View, ...] = (DOSSIER, LOG, PROPOSAL, POSITIONS, CLAIMS, COMMITMENTS, RELATIONS,
                           DISTRIBUTION)


def retraction_sql() -> str:
    """The retractions among the events, with the dossier and the ref each retracts."""
    return (f"SELECT e.position, {NEGOTIATION}, {value('retracts')} "
            "FROM {topics} AS t JOIN {events} AS e ON e.position = t.position "
            f"WHERE t.topic = '{topic_of('event_retracted')}' AND t.position > :after "
            "AND t.position <= :upto ORDER BY e.position")


def fact_tables(view: View) -> list[str]:
    return [table for table, columns in view.tables.items() if "retracted_at" in columns]

