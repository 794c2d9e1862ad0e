"""The checks an auditor runs: the whole chain recomputed, checkpoints, inclusion proofs.

``verify`` trusts nothing it reads: it recomputes every leaf and chain value from the stored
events and compares them with the chain table, position by position. What the chain table
cannot show on its own (events and chain rewritten together, or the latest events removed with
their chain rows) shows against a checkpoint taken earlier and kept elsewhere.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from typing import Any, NamedTuple, Protocol

from akkoord.i18n import N_, _
from akkoord.store import merkle
from akkoord.store.chain import (
    _LEAF_HEAD,
    CHAIN_PREFIX,
    GENESIS,
    MISSING,
    SEALED_PREFIX,
    Link,
    StoredRow,
    leaf_of,
    paged,
    seal_of,
)

CHECKPOINT_FORMAT = "akkoord-checkpoint/1"
CHECKPOINT_HEADER = f"""\
# {CHECKPOINT_FORMAT}: the integrity checkpoint of an akkoord event store.
# Keep it where those who can write the store cannot; check the store against it with
#   akkoord verify --checkpoint FILE
# position  the last event it covers (its global position)
# events    how many events the store held up to that position
# chain     the SHA-256 hash chain's value at that position (hex)
# root      the RFC 6962/9162 Merkle tree head over the same events (hex)
# taken     when it was taken (UTC)
# Lines starting with # are ignored; each other line is one checkpoint, oldest first.
"""
_CHECKPOINT_LINE = re.compile(
    rf"^{re.escape(CHECKPOINT_FORMAT)} position=(\d+) events=(\d+) chain=([0-9a-f]{{64}}) "
    r"root=([0-9a-f]{64})(?: taken=(\S+))?$"
)


class Checkpoint(NamedTuple):
    position: int
    events: int
    chain: str
    root: str
    taken: str | None = None

    def line(self) -> str:
        taken = f" taken={self.taken}" if self.taken else ""
        return (f"{CHECKPOINT_FORMAT} position={self.position} events={self.events} "
                f"chain={self.chain} root={self.root}{taken}")

    def as_json(self) -> dict[str, Any]:
        return {"format": CHECKPOINT_FORMAT, "position": self.position, "events": self.events,
                "chain": self.chain, "root": self.root, "taken": self.taken}


def read_checkpoints(text: str) -> list[Checkpoint]:
    """The checkpoints of a checkpoint file; ValueError names a line that is not one."""
    checkpoints = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _CHECKPOINT_LINE.match(line)
        if match is None:
            raise ValueError(_("line {number} is not a checkpoint of format {format}")
                             .format(number=number, format=CHECKPOINT_FORMAT))
        position, events, chain, root, taken = match.groups()
        checkpoints.append(Checkpoint(int(position), int(events), chain, root, taken))
    if not checkpoints:
        raise ValueError(_("it holds no checkpoint"))
    return checkpoints


class Said(str):
    """A problem's message: the text is English (what ``--json`` holds, the same in every
    language); ``translated()`` says it in the chosen language, its parts too."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Said:
        said = super().__new__(cls, template.format(**values))
        said.template, said.values = template, values
        return said

    def translated(self) -> str:
        return _(self.template).format(**{
            name: value.translated() if isinstance(value, Said) else value
            for name, value in self.values.items()})


class Problem(NamedTuple):
    position: int | None
    kind: str
    said: str

    @property
    def message(self) -> str:
        """The problem as a person reads it, in the chosen language."""
        return self.said.translated() if isinstance(self.said, Said) else self.said

    def as_json(self) -> dict[str, Any]:
        return {"position": self.position, "kind": self.kind, "message": str(self.said)}


class Verification:
    """What ``verify`` found: the recomputed head, and every problem, first position first.
    (The value classes of this module are tuples and plain classes, not dataclasses: ``verify``
    and ``checkpoint`` then start without loading ``dataclasses`` and ``inspect``.)"""

    def __init__(self) -> None:
        self.events = 0
        self.position = 0
        self.chain: bytes = GENESIS
        self.root: bytes = merkle.root([])
        self.problems: list[Problem] = []
        self.checkpoints: list[tuple[Checkpoint, Problem | None]] = []
        # (aggregate id, version) -> (position, seal) of each snapshot sealed into the chain
        self.seals: dict[tuple[Any, Any], tuple[int, bytes]] = {}

    @property
    def ok(self) -> bool:
        return not self.problems

    def checkpoint(self) -> Checkpoint:
        taken = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return Checkpoint(self.position, self.events, self.chain.hex(), self.root.hex(), taken)


