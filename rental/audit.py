"""The append-only audit log: who did what, when, with the values before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rental.tables import AuditLog


async def record(
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    now: datetime,
    actor_id: int | None = None,
    centre_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Call inside the service's transaction, so the entry lands with the change or not at all."""
    await AuditLog.insert(
        AuditLog(
            at=now,
            actor=actor_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            centre=centre_id,
            before=before,
            after=after,
        )
    )
