"""Events as CloudEvents 1.0 (JSON format), one object per line, for tools outside akkoord.

Each object has the envelope's required attributes (``specversion``, ``id``, ``source``,
``type``) and ``time`` (when the event was recorded, RFC 3339), ``datacontenttype`` and
``data`` (the event's fields as in the log format), plus akkoord's own keys: ``position``,
``recorded_at``, ``recorded_by``, ``date`` (the effective date) and ``negotiation``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from akkoord.domain.negotiation import Negotiation
from akkoord.interchange.logformat import record_of

SPECVERSION = "1.0"


def cloud_event(position: int, event: Negotiation.Event, negotiation: str) -> dict[str, Any]:
    recorded_at = event.timestamp.isoformat()
    return {
        "specversion": SPECVERSION,
        # The aggregate id and version name the event in any store it is imported into.
        "id": f"{event.originator_id}/{event.originator_version}",
        "source": f"/akkoord/negotiations/{negotiation}",
        "type": f"akkoord.{event.TYPE}",
        "time": recorded_at,
        "datacontenttype": "application/json",
        "data": record_of(event),
        "position": position,
        "recorded_at": recorded_at,
        "recorded_by": event.recorded_by,
        "date": event.date.isoformat(),
        "negotiation": negotiation,
    }


def write_jsonl(stream: Any, negotiation: str, events: Iterable[tuple[int, Negotiation.Event]]) -> int:
    count = 0
    for position, event in events:
        stream.write(json.dumps(cloud_event(position, event, negotiation), ensure_ascii=False))
        stream.write("\n")
        count += 1
    return count