class RowSource(Protocol):
    """Where the checks read stored rows: a ``ChainKeeper`` recorder, or a ``StoredFile``."""

    def heads(self) -> tuple[int, int]: ...

    def scan(self, upto: int) -> Iterator[tuple[int, Any, Any]]: ...

    def stored_rows(self, after: int, upto: int, limit: int) -> Sequence[StoredRow]: ...

    def links(self, after: int, upto: int, limit: int) -> Sequence[Link]: ...

    def seals(self, upto: int) -> dict[int, bytes]: ...

    def latest_snapshots(self, aggregate_ids: Iterable[Any]) -> Sequence[StoredRow]: ...


def verify(source: RowSource, checkpoints: Sequence[Checkpoint] = ()) -> Verification:
    """Recomputes the chain and the Merkle tree from the stored events in one pass, compares
    them with what is stored, and judges each checkpoint line on its own as the pass reaches
    its position."""
    result = Verification()
    last_event, last_link = source.heads()
    if last_event and not last_link:
        result.problems.append(Problem(None, "no_chain", Said(
            N_("the store holds events but no hash chain: it was written before akkoord kept one, "
               "or the chain was removed. The next import seals the events as they are then "
               "stored; a checkpoint taken earlier is the only proof of what they were before"))))
        return result
    due: dict[int, list[int]] = {}
    for number, checkpoint in enumerate(checkpoints):
        due.setdefault(checkpoint.position, []).append(number)
    judged: list[Problem | None] = [None] * len(checkpoints)
    seen: set[int] = set()
    tree = merkle.CompactRange()
    append = tree.append
    previous = GENESIS
    events = 0
    first_problem: int | None = None
    problems = result.problems
    position = 0
    leaf_of = _LeafCache().leaf
    sha256 = hashlib.sha256
    upto = max(last_event, last_link)
    # Read after the heads: a seal is committed with the events it follows, so every seal up
    # to ``upto`` is there (a store of before has none: every position chains plainly).
    seals = source.seals(upto)
    for position, aggregate, version, topic, state, stored_leaf, stored_chain in source.scan(upto):
        problem = None
        if aggregate is MISSING:
            problem = Problem(position, "deleted", Said(
                N_("position {position}: the event recorded there is missing (deleted)"),
                position=position))
        else:
            leaf = leaf_of(position, aggregate, version, topic, state)
            append(leaf)
            events += 1
            if position in seals:
                seal = seals[position]
                chained = sha256(SEALED_PREFIX + previous + leaf + seal).digest()
                result.seals[aggregate, version] = (position, seal)
            else:
                chained = sha256(CHAIN_PREFIX + previous + leaf).digest()
            if chained != stored_chain:
                hint = len(problems) < HINTED_PROBLEMS
                if stored_leaf is None:
                    problem = Problem(position, "inserted", Said(
                        N_("position {position}: an event the chain does not cover "
                           "(inserted outside akkoord){hint}"), position=position,
                        hint=_order_hint(source, position, aggregate, version) if hint else ""))
                elif leaf != stored_leaf:
                    problem = Problem(position, "changed", Said(
                        N_("position {position}: the stored event is not the one recorded there "
                           "(a changed byte, or an event moved here){hint}"), position=position,
                        hint=_order_hint(source, position, aggregate, version) if hint else ""))
                elif position in seals:
                    problem = Problem(position, "chain", Said(
                        N_("position {position}: the chain table or the seal of the snapshot "
                           "sealed there was changed: its value there does not follow from the "
                           "events and the seal"), position=position))
                else:
                    problem = Problem(position, "chain", Said(
                        N_("position {position}: the chain table was changed: its value there does "
                           "not follow from the events"), position=position))
            previous = chained
        if problem is not None:
            problems.append(problem)
            if first_problem is None:
                first_problem = position
            if stored_chain is not None:
                previous = stored_chain  # judge the positions after this one on their own
        if position in due:
            seen.add(position)
            root = tree.root()
            for number in due[position]:
                judged[number] = problem or _against(
                    checkpoints[number], previous, events, root,
                    check_root=first_problem is None)
    result.events, result.position, result.chain, result.root = events, position, previous, tree.root()
    for number, checkpoint in enumerate(checkpoints):
        if checkpoint.position not in seen:
            empty = checkpoint.events == 0 and checkpoint.chain == GENESIS.hex() and (
                checkpoint.root == merkle.root([]).hex())
            judged[number] = None if empty else _missing(checkpoint, result.position)
        result.checkpoints.append((checkpoint, judged[number]))
    _bound_rewrites(result)
    result.problems.sort(key=lambda p: (p.position is not None, p.position or 0))
    return result


