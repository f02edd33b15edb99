"""The audit log's words about a client (their name as an actor, free-text reasons) move to
AuditText, which erasing the client deletes; on PostgreSQL a trigger lets them be deleted only
for an erased client, and never changed (docs/decisions/0010-erasure-and-the-audit-log.md)."""

import re
from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from backcare.audit.log import CODED_DETAIL

# Labels written before this migration that name a client: "<name> (client...)" and
# "<name> (public self-check)".
_NAMED = re.compile(r"^(?P<name>.+) \((?P<role>client[^)]*|public self-check)\)$")

TRIGGER = """
CREATE OR REPLACE FUNCTION audit_audittext_erasure_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (
    SELECT 1 FROM clinic_client WHERE id = OLD.client_id AND erased_at IS NOT NULL
  ) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit texts are never changed, and deleted only by erasing their client';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_audittext_erasure_only
  BEFORE UPDATE OR DELETE ON audit_audittext
  FOR EACH ROW EXECUTE FUNCTION audit_audittext_erasure_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_audittext_erasure_only ON audit_audittext;
DROP FUNCTION IF EXISTS audit_audittext_erasure_only();
"""


def move_texts(apps: Any, schema_editor: Any) -> None:
    """Rows written before: their words about the client move to AuditText (dropped for a
    client already erased). The one change ever made to audit rows, by the owner role, with
    the append-only trigger paused inside this migration's transaction."""
    alias = schema_editor.connection.alias
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditText = apps.get_model("audit", "AuditText")
    Client = apps.get_model("clinic", "Client")
    erased = set(
        Client.objects.using(alias).filter(erased_at__isnull=False).values_list("pk", flat=True)
    )
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(
            "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only"
        )
    for event in AuditEvent.objects.using(alias).filter(client__isnull=False).iterator():
        words = {k: v for k, v in event.detail.items() if k not in CODED_DETAIL}
        label, named = event.actor_label, ""
        match = _NAMED.match(label) if event.actor_id is None else None
        if match and match["name"] != f"Client {event.client_id}":
            label, named = f"Client {event.client_id} ({match['role']})", label
        if not (words or named):
            continue
        AuditEvent.objects.using(alias).filter(pk=event.pk).update(
            actor_label=label,
            detail={k: v for k, v in event.detail.items() if k not in words},
        )
        if event.client_id not in erased:
            AuditText.objects.using(alias).create(
                event_id=event.pk, client_id=event.client_id, actor_label=named, detail=words
            )
    if postgres:
        schema_editor.execute(
            "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only"
        )


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_trigger"),
        ("clinic", "0005_client_erased_at_selfcheckreceipt"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditText",
            fields=[
                (
                    "event",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="text",
                        serialize=False,
                        to="audit.auditevent",
                    ),
                ),
                ("actor_label", models.CharField(blank=True, max_length=200)),
                ("detail", models.JSONField(blank=True, default=dict)),
                (
                    "client",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="clinic.client",
                    ),
                ),
            ],
        ),
        migrations.RunPython(move_texts, migrations.RunPython.noop),
        migrations.RunPython(forwards, backwards),
    ]
