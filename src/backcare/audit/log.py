"""Writing audit rows: called by the action functions inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from backcare.audit.models import AuditEvent, AuditText

# Detail an audit row about a client keeps in the row itself: codes, numbers, yes/no, never
# words about the client. Any other detail (a reason, a note; a key added later) goes into
# the row's AuditText, which erasing the client deletes: safe by default.
CODED_DETAIL = frozenset(
    {
        "assessment_changed",
        "escalations",
        "fields",
        "findings_carried_over",
        "next_step",
        "number",
        "outcome",
        "override",
        "override_kind",
        "purpose",
        "rule",
        "rules",
        "rules_version",
        "safety_override",
        "texts_erased",
    }
)


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
    limit = AuditEvent._meta.get_field("actor_label").max_length
    named = ""  # the label with the client's name, kept apart (erasable)
    if client is not None and user is None and client.full_name and client.full_name in label:
        named = _fitted(label, limit)
        label = label.replace(client.full_name, f"Client {client.pk}")
    label = _fitted(label, limit)
    words = {} if client is None else {k: v for k, v in detail.items() if k not in CODED_DETAIL}
    # The id, not the row: no query for the clinic.
    clinic_id = clinic.pk if clinic is not None else getattr(client, "clinic_id", None)
    row = {
        "actor": user,
        "actor_label": label,
        "action": action,
        "clinic_id": clinic_id,
        "client": client,
        "object_type": type(obj).__name__ if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "detail": {k: v for k, v in detail.items() if k not in words},
    }
    if not (named or words):
        return AuditEvent.objects.create(**row)
    with transaction.atomic():  # a read's row and its text: both or neither
        event = AuditEvent.objects.create(**row)
        AuditText.objects.create(event=event, client=client, actor_label=named, detail=words)
    return event


def forget_client(client: Any) -> int:
    """Erasure: delete every word the audit log holds about `client` (their name in actors'
    labels, free text), keeping every row: who did what and when, to client number N. Inside
    the erasure's transaction, after the client is marked erased (on PostgreSQL a trigger
    refuses this for a client that is not). How many texts were deleted."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit texts are forgotten inside the erasure's transaction")
    deleted, _ = AuditText.objects.filter(client=client).delete()
    return deleted


def _fitted(label: str, limit: int) -> str:
    """A label within its column: a long name is shortened (with "…"), and what it says in
    brackets about the actor ("Ann (client, one-time link)") is kept. PostgreSQL refuses a
    longer value; SQLite would keep it whole: both keep this."""
    if len(label) <= limit:
        return label
    name, bracket, role = label.rpartition(" (")
    tail = bracket + role if name and len(bracket + role) < limit // 2 else ""
    return (name if tail else label)[: limit - len(tail) - 1] + "…" + tail
