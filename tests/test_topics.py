"""Stored events name their class by topic; the topics are pinned so that moving code never
orphans what is stored."""

from __future__ import annotations

import sqlite3

from eventsourcing.utils import get_topic, resolve_topic

from conftest import EXAMPLE_STORE
from akkoord.domain.negotiation import EVENT_TYPES, Negotiation

PINNED = {f"akkoord:{event_type}" for event_type in (
    "negotiation_opened", "budget_changed", "stakeholder_registered", "proposal_revised",
    "position_taken", "claim_lodged", "claim_settled", "alignment_declared", "role_assigned",
    "commitment_made", "commitment_fulfilled", "commitment_rescheduled", "commitment_withdrawn",
    "meeting_scheduled", "meeting_held", "agreement_reached", "event_retracted",
    "distribution_key_recorded", "distribution_key_retired")}


def test_every_event_type_has_its_pinned_topic():
    assert {get_topic(cls) for cls in EVENT_TYPES.values()} == PINNED
    assert get_topic(Negotiation) == "akkoord:Negotiation"
    assert get_topic(Negotiation.Snapshot) == "akkoord:Negotiation.Snapshot"


def test_topics_do_not_name_modules():
    for cls in EVENT_TYPES.values():
        assert cls.__module__ not in get_topic(cls)


def test_stored_topics_of_the_example_resolve():
    with sqlite3.connect(f"file:{EXAMPLE_STORE}?mode=ro", uri=True) as connection:
        topics = {row[0] for row in connection.execute("SELECT DISTINCT topic FROM stored_events")}
    assert topics <= PINNED
    for topic in topics:
        assert resolve_topic(topic) in EVENT_TYPES.values()
