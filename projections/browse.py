"""SQL views over the read models, for an analyst who browses the views file (with Datasette).

The fact tables (projections/views.py) hold every fact on both time axes; these views pick what
holds *today*, in the words and figures of ``akkoord proposal``, ``commitments`` and ``claims``:
the current revision item by item and year by year, its totals, the budget and the unallocated
rest, the commitments with their state and the claims with theirs. Amounts are whole euros in a
column ``…_eur`` (an integer, to sort and sum) beside the same amount as text (``€ 5.000.000``).

SQL cannot be told a date, so "today" is ``date('now')``: the date in UTC when the view is read.
Between midnight UTC and midnight in the Netherlands that is yesterday, which can show a
commitment due today as open where ``akkoord commitments`` already says overdue. A time-travelling
question (``--as-of``, ``--known-at``) is for the command line. The views are facts recorded up to
the last catch-up: ``akkoord views --path`` catches up before it prints the file's path.

The views are (re)created when the views database is opened (``ensure_browse_views``), so they
survive ``rebuild``: dropping a table leaves a view that names it in place, and the view reads
the new table once it is made again.
"""

from __future__ import annotations

import sqlite3


def _visible(alias: str) -> str:
    """A fact that holds today: dated on or before today and not retracted."""
    return f"{alias}.date <= date('now') AND {alias}.retracted_at IS NULL"


def _latest(table: str, alias: str, outer: str) -> str:
    """The position of the latest visible fact of ``table`` in ``outer``'s dossier."""
    return (f"(SELECT {alias}.position FROM [{table}] AS {alias} "
            f"WHERE {alias}.negotiation = {outer}.negotiation AND {_visible(alias)} "
            f"ORDER BY {alias}.date DESC, {alias}.position DESC LIMIT 1)")


def _euros(amount: str) -> str:
    """An amount as a Dutch reader writes it (``€ 5.000.000``, ``-€ 2.000.000``), as the CLI does."""
    return (f"CASE WHEN {amount} IS NULL THEN NULL ELSE "
            f"(CASE WHEN {amount} < 0 THEN '-' ELSE '' END) || '€ ' || "
            f"replace(printf('%,d', abs({amount})), ',', '.') END")


def _names(json_list: str) -> str:
    """A JSON list of ids as text: ``VB, VNG``."""
    return f"(SELECT group_concat(value, ', ') FROM json_each({json_list}))"


def _period(first: str, last: str) -> str:
    return (f"CASE WHEN {last} IS NULL THEN {first} || ' and after' "
            f"WHEN {last} = {first} THEN CAST({first} AS TEXT) "
            f"ELSE {first} || '-' || {last} END")


CURRENT_REVISION = f"""
-- The current revision of each dossier's verdelingsvoorstel, today (date('now'), UTC): the
-- latest revision by effective date, then recorded order, that is not retracted.
SELECT r.negotiation, r.revision,
  CASE WHEN EXISTS (SELECT 1 FROM agreements AS a WHERE a.negotiation = r.negotiation
                    AND a.revision = r.revision AND {_visible('a')})
       THEN 'agreed' ELSE r.status END AS status,
  {_names('r.proposed_by')} AS proposed_by,
  (SELECT group_concat(party, ', ') FROM (
     SELECT p.value AS party, min(a.position) AS first_named, min(p.key) AS place
     FROM agreements AS a, json_each(a.parties) AS p
     WHERE a.negotiation = r.negotiation AND a.revision = r.revision AND {_visible('a')}
     GROUP BY p.value ORDER BY first_named, place)) AS agreed_by,
  r.date AS proposed_on, r.rationale, r.position AS event_position
FROM revisions AS r
WHERE r.position = {_latest('revisions', 'o', 'r')}
"""

BUDGET_IN_FORCE = f"""
-- The budget lines in force today (date('now'), UTC): those of the latest budget event.
SELECT b.negotiation, b.line + 1 AS line, b.party, b.purpose,
  {_period('b.first_year', 'b.last_year')} AS period, b.first_year, b.last_year,
  b.amount AS amount_eur, {_euros('b.amount')} AS amount, b.position AS event_position
FROM budget_lines AS b
WHERE b.line >= 0 AND b.position = {_latest('budget_lines', 'o', 'b')}
"""

