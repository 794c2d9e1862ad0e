"""A dossier with the 25 safety regions among 40 parties, for looking at the graph and testing
the exports on more than the example: three revisions (the second agreed and then superseded, the
third agreed by JENV, VB and VNG), stances that change, claims of regions against the ministry,
commitments kept, withdrawn and open (one a party makes to itself), roles and declared alignments.

    python benchmarks/graph_dossier.py regions.json && akkoord --db r.db import regions.json
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

NEGOTIATION = "regio-verdeling-2026"
REGIONS = ("Groningen", "Fryslân", "Drenthe", "IJsselland", "Twente", "Noord- en Oost-Gelderland",
           "Gelderland-Midden", "Gelderland-Zuid", "Utrecht", "Noord-Holland-Noord",
           "Zaanstreek-Waterland", "Kennemerland", "Amsterdam-Amstelland", "Gooi en Vechtstreek",
           "Haaglanden", "Hollands Midden", "Rotterdam-Rijnmond", "Zuid-Holland-Zuid",
           "Zeeland", "Midden- en West-Brabant", "Brabant-Noord", "Brabant-Zuidoost",
           "Limburg-Noord", "Zuid-Limburg", "Flevoland")
OTHERS = (("VB", "Veiligheidsberaad", "council"), ("VNG", "Vereniging van Nederlandse Gemeenten",
                                                     "association"),
          ("JENV", "Ministerie van Justitie en Veiligheid", "ministry"),
          ("BZK", "Ministerie van Binnenlandse Zaken en Koninkrijksrelaties", "ministry"),
          ("DEF", "Ministerie van Defensie", "ministry"), ("RIJK", "Het Rijk", "government"),
          ("IFV", "Instituut Fysieke Veiligheid", "advisory"),
          ("NIPV", "Nederlands Instituut Publieke Veiligheid", "advisory"),
          ("BRW", "Brandweer Nederland", "collective"), ("GHOR", "GHOR Nederland", "collective"),
          ("G4", "De vier grote gemeenten", "municipality"),
          ("AMS", "Gemeente Amsterdam", "municipality"), ("RTD", "Gemeente Rotterdam",
                                                          "municipality"),
          ("IPO", "Interprovinciaal Overleg", "association"), ("BAC", "Bestuurlijke adviescommissie",
                                                               "advisory"))
TOPICS = ("navo-norm", "bdur-korting", "bevolkingszorg", "crisiscommunicatie",
          "versterking-veiligheidsregios-en-brandweerzorg")
STANCES = ("support", "conditional", "oppose", "demand", "neutral")
LATE_PARTY = ("BAC", "2026-03-01")  # joins later than the others


def region_id(number: int) -> str:
    return f"VR{number:02d}"


def events(seed: int = 25) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    regions = [region_id(n) for n in range(1, len(REGIONS) + 1)]
    log: list[dict[str, Any]] = [
        {"type": "negotiation_opened", "date": "2026-01-12", "title": "Verdeling weerbaarheidsgeld",
         "budget": [{"party": "RIJK", "from": 2027, "amount": "70M"},
                    {"party": "JENV", "year": 2026, "amount": "12M"}]}]
    for (party, name, kind) in OTHERS:
        log.append({"type": "stakeholder_registered", "date": LATE_PARTY[1] if party == LATE_PARTY[0]
                    else "2026-01-12", "id": party, "name": name, "kind": kind})
    for party, name in zip(regions, REGIONS):
        log.append({"type": "stakeholder_registered", "date": "2026-01-12", "id": party,
                    "name": f"Veiligheidsregio {name}", "kind": "region", "member_of": "VB"})

    def revision(number: int, on: str, amounts: tuple[str, str]) -> dict[str, Any]:
        return {"type": "proposal_revised", "date": on, "revision": number, "status": "concept",
                "proposed_by": ["JENV"], "items": [
                    {"id": "noodsteunpunten", "purpose": "Noodsteunpunten in elke gemeente",
                     "recipient": "VB", "amounts": [{"from": 2027, "amount": amounts[0]}]},
                    {"id": "versterking", "purpose": "Versterking van de veiligheidsregio's",
                     "recipient": "VB", "distribution": "BDuR-systematiek",
                     "amounts": [{"from": 2027, "amount": amounts[1]}]}]}

    def stances(on: str, share: float, subjects: tuple[str, ...]) -> None:
        for party in regions + ["VB", "VNG", "JENV", "BZK", "G4", "IPO"]:
            for subject in subjects:
                if rng.random() < share:
                    log.append({"type": "position_taken", "date": on, "stakeholder": party,
                                "subject": subject, "stance": rng.choice(STANCES),
                                "summary": f"{party} over {subject.partition(':')[2]}"})

    log.append(revision(1, "2026-02-02", ("30M", "40M")))
    stances("2026-02-10", 0.5, tuple(f"topic:{t}" for t in TOPICS) + ("proposal",))
    log.append(revision(2, "2026-03-02", ("25M", "45M")))
    log.append({"type": "agreement_reached", "date": "2026-03-09", "revision": 2,
                "parties": ["JENV", "VB"], "summary": "Akkoord op hoofdlijnen"})
    stances("2026-03-16", 0.3, ("proposal", "topic:bdur-korting", "item:versterking"))
    log.append(revision(3, "2026-04-06", ("25M", "45M")))
    log.append({"type": "agreement_reached", "date": "2026-04-13", "revision": 3,
                "parties": ["JENV", "VB", "VNG"], "summary": "Definitief akkoord"})
    for number, region in enumerate(rng.sample(regions, 5), 1):
        log.append({"type": "claim_lodged", "date": "2026-02-20", "id": f"korting-{number}",
                    "by": region, "against": "JENV", "subject": "BDuR-korting terug",
                    "summary": "De korting op de BDuR ongedaan maken", "amount": "2.5M"})
    log.append({"type": "claim_settled", "date": "2026-04-13", "id": "korting-1",
                "outcome": "granted", "summary": "Met het akkoord"})
    commitments = [("brief", "JENV", ["VB", "VNG"], "2026-03-01"),
                   ("cijfers", "VB", ["JENV"], "2026-03-15"),
                   ("pilot", "VR14", ["VR14"], "2026-06-01"),  # a region commits itself
                   ("plan", "VNG", ["VB"], "2026-05-01"),
                   ("evaluatie", "IFV", ["JENV", "VB"], "2026-09-01")]
    for cid, by, to, due in commitments:
        log.append({"type": "commitment_made", "date": "2026-02-12", "id": cid, "by": by,
                    "to": to, "what": f"{cid} opleveren", "due": due})
    log.append({"type": "commitment_fulfilled", "date": "2026-02-28", "id": "brief",
                "evidence": "Brief verzonden"})
    log.append({"type": "commitment_withdrawn", "date": "2026-03-20", "id": "plan",
                "reason": "Opgegaan in het akkoord"})
    for region in regions[:6]:
        log.append({"type": "role_assigned", "date": "2026-02-15", "task": "bevolkingszorg",
                    "stakeholder": region, "role": rng.choice(("primary", "support"))})
    log.append({"type": "role_assigned", "date": "2026-02-15", "task": "bevolkingszorg",
                "stakeholder": "VNG", "role": "regie"})
    log.append({"type": "alignment_declared", "date": "2026-02-25", "parties": ["VB", "VNG"],
                "toward": "JENV", "summary": "Samen op tegen de korting"})
    log.sort(key=lambda event: event["date"])  # in date order, as a dossier is recorded
    # A stance transcribed late: recorded last, dated the day its party joined (a stance dated
    # before its party's registration is refused by the dossier, so an edge cannot start before
    # its party; the export must still keep it within the party's life).
    log.append({"type": "position_taken", "date": LATE_PARTY[1],
                            "stakeholder": LATE_PARTY[0], "subject": "topic:navo-norm",
                            "stance": "support", "summary": "Uit het verslag van 20 februari",
                            "note": "Later genoteerd"})
    return log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    document = {"format": "akkoord/1", "negotiation": NEGOTIATION, "events": events()}
    args.output.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
