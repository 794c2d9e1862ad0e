"""Derived alignment as a view: per pair of parties and shared subject, kept as running sums.

Two parties that hold stances on the same subject are aligned on it as far as their current
stances agree (``subject_agreement``); a pair's alignment is the mean over its shared subjects.
The graph draws it among the ``ALIGNED_PARTIES`` parties with stances on the most subjects
(docs/graph.md). The tables of the ``alignment`` view (``views.ALIGNMENT``) keep what that needs:

- ``alignment_engagement``: per party, the number of subjects it holds a stance on, indexed so
  that the most engaged are read off the end of an index;
- ``alignment_parties``: the parties alignment is kept among (at most ``ALIGNED_PARTIES``), and
  ``alignment_held`` their current stances: per subject the latest by (date, position) that is
  not retracted (a stance recorded late for an earlier date changes nothing);
- ``alignment_shared``: per pair of those parties (``a`` < ``b``) and subject both hold a stance
  on, their agreement in halves (so that sums stay exact), the positions of the two stances and
  the later of their dates;
- ``alignment_pairs``: per pair, the running sums over its shared subjects: the halves, the
  number of subjects (``weight``) and the latest date (``since``, the edge's ``start``);
- ``alignment_retracted``: the stances retracted since the pairs were last kept.

The view catches up with the others (``catch_up``), once the stances and retractions of a batch
are in; the pairs are brought in line when the store's head is reached. A changed stance (a new
one, or a retraction) moves its party's count of subjects if the subject is new to it (or it
lost its last stance on it), and, if the party is kept, touches only the pairs of that party
with the others kept that hold a stance on the subject: at most
``ALIGNED_PARTIES - 1`` rows of ``alignment_shared``, and as many pairs' sums moved by the
difference. A party that joins the most engaged brings its pairs (its subjects times the others
kept holding them); one that leaves takes its pairs away.

The view holds the present only: the stances as known now. The graph of an earlier date
(``--as-of``) or an earlier point of the record (``--known-at``) is tallied from the stances as
they stood then (``AlignmentTally``): the same rule over the same rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

# Which side of a subject a stance is on: support, conditional and demand want something of it.
STANCE_SIGN = {"support": 1, "conditional": 1, "demand": 1, "neutral": 0, "oppose": -1}
# Derived alignment is drawn between this many parties at most, those with stances on the most
# subjects: the pairs grow with the square of the parties, and a few hundred parties' web of
# tens of thousands of ties is neither readable nor cheap (docs/graph.md).
ALIGNED_PARTIES = 100

# A catch-up that would touch more pair-and-subject rows than this many times those kept (a
# long one, of thousands of stances) makes the dossier's pairs again instead, which costs about
# what touching each of them once does, in SQL rather than Python.
AFRESH_ABOVE = 1.0

Pair = tuple[str, str]
Held = tuple[str, int, str]  # a current stance: (stance, position, date)


def subject_agreement(stance: str, other: str) -> float:
    """How far two stances on one subject agree: the alignment rule, per subject."""
    sign, other_sign = STANCE_SIGN[stance], STANCE_SIGN[other]
    if sign == 0 or other_sign == 0:
        return 0.0
    if sign != other_sign:
        return -1.0
    return 1.0 if stance == other else 0.5


def in_halves(stance: str, other: str) -> int:
    return int(2 * subject_agreement(stance, other))


def pair_of(party: str, other: str) -> Pair:
    return (party, other) if party < other else (other, party)


def most_engaged(engagement: Mapping[str, int], cap: int) -> list[str]:
    """The parties alignment is kept among: most subjects first, then by name."""
    return sorted(engagement, key=lambda party: (-engagement[party], party))[:cap]


def alignment(halves: int, weight: int, since: str | None, subjects: list[str],
              sources: Iterable[int]) -> dict[str, Any]:
    """A pair's derived alignment, as the graph's edge holds it."""
    score = round(halves / (2 * weight), 3)
    return {"start": since, "sign": (score > 0) - (score < 0), "weight": weight,
            "agreement": score, "subjects": subjects, "sources": sorted(set(sources))}


class AlignmentTally:
    """Per pair of parties and shared subject, the agreement of their current stances, tallied
    from stances in (date, position) order: for a graph of the past, and the rule the view keeps.

    Agreement is counted in halves, so the sums stay exact.
    """

    def __init__(self) -> None:
        self.current: dict[tuple[str, str], Mapping[str, Any]] = {}  # (party, subject) -> stance
        self.holders: dict[str, set[str]] = defaultdict(set)
        # pair -> subject -> (agreement in halves, the two stances' positions)
        self.shared: dict[Pair, dict[str, tuple[int, int, int]]] = defaultdict(dict)
        self.since: dict[Pair, str | None] = {}

    def take(self, stance: Mapping[str, Any]) -> None:
        """A stance in (date, position) order: it replaces the party's earlier one on its subject."""
        party, subject = stance["stakeholder"], stance["subject"]
        for other in self.holders[subject]:
            if other == party:
                continue
            held = self.current[(other, subject)]
            self.shared[pair_of(party, other)][subject] = (
                in_halves(stance["stance"], held["stance"]), stance["position"], held["position"])
            self.since[pair_of(party, other)] = stance.get("date")
        self.current[(party, subject)] = stance
        self.holders[subject].add(party)

    def alignments(self) -> Iterator[tuple[Pair, dict[str, Any]]]:
        for pair in sorted(self.shared):
            subjects = self.shared[pair]
            yield pair, alignment(sum(s[0] for s in subjects.values()), len(subjects),
                                  self.since[pair], sorted(subjects),
                                  (p for s in subjects.values() for p in s[1:]))