# Every period the current proposal shows: the budget lines in force and the current items'
# amounts, as (negotiation, amount, first year, last year or NULL).
_PERIODS = """
  SELECT negotiation, amount_eur AS amount, first_year, last_year FROM budget_in_force
  UNION ALL
  SELECT i.negotiation, json_extract(a.value, '$[0]'), json_extract(a.value, '$[1]'),
         json_extract(a.value, '$[2]')
  FROM proposal_revision AS c JOIN revision_items AS i ON i.position = c.event_position,
       json_each(i.amounts) AS a
"""

PROPOSAL_TOTALS = f"""
-- The current proposal year by year, today (date('now'), UTC): what the items add up to, the
-- budget and the unallocated rest (budget - total; negative: the proposal asks more than is on
-- the table). The years run as in `akkoord proposal --json`: from the earliest year any budget
-- line or item amount touches to the latest year in which one starts, or the year after one
-- ends; that last year stands for every year after it. A structural amount (`from` a year)
-- counts in every year from then on, up to its `until`.
WITH RECURSIVE periods AS ({_PERIODS}),
span AS (
  SELECT negotiation, min(first_year) AS first_year,
         max(max(first_year, coalesce(last_year + 1, first_year))) AS last_year
  FROM periods GROUP BY negotiation),
years AS (
  SELECT negotiation, first_year AS year, last_year FROM span
  UNION ALL
  SELECT negotiation, year + 1, last_year FROM years WHERE year < last_year),
figures AS (
  SELECT y.negotiation, y.year, y.last_year,
    (SELECT coalesce(sum(json_extract(a.value, '$[0]')), 0)
     FROM proposal_revision AS c JOIN revision_items AS i ON i.position = c.event_position,
          json_each(i.amounts) AS a
     WHERE c.negotiation = y.negotiation AND json_extract(a.value, '$[1]') <= y.year
       AND (json_extract(a.value, '$[2]') IS NULL OR y.year <= json_extract(a.value, '$[2]'))
    ) AS total,
    (SELECT coalesce(sum(b.amount_eur), 0) FROM budget_in_force AS b
     WHERE b.negotiation = y.negotiation AND b.first_year <= y.year
       AND (b.last_year IS NULL OR y.year <= b.last_year)) AS budget
  FROM years AS y)
SELECT f.negotiation, f.year,
  CASE WHEN f.year = f.last_year THEN f.year || ' and after' ELSE CAST(f.year AS TEXT) END
    AS period,
  f.total AS total_eur, f.budget AS budget_eur, f.budget - f.total AS unallocated_eur,
  {_euros('f.total')} AS total, {_euros('f.budget')} AS budget,
  {_euros('f.budget - f.total')} AS unallocated, c.revision, c.status
FROM figures AS f JOIN proposal_revision AS c ON c.negotiation = f.negotiation
ORDER BY f.negotiation, f.year
"""

PROPOSAL = f"""
-- The current proposal item by item and year by year, today (date('now'), UTC), in the years of
-- proposal_totals (the last stands for every year after it). A structural amount (`from` a
-- year) counts in every year from then on, up to its `until`; an item without money in a year
-- shows 0 there.
SELECT negotiation, year, period, item, amount_eur, {_euros('amount_eur')} AS amount, recipient,
  distribution, purpose, item_order, revision, status
FROM (
  SELECT t.negotiation, t.revision, t.status, i.item_order + 1 AS item_order, i.item_id AS item,
    i.purpose, i.recipient, i.distribution, t.year, t.period,
    (SELECT coalesce(sum(json_extract(a.value, '$[0]')), 0) FROM json_each(i.amounts) AS a
     WHERE json_extract(a.value, '$[1]') <= t.year
       AND (json_extract(a.value, '$[2]') IS NULL OR t.year <= json_extract(a.value, '$[2]'))
    ) AS amount_eur
  FROM proposal_totals AS t
  JOIN proposal_revision AS c ON c.negotiation = t.negotiation
  JOIN revision_items AS i ON i.position = c.event_position)
ORDER BY negotiation, year, item_order
"""

# A commitment's updates that hold today and belong to it (not to an earlier, retracted
# commitment with the same id): they come after it in recorded order.
_UPDATES = (f"FROM commitment_updates AS u WHERE u.negotiation = m.negotiation AND u.id = m.id "
            f"AND u.position > m.position AND {_visible('u')}")

