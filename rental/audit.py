"""The append-only audit log: who did what, when, with the values before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rental.tables import AuditLog


def entry(
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    now: datetime,
    actor_id: int | None = None,
    centre_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    """One row, not yet written: `record_many` writes an action's rows in one statement."""
    return AuditLog(at=now, actor=actor_id, action=action, entity=entity, entity_id=entity_id,
                    centre=centre_id, before=before, after=after)


async def record(action: str, entity: str, entity_id: int | None, **fields: Any) -> None:
    """One row (`entry`'s fields), inside the service's transaction, so that it lands with the
    change or not at all."""
    await record_many([entry(action, entity, entity_id, **fields)])


async def record_many(rows: list[AuditLog]) -> None:
    """Rows made by `entry`, in this order, in one statement (inside the service's transaction)."""
    if rows:
        await AuditLog.insert(*rows)