# -- the view ------------------------------------------------------------------------------------


def present(db: sqlite3.Connection, negotiation: str,
            cap: int) -> tuple[list[tuple[Pair, dict[str, Any]]], int, int] | None:
    """The derived alignment of the dossier as the view holds it now: (pair, alignment) in pair
    order, the number of parties with a stance and the number kept. None when the view was
    kept among another number of parties than ``cap``, or its pairs are behind its stances."""
    settings = dict(db.execute("SELECT name, value FROM alignment_settings"))
    tracked = db.execute("SELECT position FROM tracking WHERE view = ?", [VIEW]).fetchone()
    if settings.get("cap") != cap or tracked is None or settings.get("pairs_at") != tracked[0]:
        return None
    shared: dict[Pair, tuple[list[str], list[int]]] = {}
    for a, b, subject, a_position, b_position in db.execute(
            "SELECT a, b, subject, a_position, b_position FROM alignment_shared "
            "WHERE negotiation = ? ORDER BY a, b, subject", [negotiation]):
        subjects, sources = shared.setdefault((a, b), ([], []))
        subjects.append(subject)
        sources += (a_position, b_position)
    found = [((a, b), alignment(halves, weight, since, *shared[(a, b)]))
             for a, b, halves, weight, since in db.execute(
                 "SELECT a, b, halves, weight, since FROM alignment_pairs WHERE negotiation = ? "
                 "ORDER BY a, b", [negotiation])]
    ((ranked,),) = db.execute("SELECT count(*) FROM alignment_engagement WHERE negotiation = ?",
                              [negotiation])
    ((chosen,),) = db.execute("SELECT count(*) FROM alignment_parties WHERE negotiation = ?",
                              [negotiation])
    return found, ranked, chosen


VIEW = "alignment"  # its name in views.VIEWS
# A party's or a party and subject's stances, by the index that holds them in (date, position)
# order of each subject (named: left to itself, SQLite may read every stance of the dossier by
# date to spare sorting a few rows).
OF_PARTY = ("FROM stances INDEXED BY idx_stances_negotiation_stakeholder_subject "
            "WHERE negotiation = ? AND stakeholder = ? AND retracted_at IS NULL")