# Problems whose message says which version was due (each hint reads the events before it).
HINTED_PROBLEMS = 20


class _LeafCache:
    """``chain.leaf_of`` for a pass over every row: a dossier's aggregate id and the few topics
    recur on every row, so their encoded parts are made once."""

    def __init__(self) -> None:
        self.parts: dict[Any, bytes] = {}

    def _part(self, text: str) -> bytes:
        part = self.parts.get(text)
        if part is None:
            raw = text.encode("utf-8", "surrogatepass")
            part = self.parts[text] = b"s" + len(raw).to_bytes(8, "big") + raw
        return part

    def leaf(self, position: Any, aggregate: Any, version: Any, topic: Any, state: Any) -> bytes:
        if (type(position) is int and type(aggregate) is str and type(version) is int
                and type(topic) is str and type(state) is bytes):
            return hashlib.sha256(b"".join((
                _LEAF_HEAD, b"i", position.to_bytes(8, "big", signed=True), self._part(aggregate),
                b"i", version.to_bytes(8, "big", signed=True), self._part(topic),
                b"b", len(state).to_bytes(8, "big"), state))).digest()
        return leaf_of((position, aggregate, version, topic, state))


def _order_hint(source: RowSource, position: int, aggregate: Any, version: Any) -> Said | str:
    """Within an aggregate, versions follow each other 1, 2, 3 in position order: the version
    due is one more than the aggregate's events before this one (counted only on a problem)."""
    expected = 1 + sum(1 for row in paged(source.stored_rows, position - 1)
                       if row.aggregate_id == aggregate)
    if version == expected:
        return ""
    return Said(N_("; it holds version {version} of aggregate {aggregate}, where version "
                   "{expected} was due (events swapped, moved or deleted)"),
                version=version, aggregate=aggregate, expected=expected)


def _taken(checkpoint: Checkpoint) -> Said | str:
    return Said(N_(" taken {taken}"), taken=checkpoint.taken) if checkpoint.taken else ""


def _against(checkpoint: Checkpoint, chain: bytes, events: int, root: bytes,
             check_root: bool) -> Problem | None:
    if chain.hex() != checkpoint.chain or events != checkpoint.events:
        return Problem(checkpoint.position, "rewritten", Said(
            N_("position {position}: the history up to here was rewritten since the "
               "checkpoint{taken} (events and chain changed together)"),
            position=checkpoint.position, taken=_taken(checkpoint)))
    # After a problem already named, the tree differs for that reason: not said again.
    if check_root and root.hex() != checkpoint.root:
        return Problem(checkpoint.position, "rewritten", Said(
            N_("position {position}: the Merkle tree head differs from the checkpoint's{taken}"),
            position=checkpoint.position, taken=_taken(checkpoint)))
    return None


def _missing(checkpoint: Checkpoint, last: int) -> Problem:
    if checkpoint.position <= last:
        return Problem(checkpoint.position, "rewritten", Said(
            N_("position {position}: the history was rewritten since the checkpoint{taken}: that "
               "position is no longer in the store"),
            position=checkpoint.position, taken=_taken(checkpoint)))
    return Problem(checkpoint.position, "cut_short", Said(
        N_("position {position}: the history was cut short since the checkpoint{taken}: it "
           "covers up to position {position}, the store ends at position {last}"),
        position=checkpoint.position, taken=_taken(checkpoint), last=last))


