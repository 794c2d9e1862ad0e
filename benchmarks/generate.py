"""Writes large, valid negotiation logs (format akkoord/1) for the benchmarks.

One dossier of N events: many parties registered over time, positions that change, commitments
made, rescheduled, fulfilled and withdrawn, claims lodged and settled, revisions of the proposal
with agreements, meetings, alignments, roles, budget changes and a few retractions. The generator
keeps the dossier's state as the domain does, so every event passes the domain's rules; the file is
written as it is generated, so a million events never sit in memory.

    python benchmarks/generate.py 100000 big.json
    python benchmarks/generate.py --continuation more1 100 more.json
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from akkoord.domain.negotiation import EVENT_TYPES, Negotiation
from akkoord.domain.schema import fields_of
from akkoord.interchange.logformat import entry_from_record

NEGOTIATION = "benchmark-dossier"
FIRST_DAY = date(2020, 1, 1)
SPAN_DAYS = 3650
# Parties registered at the opening and never retracted: continuation files speak through them.
CORE_PARTIES = 50
KINDS = ("council", "association", "ministry", "government", "region", "municipality",
         "collective", "advisory", "other")
STANCES = ("support", "conditional", "oppose", "demand", "neutral")
ROLES = ("primary", "regie", "support", "advisory", "funding", "other")
OUTCOMES = ("granted", "partially_granted", "rejected", "withdrawn")
TOPICS = tuple(f"topic:{t}" for t in (
    "navo-norm", "bduR-korting", "bevolkingszorg", "noodsteunpunten-pilot", "ptss",
    "natuurbrandbestrijding", "hoe-brief", "crisiscommunicatie", "cbrn", "drinkwater"))
SOURCE = {"document": "Verslag bestuurlijk overleg", "classification": "vertrouwelijk"}

# (event kind, weight): the mix of a long negotiation.
MIX = (
    ("position", 34), ("commitment", 12), ("fulfil", 6), ("reschedule", 3), ("withdraw", 2),
    ("claim", 5), ("settle", 4), ("meeting", 5), ("held", 4), ("alignment", 5), ("role", 5),
    ("party", 3), ("revision", 1), ("agreement", 1), ("budget", 0.4), ("retract", 0.3),
)


class Dossier:
    """What the generator must remember to write only events the domain accepts."""

    def __init__(self, events: int, seed: int, prefix: str = "", first_day: date = FIRST_DAY):
        self.random = random.Random(seed)
        self.first_day = first_day
        self.total = events
        self.prefix = prefix
        self.count = 0
        self.parties: list[str] = []
        self.revision = 0
        self.items: list[str] = []
        self.open_commitments: list[str] = []
        self.open_claims: list[str] = []
        self.scheduled: list[str] = []
        self.retractable: list[str] = []
        # what the events name (party:P1, item:x, …) -> the date it came about
        self.since: dict[str, str] = {}
        self.serial = 0
        kinds, weights = zip(*MIX)
        self.kinds, self.weights = list(kinds), list(weights)

    def next_id(self, kind: str) -> str:
        self.serial += 1
        return f"{self.prefix}{kind}-{self.serial}"

    def day(self) -> str:
        """Dates advance with the count; now and then an event is transcribed late."""
        offset = self.count * SPAN_DAYS // max(self.total, 1)
        if self.random.random() < 0.02:
            offset = max(0, offset - self.random.randint(1, 30))
        return (self.first_day + timedelta(days=offset)).isoformat()

    def party(self) -> str:
        return self.random.choice(self.parties)

    def amount(self) -> Any:
        millions = self.random.randint(1, 400) / 10
        return f"{millions}M" if self.random.random() < 0.7 else int(millions * 1_000_000)

    def period(self) -> dict[str, int]:
        first = self.random.randint(2024, 2032)
        roll = self.random.random()
        if roll < 0.5:
            return {"year": first}
        if roll < 0.8:
            return {"from": first}
        return {"from": first, "until": first + self.random.randint(0, 5)}

    # -- events ---------------------------------------------------------------------------------

    def opening(self) -> Iterator[dict[str, Any]]:
        yield {"type": "negotiation_opened", "date": FIRST_DAY.isoformat(), "title": "Benchmark dossier",
               "budget": [{"party": "RIJK", "purpose": "weerbaarheid", "from": 2027, "amount": "70M"},
                          {"party": "JENV", "year": 2025, "amount": "10M"}]}
        for number in range(CORE_PARTIES):
            yield self.dated(self.register(f"P{number:03d}"))

    def register(self, party_id: str) -> dict[str, Any]:
        event = {"type": "stakeholder_registered", "date": self.day(), "id": party_id,
                 "name": f"Partij {party_id}", "kind": self.random.choice(KINDS)}
        if self.parties and self.random.random() < 0.2:
            event["member_of"] = self.random.choice(self.parties[:CORE_PARTIES])
        if self.random.random() < 0.3:
            event["description"] = f"Deelnemer {party_id} aan het overleg over de verdeling."
        self.parties.append(party_id)
        return event

    def dated(self, event: dict[str, Any]) -> dict[str, Any]:
        """Dates the event: a late transcription, but never before what it names (the dossier
        refuses that), and its own deadline or meeting never before it."""
        on = max([self.day(), *(self.since.get(name, "") for name in _names(event))])
        event["date"] = on
        for later in ("due", "scheduled_for"):
            if later in event and event[later] < on:
                event[later] = on
        for name in _established(event):
            self.since[name] = max(self.since.get(name, ""), on)
        return event

    def event(self) -> dict[str, Any]:
        while True:
            kind = self.random.choices(self.kinds, self.weights)[0]
            event = getattr(self, f"_{kind}")()
            if event is not None:
                self.dated(event)
                if self.random.random() < 0.1:
                    event["note"] = "Nagezonden na het overleg."
                if self.random.random() < 0.05:
                    event["source"] = {"document": f"Brief {self.count}", "page": "2"}
                return event

    def _position(self) -> dict[str, Any]:
        roll = self.random.random()
        if roll < 0.3 and self.revision:
            subject = "proposal"
        elif roll < 0.5 and self.items:
            subject = f"item:{self.random.choice(self.items)}"
        elif roll < 0.6 and self.open_claims:
            subject = f"claim:{self.random.choice(self.open_claims)}"
        else:
            subject = self.random.choice(TOPICS)
        event = {"type": "position_taken", "stakeholder": self.party(), "subject": subject,
                 "stance": self.random.choice(STANCES),
                 "summary": "Standpunt in het overleg, met kanttekeningen bij de verdeling."}
        if self.random.random() < 0.3:
            event["points"] = ["Eerste stap, niet genoeg.", "Geen voorwaarden aan de korting."]
        if self.random.random() < 0.02:
            event["ref"] = self.next_id("ref")
            self.retractable.append(event["ref"])
        return event

    def _commitment(self) -> dict[str, Any]:
        commitment = self.next_id("toezegging")
        self.open_commitments.append(commitment)
        event = {"type": "commitment_made", "id": commitment, "by": self.party(),
                 "to": [self.party()] if self.random.random() < 0.5 else self.party(),
                 "what": "Een voorstel voor de functies van noodsteunpunten en een pilotfase."}
        if self.random.random() < 0.8:
            event["due"] = (date.fromisoformat(self.day()) + timedelta(days=60)).isoformat()
        return event

    def _close_commitment(self) -> str | None:
        if not self.open_commitments:
            return None
        index = self.random.randrange(len(self.open_commitments))
        self.open_commitments[index], self.open_commitments[-1] = (
            self.open_commitments[-1], self.open_commitments[index])
        return self.open_commitments.pop()

    def _fulfil(self) -> dict[str, Any] | None:
        commitment = self._close_commitment()
        if commitment is None:
            return None
        return {"type": "commitment_fulfilled", "id": commitment, "evidence": "Brief aan de Kamer"}

    def _withdraw(self) -> dict[str, Any] | None:
        commitment = self._close_commitment()
        if commitment is None:
            return None
        return {"type": "commitment_withdrawn", "id": commitment, "reason": "Ingehaald door de tijd"}

    def _reschedule(self) -> dict[str, Any] | None:
        if not self.open_commitments:
            return None
        due = (date.fromisoformat(self.day()) + timedelta(days=90)).isoformat()
        return {"type": "commitment_rescheduled", "id": self.random.choice(self.open_commitments),
                "due": due, "reason": "Meer tijd nodig voor afstemming"}

    def _claim(self) -> dict[str, Any]:
        claim = self.next_id("claim")
        self.open_claims.append(claim)
        event = {"type": "claim_lodged", "id": claim, "by": self.party(), "against": self.party(),
                 "subject": "Compensatie van de korting", "summary": "Volledige terugdraaiing."}
        if self.random.random() < 0.7:
            event["amount"] = self.amount()
        return event

    def _settle(self) -> dict[str, Any] | None:
        if not self.open_claims:
            return None
        claim = self.open_claims.pop(self.random.randrange(len(self.open_claims)))
        return {"type": "claim_settled", "id": claim, "outcome": self.random.choice(OUTCOMES)}

    def _meeting(self) -> dict[str, Any]:
        meeting = self.next_id("overleg")
        self.scheduled.append(meeting)
        participants = self.random.sample(self.parties, min(3, len(self.parties)))
        return {"type": "meeting_scheduled", "id": meeting, "title": "Bestuurlijke tafel",
                "scheduled_for": (date.fromisoformat(self.day()) + timedelta(days=14)).isoformat(),
                "participants": participants, "agenda": ["Verdeling", "Rondvraag"]}

    def _held(self) -> dict[str, Any] | None:
        if not self.scheduled:
            return None
        return {"type": "meeting_held", "id": self.scheduled.pop(0)}

    def _alignment(self) -> dict[str, Any] | None:
        parties = self.random.sample(self.parties, 2)
        event = {"type": "alignment_declared", "parties": parties,
                 "summary": "Samen optrekken richting het Rijk, ieder vanuit de eigen rol."}
        if self.random.random() < 0.5:
            event["toward"] = self.party()
        return event

    def _role(self) -> dict[str, Any]:
        return {"type": "role_assigned", "task": self.random.choice(("bevolkingszorg", "opvang",
                                                                     "communicatie")),
                "stakeholder": self.party(), "role": self.random.choice(ROLES)}

    def _party(self) -> dict[str, Any]:
        return self.register(self.next_id("partij"))

    def _revision(self) -> dict[str, Any]:
        self.revision += 1
        count = self.random.randint(3, 8)
        self.items = [f"post-{self.random.randint(1, 40)}" for _ in range(count)]
        self.items = list(dict.fromkeys(self.items))
        items = [{"id": item, "purpose": f"Versterking {item}", "recipient": self.party(),
                  "amounts": [{"amount": self.amount(), **self.period()}
                              for _ in range(self.random.randint(1, 3))]}
                 for item in self.items]
        if self.random.random() < 0.3:
            items[0]["conditions"] = ["Verantwoording via de BDuR"]
            items[0]["distribution"] = "BDuR-systematiek"
        return {"type": "proposal_revised", "revision": self.revision,
                "status": self.random.choice(("draft", "concept", "definitive")),
                "proposed_by": self.random.sample(self.parties, 2), "items": items,
                "rationale": "Aangepast na de bespreking."}

    def _agreement(self) -> dict[str, Any] | None:
        if not self.revision:
            return None
        return {"type": "agreement_reached", "revision": self.revision,
                "parties": self.random.sample(self.parties, 3)}

    def _budget(self) -> dict[str, Any]:
        return {"type": "budget_changed",
                "budget": [{"party": "RIJK", "amount": self.amount(), **self.period()}
                           for _ in range(self.random.randint(1, 4))]}

    def _retract(self) -> dict[str, Any] | None:
        if not self.retractable:
            return None
        return {"type": "event_retracted", "retracts": self.retractable.pop(),
                "reason": "Verkeerd genoteerd"}


def _names(event: dict[str, Any]) -> list[str]:
    """What an event refers to (``kind:key``, the kinds its class declares its fields to refer
    to), as keys of Dossier.since."""
    event_class = EVENT_TYPES[event["type"]]
    names = []
    for spec in fields_of(event_class):
        value = event.get(spec.name)
        if spec.refers is not None and value is not None:
            names += [f"{spec.refers}:{v}" for v in (value if isinstance(value, list) else [value])]
    names += [f"stakeholder:{item['recipient']}" for item in event.get("items", [])]
    if event.get("retracts") is not None:
        names.append(f"ref:{event['retracts']}")
    subject = event.get("subject", "")
    if event["type"] == "position_taken":
        kind, _, key = subject.partition(":")
        if kind in ("item", "claim"):
            names.append(subject)
        elif kind == "proposal":
            names.append(f"revision:{int(key[1:])}" if key else "proposal")
    return names


def _established(event: dict[str, Any]) -> list[str]:
    """What an event brings about (``kind:key``, as its class declares), as keys of Dossier.since."""
    names = []
    if EVENT_TYPES[event["type"]].establishes is not Negotiation.Event.establishes:
        entry = entry_from_record(event)
        decided = object.__new__(EVENT_TYPES[entry.type])
        decided.__dict__.update(entry.fields)
        names += [f"{kind}:{key}" for kind, key, _detail in decided.establishes()]
        if event["type"] == "proposal_revised":
            names.append("proposal")  # the latest revision, as a subject
    if event.get("ref") is not None:
        names.append(f"ref:{event['ref']}")
    return names


def write_log(stream: TextIO, events: Iterator[dict[str, Any]]) -> None:
    """Writes the file as it goes: a header, one event per line, a footer."""
    header = {"format": "akkoord/1", "negotiation": NEGOTIATION, "source": SOURCE}
    stream.write(json.dumps(header, ensure_ascii=False)[:-1] + ',\n"events": [\n')
    for index, event in enumerate(events):
        stream.write(("" if index == 0 else ",\n") + json.dumps(event, ensure_ascii=False))
    stream.write("\n]}\n")


def dossier_events(count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """A new dossier of ``count`` events (at least the opening and the core parties)."""
    dossier = Dossier(count, seed)
    for event in dossier.opening():
        dossier.count += 1
        yield event
    while dossier.count < count:
        dossier.count += 1
        yield dossier.event()


def continuation_events(count: int, tag: str, seed: int = 2) -> Iterator[dict[str, Any]]:
    """Events that fit after any dossier this module wrote: only the core parties speak.

    ``tag`` keeps the ids of one continuation apart from another's.
    """
    # Dated after every dossier this module writes: the dossier refuses an event dated before
    # the registration of a party it names.
    dossier = Dossier(count, seed, prefix=f"{tag}-", first_day=FIRST_DAY + timedelta(days=SPAN_DAYS + 1))
    dossier.parties = [f"P{number:03d}" for number in range(CORE_PARTIES)]
    dossier.kinds = ["position", "commitment", "fulfil", "claim", "settle", "alignment", "role"]
    dossier.weights = [40, 15, 10, 8, 6, 10, 10]
    for _ in range(count):
        dossier.count += 1
        yield dossier.event()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", type=int, help="how many events")
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--continuation", metavar="TAG",
                        help="write events that follow any generated dossier (ids tagged TAG)")
    args = parser.parse_args()
    events = (continuation_events(args.events, args.continuation, args.seed)
              if args.continuation else dossier_events(args.events, args.seed))
    with args.output.open("w", encoding="utf-8") as stream:
        write_log(stream, events)


if __name__ == "__main__":
    main()