# The parties and subjects whose stances came or were retracted since the pairs were last kept
# (:since).
TOUCHED = "temp.alignment_touched"
TOUCH = f"""
INSERT OR IGNORE INTO {TOUCHED} (negotiation, party, subject)
SELECT negotiation, stakeholder, subject FROM stances WHERE position > :since
UNION ALL
SELECT s.negotiation, s.stakeholder, s.subject FROM alignment_retracted AS r
CROSS JOIN stances AS s ON s.position = r.position WHERE r.at > :since
"""
# Whether a party holds a stance on a subject: now, or as it stood at :since.
HOLDS = ("EXISTS (SELECT 1 FROM stances AS x INDEXED BY "
         "idx_stances_negotiation_stakeholder_subject WHERE x.negotiation = t.negotiation "
         "AND x.stakeholder = t.party AND x.subject = t.subject AND {known})")
# Each party's number of subjects, moved by the subjects it came to hold or ceased to.
ENGAGEMENT = f"""
INSERT INTO alignment_engagement (negotiation, party, subjects)
SELECT negotiation, party, sum(now - was) FROM (
    SELECT t.negotiation, t.party,
           {HOLDS.format(known="x.retracted_at IS NULL")} AS now,
           {HOLDS.format(known="x.position <= :since AND (x.retracted_at IS NULL "
                               "OR x.retracted_at > :since)")} AS was
    FROM {TOUCHED} AS t) WHERE true
GROUP BY negotiation, party HAVING sum(now - was) != 0
ON CONFLICT (negotiation, party) DO UPDATE SET subjects = subjects + excluded.subjects
"""
ENGAGEMENT_AFRESH = """
INSERT INTO alignment_engagement (negotiation, party, subjects)
SELECT negotiation, stakeholder, count(DISTINCT subject)
FROM stances INDEXED BY idx_stances_negotiation_stakeholder_subject
WHERE retracted_at IS NULL GROUP BY negotiation, stakeholder
"""


def catch_up(db: sqlite3.Connection, after: int, upto: int, retracted: list[int],
             at_head: bool) -> None:
    """Brings the view from ``after`` to ``upto``, after the stances view has the batch's rows
    and its retractions (``retracted``: the positions they retracted).

    The pairs are brought in line once the store's head is reached, for every stance recorded
    or retracted since they last were (the retractions are noted batch by batch): in a long
    catch-up or a rebuild, the parties alignment is kept among are chosen once, from the
    stances as they stand at the end, not again after every batch.
    """
    db.executemany("INSERT OR REPLACE INTO alignment_retracted (position, at) VALUES (?, ?)",
                   [(position, upto) for position in retracted])
    if not at_head:
        return
    settings = dict(db.execute("SELECT name, value FROM alignment_settings"))
    since, cap = settings.get("pairs_at", 0), ALIGNED_PARTIES
    if settings.get("cap") != cap:
        # kept among another number of parties (or never): every dossier chooses again
        for table in ("alignment_engagement", "alignment_parties", "alignment_held",
                      "alignment_shared", "alignment_pairs"):
            db.execute(f"DELETE FROM {table}")
        since = 0
    if since == 0:  # every stance is new: each party's subjects counted in one pass
        db.execute("DELETE FROM alignment_engagement")
        db.execute(ENGAGEMENT_AFRESH)
        dossiers = "SELECT DISTINCT negotiation FROM alignment_engagement"
    else:
        db.execute(f"CREATE TABLE IF NOT EXISTS {TOUCHED} (negotiation TEXT, party TEXT, "
                   "subject TEXT, PRIMARY KEY (negotiation, party, subject)) WITHOUT ROWID")
        db.execute(f"DELETE FROM {TOUCHED}")
        db.execute(TOUCH, {"since": since})
        db.execute(ENGAGEMENT, {"since": since})
        db.execute(f"DELETE FROM alignment_engagement WHERE (negotiation, party) IN "
                   f"(SELECT negotiation, party FROM {TOUCHED}) AND subjects <= 0")
        dossiers = f"SELECT DISTINCT negotiation FROM {TOUCHED}"
    for (negotiation,) in db.execute(dossiers).fetchall():
        _Dossier(db, negotiation, cap).update(since)
    db.execute("DELETE FROM alignment_retracted WHERE at <= ?", [upto])
    db.executemany("INSERT OR REPLACE INTO alignment_settings (name, value) VALUES (?, ?)",
                   [("cap", cap), ("pairs_at", upto)])


