"""Leave a public trace event after a business step done through the dashboard, so anyone can verify it.

Best effort: the step itself already succeeded at the API, so a refused or failed event is logged, not shown.
"""

from __future__ import annotations

import logging

from triboka_web.api_client import ApiClient, ApiError, ApiUnavailableError

log = logging.getLogger(__name__)


async def record_step(
    api: ApiClient, entity_type: str, entity_id: int | str, event_type: str, title: str, description: str = ""
) -> None:
    event = {
        "event_type": event_type,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "title": title,
        "description": description,
        "is_public": True,
    }
    try:
        await api.post("/api/trace/event", event)
    except (ApiError, ApiUnavailableError) as exc:
        log.warning("trace event %s for %s %s not recorded: %s", event_type, entity_type, entity_id, exc)