COMMITMENT_REGISTER = f"""
-- The commitments (toezeggingen) with their state today (date('now'), UTC): open, overdue (open
-- and its latest due date has passed), fulfilled or withdrawn; `due` is the latest deadline.
SELECT negotiation, id,
  CASE WHEN ended_by IS NOT NULL THEN ended_by
       WHEN due IS NOT NULL AND due < date('now') THEN 'overdue' ELSE 'open' END AS status,
  due, promised_by, promised_to, made_on, ended_on, times_rescheduled, what, evidence_or_reason,
  event_position
FROM (
  SELECT m.negotiation, m.id, m.[by] AS promised_by, {_names('m.to_parties')} AS promised_to,
    m.what, m.date AS made_on,
    coalesce((SELECT u.due {_UPDATES} AND u.type = 'commitment_rescheduled'
              ORDER BY u.date DESC, u.position DESC LIMIT 1), m.due) AS due,
    (SELECT CASE u.type WHEN 'commitment_fulfilled' THEN 'fulfilled' ELSE 'withdrawn' END
     {_UPDATES} AND u.type != 'commitment_rescheduled'
     ORDER BY u.date DESC, u.position DESC LIMIT 1) AS ended_by,
    (SELECT u.date {_UPDATES} AND u.type != 'commitment_rescheduled'
     ORDER BY u.date DESC, u.position DESC LIMIT 1) AS ended_on,
    (SELECT u.detail {_UPDATES} AND u.type != 'commitment_rescheduled'
     ORDER BY u.date DESC, u.position DESC LIMIT 1) AS evidence_or_reason,
    (SELECT count(*) {_UPDATES} AND u.type = 'commitment_rescheduled') AS times_rescheduled,
    m.position AS event_position
  FROM commitments AS m WHERE {_visible('m')})
ORDER BY negotiation, made_on, event_position
"""

# A claim's settlement that holds today and ends it (not an earlier claim with the same id).
_SETTLEMENT = ("FROM claim_settlements AS s WHERE s.negotiation = c.negotiation AND s.id = c.id "
               f"AND s.position > c.position AND {_visible('s')} "
               "ORDER BY s.date DESC, s.position DESC LIMIT 1")

CLAIM_REGISTER = f"""
-- The claims with their state today (date('now'), UTC): open until settled, then the outcome
-- (granted, partially_granted, rejected, withdrawn).
SELECT negotiation, id, coalesce(outcome, 'open') AS status, claimant, against, subject,
  amount_eur, {_euros('amount_eur')} AS amount, lodged_on, settled_on,
  settled_amount_eur, {_euros('settled_amount_eur')} AS settled_amount, summary, event_position
FROM (
  SELECT c.negotiation, c.id, c.[by] AS claimant, c.against, c.subject, c.summary,
    c.date AS lodged_on, c.amount AS amount_eur,
    (SELECT s.outcome {_SETTLEMENT}) AS outcome,
    (SELECT s.date {_SETTLEMENT}) AS settled_on,
    (SELECT s.amount {_SETTLEMENT}) AS settled_amount_eur,
    c.position AS event_position
  FROM claims AS c WHERE {_visible('c')})
ORDER BY negotiation, lodged_on, event_position
"""

# In the order they are made: a view may read those before it.
BROWSE_VIEWS: dict[str, str] = {
    "proposal_revision": CURRENT_REVISION,
    "budget_in_force": BUDGET_IN_FORCE,
    "proposal_totals": PROPOSAL_TOTALS,
    "proposal": PROPOSAL,
    "commitment_register": COMMITMENT_REGISTER,
    "claim_register": CLAIM_REGISTER,
}


def _statement(name: str, body: str) -> str:
    return f"CREATE VIEW [{name}] AS{body.rstrip()}"


def ensure_browse_views(conn: sqlite3.Connection) -> None:
    """Makes the browsing views that are missing or differ from their definition here.

    Costs one query when they are in order, as they are on every open but the first.
    """
    present = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'"))
    wanted = {name: _statement(name, body) for name, body in BROWSE_VIEWS.items()}
    if all(present.get(name) == sql for name, sql in wanted.items()):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Dropped all, then made in order: a view may read another.
        for name in reversed(list(wanted)):
            conn.execute(f"DROP VIEW IF EXISTS [{name}]")
        for sql in wanted.values():
            conn.execute(sql)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