def _bound_rewrites(result: Verification) -> None:
    """Adds the checkpoints' problems, each bounded below by the last checkpoint that holds."""
    held = sorted(c.position for c, problem in result.checkpoints if problem is None)
    for _checkpoint, problem in result.checkpoints:
        if problem is not None and problem not in result.problems:
            below = bisect.bisect_left(held, problem.position or 0)
            holding = held[below - 1] if below else 0
            if problem.kind == "rewritten" and holding:
                problem = Problem(problem.position, problem.kind, Said(
                    N_("{problem}; the change lies after position {holding}, where an earlier "
                       "checkpoint still holds"), problem=problem.said, holding=holding))
            result.problems.append(problem)


class Inclusion(NamedTuple):
    """An RFC 9162 inclusion proof of one event in a tree of ``size`` events."""

    position: int
    index: int
    size: int
    leaf: bytes
    path: list[bytes]
    root: bytes
    against: str
    problem: Problem | None

    def as_json(self) -> dict[str, Any]:
        return {"position": self.position, "leaf_index": self.index, "tree_size": self.size,
                "leaf_hash": self.leaf.hex(), "path": [h.hex() for h in self.path],
                "root": self.root.hex(), "against": self.against, "ok": self.problem is None,
                "problem": self.problem.as_json() if self.problem else None}


def prove_inclusion(recorder: RowSource, position: int, checkpoint: Checkpoint | None) -> Inclusion:
    """Proves that the event stored at ``position`` is in the tree a checkpoint names.

    The path is built from the stored leaf hashes, as a log server would serve it; only the
    event's own leaf is recomputed. Against a checkpoint the auditor keeps, a path that a
    rewritten store served cannot reach the checkpoint's root. Without one, the root is the
    store's own, which shows the proof but proves less.
    """
    last_event, last_link = recorder.heads()
    upto = checkpoint.position if checkpoint else last_link
    links = list(paged(recorder.links, upto))
    positions = [link.position for link in links]
    index = bisect.bisect_left(positions, position)
    rows = recorder.stored_rows(position - 1, position, 1)
    size = checkpoint.events if checkpoint else len(links)
    leaves = [link.leaf for link in links[:size]]
    expected = bytes.fromhex(checkpoint.root) if checkpoint else merkle.root(leaves)
    against = (f"checkpoint at position {checkpoint.position}{_taken(checkpoint)}" if checkpoint
               else "the store's own tree (no checkpoint given)")

    def failed(kind: str, message: Said, leaf: bytes = b"",
               path: list[bytes] | None = None) -> Inclusion:
        return Inclusion(position, index, size, leaf, path or [], expected, against, Problem(
            position, kind, Said(N_("position {position}: {problem}"), position=position,
                                 problem=message)))

    if not rows:
        return failed("deleted", Said(N_("no event is stored there")))
    leaf = leaf_of(rows[0])
    if index >= len(positions) or positions[index] != position:
        return failed("inserted", Said(N_("the chain does not cover that event")), leaf)
    if index >= size:
        return failed("later", Said(N_("the event came after the checkpoint ({size} events)"),
                                    size=size), leaf)
    if len(leaves) < size:
        return failed("cut_short", Said(N_("the store holds {count} events up to position {upto}, "
                                           "the checkpoint {size}"),
                                        count=len(leaves), upto=upto, size=size), leaf)
    if leaf != links[index].leaf:
        return failed("changed", Said(N_("the stored event is not the one recorded there")), leaf)
    path = merkle.inclusion_path(index, leaves)
    if not merkle.verify_inclusion(index, size, leaf, path, expected):
        return failed("rewritten", Said(N_("the store cannot prove the event is in the "
                                           "checkpoint's tree: its history was changed since")),
                      leaf, path)
    return Inclusion(position, index, size, leaf, path, expected, against, None)


