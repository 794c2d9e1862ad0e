"""Answers from the read models, on both time axes, in the JSON shapes of the command line.

The fact tables hold every fact with its position, effective date and retraction; an answer is
the facts visible at ``known_at`` and ``as_of``, and which of two facts is the later is decided
by (date, position), as the log format prescribes.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from collections.abc import Callable
from typing import Any

from akkoord.domain.written import covers
from akkoord.i18n import _
from akkoord.projections.axes import LATEST, Axes, NotFound
from akkoord.projections.views import naming_positions

LATEST_FIRST = "date DESC, position DESC"


class Queries:
    def __init__(self, db: sqlite3.Connection,
                 states: Callable[[list[int]], dict[int, dict[str, Any]]] | None = None):
        """``db``: the views' connection (or its sqlite-utils Database); ``states`` reads the
        stored events the log shows (by position) from the store, each as its
        ``records.stored_state`` (ViewStore.queries gives it)."""
        self.db = getattr(db, "conn", db)
        self.states = states

    def _query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, params or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor]

    def _rows(self, table: str, negotiation: str, axes: Axes, extra: str = "",
              params: list[Any] | None = None, order: str = "date, position",
              limit: int | None = None) -> list[dict[str, Any]]:
        where, where_params = axes.where()
        sql = f"SELECT * FROM [{table}] WHERE negotiation = ? AND {where} {extra} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._query(sql, [negotiation, *where_params, *(params or [])])

    def _by_id(self, table: str, negotiation: str, axes: Axes) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for row in self._rows(table, negotiation, axes):
            grouped.setdefault(row["id"], []).append(row)
        return grouped

    # -- dossiers -------------------------------------------------------------------------------

    def negotiations(self) -> list[str]:
        return [row[0] for row in self.db.execute(
            "SELECT negotiation FROM dossiers ORDER BY position")]

    def dossier(self, negotiation: str, axes: Axes) -> dict[str, Any]:
        rows = self._rows("dossiers", negotiation, Axes(known_at=axes.known_at))
        if not rows:
            raise NotFound(_("no dossier {negotiation!r} in this store")
                           .format(negotiation=negotiation))
        return rows[0]

    def stakeholders(self, negotiation: str, axes: Axes) -> list[dict[str, Any]]:
        return [
            {"id": r["id"], "name": r["name"], "kind": r["kind"], "description": r["description"],
             "member_of": r["member_of"], "date": r["date"], "sources": [r["position"]]}
            for r in self._rows("stakeholders", negotiation, axes)
        ]

    # -- the proposal ---------------------------------------------------------------------------

    def revisions(self, negotiation: str, axes: Axes) -> list[dict[str, Any]]:
        return self._rows("revisions", negotiation, axes)

    def proposal(self, negotiation: str, axes: Axes, revision: int | None = None) -> dict[str, Any]:
        self.dossier(negotiation, axes)
        # The latest by (date, position), found from the end of the index.
        if revision is None:
            latest = self._rows("revisions", negotiation, axes, order=LATEST_FIRST, limit=1)
            if not latest:
                raise NotFound(_("no revision of the proposal is recorded in {negotiation!r} at "
                                 "that point").format(negotiation=negotiation))
        else:
            latest = self._rows("revisions", negotiation, axes, "AND revision = ?", [revision],
                                order=LATEST_FIRST, limit=1)
            if not latest:
                raise NotFound(_("revision {revision} does not exist in {negotiation!r} at that "
                                 "point").format(revision=revision, negotiation=negotiation))
        chosen = latest[0]
        items = self._query(
            "SELECT * FROM revision_items WHERE position = ? ORDER BY item_order",
            [chosen["position"]])
        budget = self.budget(negotiation, axes)
        periods = [(line["first_year"], line["last_year"]) for line in budget]
        item_amounts = {item["item_id"]: json.loads(item["amounts"]) for item in items}
        for amounts in item_amounts.values():
            periods.extend((first, last) for _amount, first, last in amounts)
        years = year_range(periods)
        by_item = {
            item_id: {str(y): sum(a for a, first, last in amounts if covers(first, last, y))
                      for y in years}
            for item_id, amounts in item_amounts.items()
        }
        total = {str(y): sum(amounts[str(y)] for amounts in by_item.values()) for y in years}
        budget_by_year = {
            str(y): sum(line["amount"] for line in budget
                        if covers(line["first_year"], line["last_year"], y))
            for y in years
        }
        budget_positions = self._budget_positions(negotiation, axes)
        in_force = self.distribution_keys_named(
            negotiation, axes, {item["distribution"] for item in items})
        agreements = self._rows("agreements", negotiation, axes, "AND revision = ?",
                                [chosen["revision"]])
        agreed_by: list[str] = []
        for agreement in agreements:
            agreed_by.extend(p for p in json.loads(agreement["parties"]) if p not in agreed_by)
        return {
            "negotiation": negotiation,
            "revision": chosen["revision"],
            "status": "agreed" if agreements else chosen["status"],
            "agreed_by": agreed_by,
            "proposed_by": json.loads(chosen["proposed_by"]),
            "rationale": chosen["rationale"],
            "date": chosen["date"],
            "years": years,
            "items": [
                {"id": item["item_id"], "purpose": item["purpose"], "recipient": item["recipient"],
                 "distribution": item["distribution"], "conditions": json.loads(item["conditions"]),
                 "by_year": by_item[item["item_id"]], "sources": [chosen["position"]],
                 "key": _key_summary(in_force[item["distribution"]])
                 if item["distribution"] in in_force else None}
                for item in items
            ],
            "total": total,
            "budget": budget_by_year,
            "unallocated": {y: budget_by_year[y] - total[y] for y in total},
            "sources": _proposal_sources(chosen["position"], budget_positions,
                                         [a["position"] for a in agreements]),
        }

    def budget(self, negotiation: str, axes: Axes) -> list[dict[str, Any]]:
        """The lines of the budget in force: the latest budget event's."""
        return [line for line in self._latest_budget(negotiation, axes) if line["line"] >= 0]

    def _budget_positions(self, negotiation: str, axes: Axes) -> list[int]:
        """The event that set the budget in force (an empty envelope has no lines, but a source)."""
        return sorted({line["position"] for line in self._latest_budget(negotiation, axes)})

    def _latest_budget(self, negotiation: str, axes: Axes) -> list[dict[str, Any]]:
        """The lines of the latest budget event (an empty envelope has one line, numbered -1),
        found from the end of the index."""
        latest = self._rows("budget_lines", negotiation, axes, order=LATEST_FIRST, limit=1)
        if not latest:
            return []
        return self._query("SELECT * FROM budget_lines WHERE position = ? ORDER BY line",
                           [latest[0]["position"]])

    def diff(self, negotiation: str, axes: Axes, a: int, b: int) -> dict[str, Any]:
        left = self.proposal(negotiation, axes, a)
        right = self.proposal(negotiation, axes, b)
        shown = left["years"] + right["years"]
        years = list(range(min(shown), max(shown) + 1)) if shown else []
        left_items = {item["id"]: item for item in left["items"]}
        right_items = {item["id"]: item for item in right["items"]}

        def amount(item: dict[str, Any] | None, year: int, proposal: dict[str, Any]) -> int:
            if item is None:
                return 0
            # The last year of a proposal stands for every year after it.
            shown = [int(y) for y in proposal["years"]]
            key = str(min(max(year, shown[0]), shown[-1]))
            return item["by_year"][key] if year >= shown[0] else 0

        items = []
        for item_id in list(left_items) + [i for i in right_items if i not in left_items]:
            before, after = left_items.get(item_id), right_items.get(item_id)
            change = ("added" if before is None else "removed" if after is None else "changed")
            by_year = {
                str(y): {"from": amount(before, y, left), "to": amount(after, y, right)}
                for y in years
            }
            for cell in by_year.values():
                cell["delta"] = cell["to"] - cell["from"]
            fields = {
                field: {"from": before[field], "to": after[field]}
                for field in ("purpose", "recipient", "distribution", "conditions")
                if before is not None and after is not None and before[field] != after[field]
            }
            if change == "changed" and not fields and not any(c["delta"] for c in by_year.values()):
                change = "unchanged"
            entry = {"id": item_id, "change": change, "fields": fields, "by_year": by_year}
            keys = [self.distribution_key(negotiation, axes, item["key"]["id"])
                    if item is not None and item["key"] else None for item in (before, after)]
            if any(keys) and (any(c["delta"] for c in by_year.values()) or keys[0] != keys[1]):
                # What each region gains or loses when the item's amount or key changes.
                entry["keys"] = {"from": keys[0] and keys[0]["id"], "to": keys[1] and keys[1]["id"]}
                from akkoord.projections.divisions import region_changes

                entry["regions"] = region_changes(
                    keys[0], keys[1], lambda y, i=before: amount(i, y, left),
                    lambda y, i=after: amount(i, y, right), years)
            items.append(entry)
        totals = {
            str(y): {"from": sum(amount(i, y, left) for i in left_items.values()),
                     "to": sum(amount(i, y, right) for i in right_items.values())}
            for y in years
        }
        for cell in totals.values():
            cell["delta"] = cell["to"] - cell["from"]
        return {"negotiation": negotiation, "from": a, "to": b, "years": years,
                "status": {"from": left["status"], "to": right["status"]},
                "items": items, "total": totals,
                "sources": {"from": left["sources"]["revision"], "to": right["sources"]["revision"]}}

    # -- distribution keys ----------------------------------------------------------------------

    def distribution_keys(self, negotiation: str, axes: Axes,
                          ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """Each key recorded at that point (of those ids), with ``retired`` the row of its
        retirement (or None): the key no longer applies from the retirement's date."""
        extra, params = "", []
        if ids is not None:
            if not ids:
                return {}
            extra, params = f"AND id IN ({', '.join('?' * len(ids))})", list(ids)
        keys = {row["id"]: row for row in self._rows("distribution_keys", negotiation, axes,
                                                      extra, params)}
        for row in keys.values():
            row["retired"] = None
        for retired in self._rows("distribution_keys_retired", negotiation, axes, extra, params):
            key = keys.get(retired["id"])
            if key is not None and retired["position"] > key["position"]:
                key["retired"] = retired
        return keys

    def distribution_keys_named(self, negotiation: str, axes: Axes,
                                names: set[str | None]) -> dict[str, dict[str, Any]]:
        """Those of ``names`` that are keys in force at that point (recorded, not retired)."""
        named = sorted(name for name in names if name is not None)
        return {key_id: row for key_id, row in
                self.distribution_keys(negotiation, axes, named).items() if row["retired"] is None}

    def distribution_key(self, negotiation: str, axes: Axes, key_id: str) -> dict[str, Any] | None:
        """The key in force under that id at that point, or None."""
        return self.distribution_keys_named(negotiation, axes, {key_id}).get(key_id)

    # -- registers ------------------------------------------------------------------------------

    def commitments(self, negotiation: str, axes: Axes, status: str | None = None,
                    limit: int | None = None, offset: int = 0,
                    due_within: tuple[str, str] | None = None) -> list[dict[str, Any]]:
        """The commitments in (date, position) order, each with its history; ``limit`` and
        ``offset`` page through them (after the ``status`` filter, and ``due_within``: due in
        that span of days, both ends included).

        The due date and state are worked out in SQL (on the updates' (negotiation, id) index),
        row by row in (date, position) order, so a page stops once it is full: a page, a filter
        or a count costs what it reads, not a pass over the dossier in Python. A commitment
        that ended is told so by one lookup; its due date is looked up for the rows shown."""
        self.dossier(negotiation, axes)
        named = {"negotiation": negotiation, "judged": axes.judged_on().isoformat(),
                 "known": _known(axes),
                 "as_of": axes.as_of.isoformat() if axes.as_of is not None else "9999-12-31"}

        def latest(column: str, kind: str, of: str) -> str:
            """The latest visible update of that kind of the commitment ``of`` (by id, as the
            planner would take the date index for the axes' date condition; not an earlier,
            retracted commitment's updates)."""
            return (f"(SELECT {column} FROM commitment_updates AS u INDEXED BY "
                    "idx_commitment_updates_negotiation_id WHERE u.negotiation = :negotiation "
                    f"AND u.id = {of}.id AND u.position > {of}.position AND {_visible('u')} "
                    f"AND u.type {kind} 'commitment_rescheduled' "
                    "ORDER BY u.date DESC, u.position DESC LIMIT 1)")

        def due(of: str) -> str:
            return f"coalesce({latest('u.due', '=', of)}, {of}.due)"

        only, chosen = "", "commitments AS m"
        if due_within is not None:
            # Only those made or rescheduled with a due date in the span can be due in it: they
            # are found by the due dates' indexes, and their state worked out alone.
            named.update(first=due_within[0], last=due_within[1])
            chosen = "commitments AS m INDEXED BY idx_commitments_negotiation_id"
            only = ("AND m.id IN (SELECT id FROM commitments WHERE negotiation = :negotiation "
                    "AND due BETWEEN :first AND :last UNION SELECT id FROM commitment_updates "
                    "WHERE negotiation = :negotiation AND due BETWEEN :first AND :last "
                    "AND type = 'commitment_rescheduled')")
        # OFFSET 0 keeps each subquery whole: flattened, each use of its columns above would
        # run their subqueries again.
        made = (f"SELECT m.*, {latest('substr(u.type, 12)', '!=', 'm')} AS ended FROM {chosen} "
                f"WHERE m.negotiation = :negotiation AND {_visible('m')} {only} "
                "ORDER BY m.date, m.position LIMIT -1 OFFSET 0")
        states = (f"SELECT *, CASE WHEN ended IS NOT NULL THEN ended WHEN {due('s')} < :judged "
                  "THEN 'overdue' ELSE 'open' END AS status FROM (" + made
                  + ") AS s LIMIT -1 OFFSET 0")
        conditions = []
        if status is not None:
            conditions.append("status = :status")
            named["status"] = status
        if due_within is not None:
            conditions.append(f"{due('c')} BETWEEN :first AND :last")
        page = (f"SELECT * FROM ({states}) AS c"
                + (f" WHERE {' AND '.join(conditions)}" if conditions else "")
                + _page(limit, offset))
        rows = self._query(f"SELECT p.*, {due('p')} AS current_due FROM ({page}) AS p", named)
        updates = self._updates_of("commitment_updates", negotiation, axes,
                                   sorted({row["id"] for row in rows}))
        result = []
        for made in rows:
            history = [{"position": made["position"], "date": made["date"], "type": "commitment_made",
                        "due": made["due"]}]
            for update in updates.get(made["id"], []):
                if update["position"] < made["position"]:
                    continue  # an update of an earlier, retracted commitment with the same id
                entry = {"position": update["position"], "date": update["date"],
                         "type": update["type"]}
                if update["type"] == "commitment_rescheduled":
                    entry["due"] = update["due"]
                    entry["reason"] = update["detail"]
                elif update["type"] == "commitment_fulfilled":
                    entry["evidence"] = update["detail"]
                else:
                    entry["reason"] = update["detail"]
                history.append(entry)
            result.append({"id": made["id"], "by": made["by"], "to": json.loads(made["to_parties"]),
                           "what": made["what"], "due": made["current_due"],
                           "status": made["status"], "history": history, "date": made["date"],
                           "sources": [h["position"] for h in history]})
        return result

    def count(self, table: str, negotiation: str, axes: Axes) -> int:
        """How many facts of a view table are visible: those recorded and dated by then, read
        off the (negotiation, date) index alone (a position is its row's id), less the few
        retracted by then (found by their own lookup, views.retracted)."""
        named = {"negotiation": negotiation, "known": _known(axes),
                 "as_of": axes.as_of.isoformat() if axes.as_of is not None else "9999-12-31"}
        recorded = "negotiation = :negotiation AND date <= :as_of AND position <= :known"
        return self.db.execute(
            f"SELECT (SELECT count(*) FROM [{table}] INDEXED BY idx_{table}_negotiation_date "
            f"WHERE {recorded}) - (SELECT count(*) FROM [{table}] WHERE {recorded} "
            "AND retracted_at <= :known)", named).fetchone()[0]

    def _updates_of(self, table: str, negotiation: str, axes: Axes,
                    ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """The visible rows of an update table for those ids, by id, in (date, position) order
        (looked up by its (negotiation, id) index: the planner would take the date index)."""
        grouped: dict[str, list[dict[str, Any]]] = {}
        where, params = axes.where()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            for row in self._query(
                    f"SELECT * FROM [{table}] INDEXED BY idx_{table}_negotiation_id "
                    f"WHERE negotiation = ? AND id IN ({marks}) AND {where} "
                    "ORDER BY date, position", [negotiation, *chunk, *params]):
                grouped.setdefault(row["id"], []).append(row)
        return grouped

    def open_claims(self, negotiation: str, axes: Axes, limit: int) -> list[dict[str, Any]]:
        """The first ``limit`` open claims (no settlement after them), in (date, position) order."""
        where, params = axes.where("c")
        settled, settled_params = axes.where("s")
        sql = (f"FROM claims AS c WHERE c.negotiation = ? AND {where} AND NOT EXISTS (SELECT 1 "
               "FROM claim_settlements AS s INDEXED BY idx_claim_settlements_negotiation_id "
               "WHERE s.negotiation = c.negotiation AND s.id = c.id "
               f"AND s.position > c.position AND {settled})")
        all_params = [negotiation, *params, *settled_params]
        rows = self._query(f"SELECT c.* {sql} ORDER BY c.date, c.position LIMIT {int(limit)}",
                           all_params)
        return [{"id": c["id"], "by": c["by"], "against": c["against"], "subject": c["subject"],
                 "summary": c["summary"], "amount": c["amount"], "status": "open",
                 "settled_amount": None, "settled_on": None, "date": c["date"],
                 "sources": [c["position"]]} for c in rows]

    def meetings_not_held(self, negotiation: str, axes: Axes, limit: int) -> list[dict[str, Any]]:
        """The first ``limit`` meetings not recorded as held, by date: those whose day passed
        (``past``) before those to come (``scheduled``)."""
        where, params = axes.where("m")
        held, held_params = axes.where("h")
        later, later_params = axes.where("n")
        # Read in id order, by the index the checks below look up: each check then finds its
        # pages at hand (the answer is sorted after, in any order of reading).
        sql = ("FROM meetings AS m INDEXED BY idx_meetings_negotiation_id "
               f"WHERE m.negotiation = ? AND {where} "
               # by id (the planner would take the date index for the axes' date condition)
               "AND NOT EXISTS (SELECT 1 FROM meetings_held AS h INDEXED BY "
               "idx_meetings_held_negotiation_id WHERE h.negotiation = m.negotiation "
               f"AND h.id = m.id AND {held}) "
               # a later scheduling of the same meeting moves it
               "AND NOT EXISTS (SELECT 1 FROM meetings AS n INDEXED BY idx_meetings_negotiation_id "
               "WHERE n.negotiation = m.negotiation "
               f"AND n.id = m.id AND (n.date, n.position) > (m.date, m.position) AND {later})")
        judged = axes.judged_on().isoformat()
        all_params = [negotiation, *params, *held_params, *later_params]
        rows = self._query(f"SELECT m.* {sql} ORDER BY m.scheduled_for, m.id LIMIT {int(limit)}",
                           all_params)
        return [{"id": m["id"], "title": m["title"], "scheduled_for": m["scheduled_for"],
                 "participants": json.loads(m["participants"]), "agenda": json.loads(m["agenda"]),
                 "held": False, "held_on": None,
                 "state": meeting_state(False, m["scheduled_for"], judged),
                 "sources": [m["position"]]} for m in rows]

    def claims(self, negotiation: str, axes: Axes, limit: int | None = None,
               offset: int = 0) -> list[dict[str, Any]]:
        """The claims in (date, position) order, each with its latest settlement after it;
        ``limit`` and ``offset`` page through them in SQL (each settlement looked up by id)."""
        self.dossier(negotiation, axes)
        named = {"negotiation": negotiation, "known": _known(axes),
                 "as_of": axes.as_of.isoformat() if axes.as_of is not None else "9999-12-31"}
        # By id (the planner would take the date index for the axes' date condition), and not
        # an earlier, retracted claim's settlement.
        ended = ("(SELECT s.position FROM claim_settlements AS s INDEXED BY "
                 "idx_claim_settlements_negotiation_id WHERE s.negotiation = :negotiation "
                 f"AND s.id = c.id AND s.position > c.position AND {_visible('s')} "
                 "ORDER BY s.date DESC, s.position DESC LIMIT 1)")
        page = (f"SELECT c.*, {ended} AS ended FROM claims AS c WHERE c.negotiation = :negotiation "
                f"AND {_visible('c')} ORDER BY c.date, c.position" + _page(limit, offset))
        rows = self._query(
            "SELECT p.*, e.outcome AS outcome, e.amount AS settled_amount, e.date AS settled_on "
            f"FROM ({page}) AS p LEFT JOIN claim_settlements AS e ON e.position = p.ended "
            "ORDER BY p.date, p.position", named)
        return [{
            "id": claim["id"], "by": claim["by"], "against": claim["against"],
            "subject": claim["subject"], "summary": claim["summary"], "amount": claim["amount"],
            "status": claim["outcome"] if claim["ended"] else "open",
            "settled_amount": claim["settled_amount"] if claim["ended"] else None,
            "settled_on": claim["settled_on"] if claim["ended"] else None,
            "date": claim["date"],
            "sources": [claim["position"]] + ([claim["ended"]] if claim["ended"] else []),
        } for claim in rows]

    def positions(self, negotiation: str, axes: Axes, limit: int | None = None,
                  offset: int = 0) -> list[dict[str, Any]]:
        """Each party's latest stance on each subject: latest by (date, position); ``limit``
        and ``offset`` page through them in (party, subject) order."""
        self.dossier(negotiation, axes)
        where, params = axes.where()
        # Picked in SQL: a large dossier has hundreds of thousands of (party, subject) pairs.
        # Dates are ISO text of one length, so the date and the zero-padded position make one
        # key in (date, position) order; SQLite takes a row's other columns from the row whose
        # key is the max.
        rows = self.db.execute(
            "SELECT stakeholder, subject, stance, summary, date, points, position, "
            "max(date || printf('%020d', position)) FROM stances "
            # A page is read in (party, subject) order from that index and stops early; the
            # whole list is quicker grouped from the date index.
            + ("INDEXED BY idx_stances_negotiation_stakeholder_subject " if limit is not None else "")
            + f"WHERE negotiation = ? AND {where} "
            "GROUP BY stakeholder, subject ORDER BY stakeholder, subject" + _page(limit, offset),
            [negotiation, *params])
        return [
            {"stakeholder": stakeholder, "subject": subject, "stance": stance,
             "summary": summary, "date": on, "points": json.loads(points), "sources": [position]}
            for stakeholder, subject, stance, summary, on, points, position, _key in rows
        ]

    def position_count(self, negotiation: str, axes: Axes) -> int:
        """How many (party, subject) pairs hold a stance."""
        where, params = axes.where()
        return self.db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM stances "
            f"WHERE negotiation = ? AND {where} GROUP BY stakeholder, subject)",
            [negotiation, *params]).fetchone()[0]

    def latest_stances(self, negotiation: str, axes: Axes, limit: int) -> list[dict[str, Any]]:
        """The most recent stances, latest first, one per (party, subject): read from the end
        of the (date, position) index until ``limit`` pairs are found."""
        where, params = axes.where()
        cursor = self.db.execute(
            "SELECT stakeholder, subject, stance, summary, date, points, position FROM stances "
            f"WHERE negotiation = ? AND {where} ORDER BY {LATEST_FIRST}", [negotiation, *params])
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for stakeholder, subject, stance, summary, on, points, position in cursor:
            if (stakeholder, subject) not in found:
                found[stakeholder, subject] = {
                    "stakeholder": stakeholder, "subject": subject, "stance": stance,
                    "summary": summary, "date": on, "points": json.loads(points),
                    "sources": [position]}
                if len(found) == limit:
                    break
        cursor.close()
        return list(found.values())

    def stance_history(self, negotiation: str, axes: Axes) -> list[dict[str, Any]]:
        return self._rows("stances", negotiation, axes)

    def meetings(self, negotiation: str, axes: Axes) -> list[dict[str, Any]]:
        held = {row["id"]: row for row in self._rows("meetings_held", negotiation, axes)}
        latest: dict[str, dict[str, Any]] = {}
        for row in self._rows("meetings", negotiation, axes):
            latest[row["id"]] = row  # a later scheduling of the same meeting moves it
        judged = axes.judged_on().isoformat()
        return [
            {"id": m["id"], "title": m["title"], "scheduled_for": m["scheduled_for"],
             "participants": json.loads(m["participants"]), "agenda": json.loads(m["agenda"]),
             "held": m["id"] in held, "held_on": held[m["id"]]["date"] if m["id"] in held else None,
             "state": meeting_state(m["id"] in held, m["scheduled_for"], judged),
             "sources": [m["position"]] + ([held[m["id"]]["position"]] if m["id"] in held else [])}
            for m in sorted(latest.values(), key=lambda m: (m["scheduled_for"], m["id"]))
        ]

    def alignments(self, negotiation: str, axes: Axes) -> list[dict[str, Any]]:
        return [{"parties": json.loads(r["parties"]), "toward": r["toward"], "summary": r["summary"],
                 "date": r["date"], "position": r["position"], "sources": [r["position"]]}
                for r in self._rows("alignments", negotiation, axes)]

    def roles(self, negotiation: str, axes: Axes) -> list[dict[str, Any]]:
        return [{"task": r["task"], "stakeholder": r["stakeholder"], "role": r["role"],
                 "summary": r["summary"], "date": r["date"], "position": r["position"],
                 "sources": [r["position"]]}
                for r in self._rows("roles", negotiation, axes)]

    # -- the log --------------------------------------------------------------------------------

    def log(self, axes: Axes, negotiation: str | None = None, stakeholder: str | None = None,
            event_type: str | None = None, since: date | None = None,
            until: date | None = None,
            where: tuple[str, list[Any]] | None = None,
            limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """The log entries on both axes; ``where`` adds a condition on the log table's columns;
        ``limit`` and ``offset`` page through them in position order."""
        clauses, params = ["position <= ?"], [_known(axes)]
        if where is not None:
            clauses.append(f"({where[0]})")
            params.extend(where[1])
        if axes.as_of is not None:
            clauses.append("date <= ?")
            params.append(axes.as_of.isoformat())
        if negotiation is not None:
            clauses.append("negotiation = ?")
            params.append(negotiation)
        if event_type is not None:
            clauses.append("type = ?")
            params.append(event_type)
        if since is not None:
            clauses.append("date >= ?")
            params.append(since.isoformat())
        if until is not None:
            clauses.append("date <= ?")
            params.append(until.isoformat())
        if stakeholder is not None:
            naming, times = naming_positions()
            clauses.append(f"position IN ({naming})")
            params.extend([stakeholder] * times)
        sql = f"SELECT * FROM log WHERE {' AND '.join(clauses)} ORDER BY position"
        return self.entries(self._query(sql + _page(limit, offset), params), axes)

    def timeline(self, axes: Axes, negotiation: str, positions: tuple[str, list[Any]],
                 limit: int | None = None, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """A page of the log entries at ``positions`` (SQL that selects positions) that are
        visible on both axes, with the retractions of those that were retracted, in the order
        the log format gives facts (effective date, then position); and how many there are in
        all. Chosen, ordered, counted and paged in SQL: only the page's events are read."""
        known = _known(axes)
        as_of = axes.as_of.isoformat() if axes.as_of is not None else "9999-12-31"
        visible = "negotiation = ? AND position <= ? AND date <= ?"

        def chosen(columns: str) -> str:
            return (f"WITH chosen AS (SELECT position, retracted_at FROM log "
                    f"WHERE position IN ({positions[0]}) AND {visible}), "
                    "shown AS (SELECT position FROM chosen UNION "
                    "SELECT retracted_at FROM chosen WHERE retracted_at <= ?) "
                    f"SELECT {columns} FROM log WHERE position IN shown AND {visible}")

        params = [*positions[1], negotiation, known, as_of, known, negotiation, known, as_of]
        # The count of all comes with the page (the rows are all chosen to be ordered anyway).
        rows = self._query(chosen("*, count(*) OVER () AS entries_in_all")
                           + " ORDER BY date, position" + _page(limit, offset), params)
        if rows:
            count = rows[0]["entries_in_all"]
        else:  # a page after the last entry
            count = self.db.execute(chosen("count(*)"), params).fetchone()[0]
        return self.entries(rows, axes), count

    def entries(self, rows: list[dict[str, Any]], axes: Axes) -> list[dict[str, Any]]:
        """Log rows as the entries the log shows: the events are read from the store, and their
        record and summary made for those alone, from their stored JSON."""
        if not rows:
            return []
        if self.states is None:
            raise NotFound(_("the log is read with the store at hand"))
        states = self.states([row["position"] for row in rows])
        from akkoord.projections.records import record
        from akkoord.domain.summaries import summary

        known = _known(axes)
        entries = []
        for row in rows:
            state = states[row["position"]]
            data = record(row["type"], state)
            origin = state.get("origin")
            entries.append({
                "position": row["position"], "recorded_at": state["timestamp"],
                "recorded_by": state["recorded_by"], "date": row["date"],
                "negotiation": row["negotiation"], "type": row["type"], "ref": row["ref"],
                "summary": summary(data), "data": data,
                "origin": None if origin is None else {"name": origin["name"],
                                                       "sha256": origin["sha256"]},
                "retracted_by": row["retracted_at"]
                if row["retracted_at"] and row["retracted_at"] <= known else None})
        return entries


def _visible(alias: str) -> str:
    """``Axes.where`` with named parameters (``:known``, ``:as_of``), for SQL that uses them in
    several places."""
    return (f"{alias}.position <= :known AND {alias}.date <= :as_of "
            f"AND ({alias}.retracted_at IS NULL OR {alias}.retracted_at > :known)")


def _known(axes: Axes) -> int:
    return axes.known_at if axes.known_at is not None else LATEST


def _page(limit: int | None, offset: int) -> str:
    """The LIMIT clause of a page (none for every row from the first)."""
    if limit is None and not offset:
        return ""
    return f" LIMIT {-1 if limit is None else int(limit)} OFFSET {int(offset)}"


def _proposal_sources(revision: int, budget: list[int], agreements: list[int]) -> dict[str, list[int]]:
    """For each figure of the proposal, the positions of the events it is computed from."""
    return {
        "revision": [revision],
        "budget": budget,
        "agreements": agreements,
        "status": [revision, *agreements],
        "years": sorted({revision, *budget}),
        "total": [revision],
        "unallocated": sorted({revision, *budget}),
    }


def meeting_state(held: bool, scheduled_for: str, judged_on: str) -> str:
    """``held``; ``past`` when its date passed and it was not recorded as held; else
    ``scheduled`` (a meeting on the day it is judged is still to be held that day)."""
    if held:
        return "held"
    return "past" if scheduled_for < judged_on else "scheduled"

def _key_summary(row: dict[str, Any]) -> dict[str, Any]:
    # Exact arithmetic is loaded only where an item has a key.
    from akkoord.projections.divisions import key_summary

    return key_summary(row)


def year_range(periods: list[tuple[int, int | None]]) -> list[int]:
    """From the earliest year any period touches to the latest start or end + 1 (cli.md)."""
    if not periods:
        return []
    first = min(start for start, _end in periods)
    last = max(max(start, end + 1 if end is not None else start) for start, end in periods)
    return list(range(first, last + 1))
