"""Writing audit rows: called by the action functions inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from backcare.audit.models import AuditEvent


def record(
    *,
    actor: Any,
    action: str,
    clinic: Any = None,
    client: Any = None,
    obj: Any = None,
    actor_label: str | None = None,
    reading: bool = False,
    **detail: Any,
) -> AuditEvent:
    """Append one audit row. A change's row must be written inside the change's transaction (it
    checks); a read (`reading=True`) has no transaction of its own and is a single INSERT."""
    if not reading and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit rows are written inside the transaction of the change")
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = actor_label or (
        getattr(getattr(user, "therapist", None), "display_name", None)
        or getattr(user, "username", None)
        or "anonymous"
    )
    label = _fitted(label, AuditEvent._meta.get_field("actor_label").max_length)
    # The id, not the row: no query for the clinic.
    clinic_id = clinic.pk if clinic is not None else getattr(client, "clinic_id", None)
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label,
        action=action,
        clinic_id=clinic_id,
        client=client,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail,
    )


def _fitted(label: str, limit: int) -> str:
    """A label within its column: a long name is shortened (with "…"), and what it says in
    brackets about the actor ("Ann (client, one-time link)") is kept. PostgreSQL refuses a
    longer value; SQLite would keep it whole: both keep this."""
    if len(label) <= limit:
        return label
    name, bracket, role = label.rpartition(" (")
    tail = bracket + role if name and len(bracket + role) < limit // 2 else ""
    return (name if tail else label)[: limit - len(tail) - 1] + "…" + tail