def stored_form(recorder: RowSource, position: int) -> dict[str, Any] | None:
    """The event at ``position`` as the store holds it, with its chain row and whether they agree."""
    rows = recorder.stored_rows(position - 1, position, 1)
    if not rows:
        return None
    row = rows[0]
    links = recorder.links(position - 1, position, 1)
    leaf = leaf_of(row)
    state = row.state if isinstance(row.state, (bytes, bytearray, memoryview)) else b""
    return {
        "aggregate_id": str(row.aggregate_id), "version": row.version, "topic": row.topic,
        "bytes": len(state), "leaf": leaf.hex(),
        "chain": links[0].chain.hex() if links else None,
        "leaf_holds": bool(links) and links[0].leaf == leaf,
    }


def check_sealed_snapshots(source: RowSource, result: Verification, aggregate_ids: Iterable[Any]
                           ) -> tuple[int, list[Any], dict[Any, Problem]]:
    """Checks the latest snapshot of each aggregate against its seal in the chain, which
    ``verify`` has just checked: the stored snapshot must hash to the seal recorded at its
    event's position (``store.chain``). Only the stored bytes are read: no library, domain or
    key. Returns how many held; the aggregates whose latest snapshot has no seal (written
    before snapshots were sealed), for ``check_snapshots`` to replay; and a problem for each
    whose snapshot is not the one sealed (a replay can say what differs in it)."""
    held, unsealed, changed = 0, [], {}
    for snapshot in source.latest_snapshots(aggregate_ids):
        sealed = result.seals.get((snapshot.aggregate_id, snapshot.version))
        if sealed is None:
            unsealed.append(snapshot.aggregate_id)
        elif seal_of(snapshot.aggregate_id, snapshot.version, snapshot.topic,
                     snapshot.state) == sealed[1]:
            held += 1
        else:
            changed[snapshot.aggregate_id] = Problem(None, "snapshot", Said(
                N_("the snapshot of aggregate {aggregate} at version {version} is not the one "
                   "sealed into the hash chain at position {position}: it was changed in the "
                   "store; delete it (akkoord then replays the events)"),
                aggregate=snapshot.aggregate_id, version=snapshot.version, position=sealed[0]))
    return held, unsealed, changed


def _as_stored(app: Any, state: dict[str, Any]) -> dict[str, Any]:
    """The state as a snapshot of it reads back from the store, to compare like with like: the
    aggregate holds tuples where a decoded snapshot holds lists (JSON has one kind of array)."""
    transcoder = app.snapshots.mapper.transcoder
    return transcoder.decode(transcoder.encode(state))


def check_snapshots(app: Any, aggregate_ids: Sequence[Any]) -> tuple[int, dict[Any, Problem]]:
    """Recomputes the latest snapshot of each aggregate from its events and compares.

    The library loads an aggregate from its latest snapshot and the events after it, so a
    snapshot edited in the store (a party added to the stakeholders) would let the domain
    decide on a state no event ever made. A snapshot written before snapshots were sealed into
    the chain (``check_sealed_snapshots``) can be shown by a replay of the events it summarises
    only. Returns how many snapshots were checked, and a problem for each that differs.
    """
    checked, problems = 0, {}
    for aggregate_id in aggregate_ids:
        stored = next(iter(app.snapshots.get(aggregate_id, desc=True, limit=1)), None)
        if stored is None:
            continue
        replayed = None
        for event in app.events.get(aggregate_id, lte=stored.originator_version):
            replayed = event.mutate(replayed)
        checked += 1
        recomputed = (None if replayed is None
                      else _as_stored(app, type(stored).take(replayed).state))
        if recomputed != stored.state:
            differing = sorted(set(recomputed or {}) ^ set(stored.state) | {
                key for key in stored.state if (recomputed or {}).get(key) != stored.state[key]})
            problems[aggregate_id] = Problem(None, "snapshot", Said(
                N_("the snapshot of aggregate {aggregate} at version {version} is not what its "
                   "events make ({fields} differ): it was changed in the store; delete it (akkoord "
                   "then replays the events)"), aggregate=aggregate_id,
                version=stored.originator_version,
                fields=", ".join(differing) or Said(N_("its state"))))
    return checked, problems
