"""Events as CloudEvents 1.0 (JSON format), one object per line, for tools outside akkoord.

Strict, as cli.md revision 2 says: each object has the envelope's required attributes
(``specversion``, ``id``, ``source``, ``type`` as ``nl.akkoord.<event type>``), ``time`` (when
the event was recorded, RFC 3339), ``datacontenttype`` and ``data`` (the event's fields as in the
log format), and akkoord's extensions, named in lower-case letters and digits only as the spec
requires: ``position``, ``recordedat``, ``recordedby``, ``effectivedate``, ``negotiation`` and
``sourcefile`` (the name of the file the event was imported from, where the store knows it). An extension
without a value is left out: CloudEvents has no null.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from akkoord.domain.records import record_of

if TYPE_CHECKING:
    from akkoord.domain.negotiation import Negotiation

SPECVERSION = "1.0"
TYPE_PREFIX = "nl.akkoord."


def cloud_event(position: int, event: Negotiation.Event, negotiation: str) -> dict[str, Any]:
    recorded_at = event.timestamp.isoformat()
    envelope = {
        "specversion": SPECVERSION,
        # The aggregate id and version name the event in any store it is imported into.
        "id": f"{event.originator_id}/{event.originator_version}",
        "source": f"/akkoord/negotiations/{negotiation}",
        "type": f"{TYPE_PREFIX}{event.TYPE}",
        "time": recorded_at,
        "datacontenttype": "application/json",
        "data": record_of(event),
        "position": position,
        "recordedat": recorded_at,
        "recordedby": event.recorded_by,
        "effectivedate": event.date.isoformat(),
        "negotiation": negotiation,
        # The file it was imported from (left out for events recorded without a file, and for
        # events of stores written before akkoord kept it).
        "sourcefile": event.origin.name if getattr(event, "origin", None) else None,
    }
    return {name: value for name, value in envelope.items() if value is not None}


def write_jsonl(stream: Any, negotiation: str, events: Iterable[tuple[int, Negotiation.Event]]) -> int:
    count = 0
    for position, event in events:
        stream.write(json.dumps(cloud_event(position, event, negotiation), ensure_ascii=False))
        stream.write("\n")
        count += 1
    return count