Agreement = tuple[int, int, int, str]  # halves, the two stances' positions, the later date
# The pairs of a dossier whose kept parties were all chosen just now, and each pair's sums over
# its subjects: each stance paired with the other holders of its subject (CROSS JOIN and the
# index named: left to itself, SQLite pairs each stance with every stance of a later party).
FRESH_SHARED = """
INSERT INTO alignment_shared (negotiation, a, b, subject, halves, a_position, b_position, date)
SELECT p.negotiation, p.party, q.party, p.subject, akkoord_halves(p.stance, q.stance),
       p.position, q.position, max(p.date, q.date)
FROM alignment_held AS p CROSS JOIN alignment_held AS q INDEXED BY alignment_holders
     ON q.negotiation = p.negotiation AND q.subject = p.subject AND q.party > p.party
WHERE p.negotiation = ? ORDER BY p.party, q.party, p.subject
"""
FRESH_PAIRS = """
INSERT INTO alignment_pairs (negotiation, a, b, halves, weight, since)
SELECT negotiation, a, b, sum(halves), count(*), max(date) FROM alignment_shared
WHERE negotiation = ? GROUP BY negotiation, a, b
"""


class _Dossier:
    """The pairs of one dossier, brought in line with the stances recorded or retracted since
    they were kept."""

    def __init__(self, db: sqlite3.Connection, negotiation: str, cap: int):
        self.db, self.negotiation, self.cap = db, negotiation, cap
        self.holding: dict[str, dict[str, Held]] = {}  # subject -> kept party -> its stance

    def update(self, since: int) -> None:
        db, negotiation = self.db, self.negotiation
        before = {party for (party,) in db.execute(
            "SELECT party FROM alignment_parties WHERE negotiation = ?", [negotiation])}
        chosen = {party for (party,) in db.execute(
            "SELECT party FROM alignment_engagement WHERE negotiation = ? "
            "ORDER BY subjects DESC, party LIMIT ?", [negotiation, self.cap])}
        leaving, entering, staying = before - chosen, chosen - before, before & chosen
        for party in leaving:
            db.execute("DELETE FROM alignment_parties WHERE negotiation = ? AND party = ?",
                       [negotiation, party])
            db.execute("DELETE FROM alignment_held WHERE negotiation = ? AND party = ?",
                       [negotiation, party])
            for other in before - {party}:
                for table in ("alignment_shared", "alignment_pairs"):
                    db.execute(f"DELETE FROM {table} WHERE negotiation = ? AND a = ? AND b = ?",
                               [negotiation, *pair_of(party, other)])
        for party in entering:
            db.execute("INSERT INTO alignment_parties (negotiation, party) VALUES (?, ?)",
                       [negotiation, party])
            current: dict[str, tuple[Any, ...]] = {}
            for subject, *held in db.execute(
                    f"SELECT subject, stance, position, date {OF_PARTY}", [negotiation, party]):
                if subject not in current or (held[2], held[1]) > (current[subject][3],
                                                                  current[subject][2]):
                    current[subject] = (subject, *held)
            db.executemany("INSERT INTO alignment_held (negotiation, party, subject, stance, "
                           "position, date) VALUES (?, ?, ?, ?, ?, ?)",
                           [(negotiation, party, *held) for held in current.values()])
        was = self.changed(since, staying)
        ((kept,),) = db.execute("SELECT coalesce(sum(weight), 0) FROM alignment_pairs "
                                "WHERE negotiation = ?", [negotiation])
        if not before or len(was) * len(chosen) > AFRESH_ABOVE * kept:
            # none kept yet (a rebuild, a first catch-up), or more rows to touch than there
            # are: every pair made again at once
            db.execute("DELETE FROM alignment_shared WHERE negotiation = ?", [negotiation])
            db.execute("DELETE FROM alignment_pairs WHERE negotiation = ?", [negotiation])
            db.create_function("akkoord_halves", 2, in_halves, deterministic=True)
            db.execute(FRESH_SHARED, [negotiation])
            db.execute(FRESH_PAIRS, [negotiation])
            return
        # (a, b, subject) -> (their agreement before, now); None: not shared
        shared: dict[tuple[str, str, str], tuple[Agreement | None, Agreement | None]] = {}
        for party in sorted(entering):  # its pairs with the others kept, each pair once
            for (subject,) in db.execute("SELECT subject FROM alignment_held WHERE "
                                         "negotiation = ? AND party = ?",
                                         [negotiation, party]).fetchall():
                holders = self.holders(subject)
                for other in holders:
                    if other != party and not (other in entering and other < party):
                        shared[(*pair_of(party, other), subject)] = (None, agreement(
                            party, holders[party], other, holders[other]))
        # a stance of a party kept before and now: its pairs with the others kept that held a
        # stance on the subject before or hold one now (the rows it had, the rows it has)
        changed_on: dict[str, set[str]] = defaultdict(set)
        for party, subject in was:
            changed_on[subject].add(party)
        for (party, subject), held_before in was.items():
            holders = self.holders(subject)
            for other in (changed_on[subject] | set(holders)) - entering - {party}:
                other_before = was.get((other, subject), holders.get(other))
                shared[(*pair_of(party, other), subject)] = (
                    agreement(party, held_before, other, other_before),
                    agreement(party, holders.get(party), other, holders.get(other)))
        self.write(shared)

    def changed(self, since: int, staying: set[str]) -> dict[tuple[str, str], Held | None]:
        """The subjects on which a party kept before and now took or lost a stance since, with
        the stance it held before (None: none); their current stances are read again."""
        if not staying:
            return {}
        db, negotiation = self.db, self.negotiation
        parties = json.dumps(sorted(staying))
        keys = set(db.execute(
            # the stances since, by position, and those retracted since (+ and CROSS JOIN: else
            # SQLite reads every stance of the kept parties by their index)
            "SELECT stakeholder, subject FROM stances WHERE position > ? AND +negotiation = ? "
            "AND +stakeholder IN (SELECT value FROM json_each(?)) UNION "
            "SELECT s.stakeholder, s.subject FROM alignment_retracted AS r "
            "CROSS JOIN stances AS s ON s.position = r.position WHERE r.at > ? "
            "AND s.negotiation = ? AND s.stakeholder IN (SELECT value FROM json_each(?))",
            [since, negotiation, parties, since, negotiation, parties]))
        listed = json.dumps(sorted(keys))
        was: dict[tuple[str, str], Held | None] = dict.fromkeys(keys)
        was.update({(party, subject): (stance, position, date) for
                    party, subject, stance, position, date in db.execute(
            "SELECT h.party, h.subject, h.stance, h.position, h.date FROM json_each(?) AS k "
            "CROSS JOIN alignment_held AS h ON h.negotiation = ? "
            "AND h.party = json_extract(k.value, '$[0]') "
            "AND h.subject = json_extract(k.value, '$[1]')", [listed, negotiation])})
        now = [(negotiation, party, subject, *held) for party, subject, *held in db.execute(
            "SELECT s.stakeholder, s.subject, s.stance, s.position, s.date FROM json_each(?) AS k "
            "CROSS JOIN stances AS s ON s.position = (SELECT x.position FROM stances AS x "
            "INDEXED BY idx_stances_negotiation_stakeholder_subject WHERE x.negotiation = ? "
            "AND x.stakeholder = json_extract(k.value, '$[0]') "
            "AND x.subject = json_extract(k.value, '$[1]') AND x.retracted_at IS NULL "
            "ORDER BY x.date DESC, x.position DESC LIMIT 1)", [listed, negotiation])]
        db.executemany("DELETE FROM alignment_held WHERE negotiation = ? AND party = ? "
                       "AND subject = ?", [(negotiation, *key) for key in keys])
        db.executemany("INSERT INTO alignment_held (negotiation, party, subject, stance, "
                       "position, date) VALUES (?, ?, ?, ?, ?, ?)", now)
        return was

    def holders(self, subject: str) -> dict[str, Held]:
        """The current stances of the kept parties on the subject."""
        found = self.holding.get(subject)
        if found is None:
            found = self.holding[subject] = {
                party: (stance, position, date) for party, stance, position, date in
                self.db.execute("SELECT party, stance, position, date FROM alignment_held "
                                "WHERE negotiation = ? AND subject = ?",
                                [self.negotiation, subject])}
        return found

    def write(self, shared: dict[tuple[str, str, str],
                                 tuple[Agreement | None, Agreement | None]]) -> None:
        """The shared subjects as they are now, and each pair's sums moved by the difference
        from what they were."""
        db, negotiation = self.db, self.negotiation
        moved: dict[Pair, list[Any]] = {}  # pair -> [halves, weight, latest new date, lowered]
        for (a, b, subject), (was, new) in shared.items():
            if was is None and new is None:
                continue
            sums = moved.setdefault((a, b), [0, 0, None, False])
            if was is not None:
                sums[0] -= was[0]
                sums[1] -= 1
                sums[3] = sums[3] or new is None or new[3] < was[3]
            if new is not None:
                sums[0] += new[0]
                sums[1] += 1
                sums[2] = new[3] if sums[2] is None else max(sums[2], new[3])
        db.executemany("DELETE FROM alignment_shared WHERE negotiation = ? AND a = ? AND b = ? "
                       "AND subject = ?", [(negotiation, *key) for key, (was, new) in
                                           shared.items() if new is None and was is not None])
        db.executemany("INSERT OR REPLACE INTO alignment_shared (negotiation, a, b, subject, "
                       "halves, a_position, b_position, date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [(negotiation, *key, *new) for key, (was, new) in shared.items()
                        if new is not None and new != was])
        if len(moved) > self.cap:  # many of the dossier's at most cap² / 2 pairs: read at once
            pairs = {(a, b): row for a, b, *row in db.execute(
                "SELECT a, b, halves, weight, since FROM alignment_pairs WHERE negotiation = ?",
                [negotiation])}
        else:
            pairs = {pair: row for pair in moved for row in db.execute(
                "SELECT halves, weight, since FROM alignment_pairs WHERE negotiation = ? "
                "AND a = ? AND b = ?", [negotiation, *pair])}
        kept, gone = [], []
        for pair, (halves, weight, latest, lowered) in moved.items():
            was_halves, was_weight, since = pairs.get(pair, (0, 0, None))
            halves, weight = halves + was_halves, weight + was_weight
            if weight == 0:
                gone.append((negotiation, *pair))
                continue
            if lowered:  # the latest date may have gone: read it again
                ((since,),) = db.execute("SELECT max(date) FROM alignment_shared "
                                         "WHERE negotiation = ? AND a = ? AND b = ?",
                                         [negotiation, *pair])
            elif latest is not None:
                since = latest if since is None else max(since, latest)
            kept.append((negotiation, *pair, halves, weight, since))
        db.executemany("DELETE FROM alignment_pairs WHERE negotiation = ? AND a = ? AND b = ?",
                       gone)
        db.executemany("INSERT OR REPLACE INTO alignment_pairs (negotiation, a, b, halves, "
                       "weight, since) VALUES (?, ?, ?, ?, ?, ?)", kept)


def agreement(party: str, held: Held | None, other: str,
              other_held: Held | None) -> Agreement | None:
    """The agreement of two parties' stances on one subject, as ``alignment_shared`` keeps it
    (the first party in name order first); None when either holds no stance on it."""
    if held is None or other_held is None:
        return None
    (_a, held_a), (_b, held_b) = sorted([(party, held), (other, other_held)])
    return in_halves(held_a[0], held_b[0]), held_a[1], held_b[1], max(held_a[2], held_b[2])
