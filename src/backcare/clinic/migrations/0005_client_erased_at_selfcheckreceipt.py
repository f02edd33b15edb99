"""Erasure is marked on the client (the audit log's words about them can then be deleted), and
a self-check send leaves a receipt of its one-time number (a replay creates nothing)."""

from typing import Any

from django.db import migrations, models
from django.utils import timezone


def mark_erased(apps: Any, schema_editor: Any) -> None:
    """Clients erased before this migration: named "Erased client <id>" with no intake."""
    Client = apps.get_model("clinic", "Client")
    erased = [
        c.pk
        for c in Client.objects.using(schema_editor.connection.alias)
        .filter(full_name__startswith="Erased client ")
        .filter(intakes__isnull=True)
        .only("pk", "full_name")
        if c.full_name == f"Erased client {c.pk}"
    ]
    Client.objects.using(schema_editor.connection.alias).filter(pk__in=erased).update(
        erased_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [("clinic", "0004_client_record_version")]

    operations = [
        migrations.AddField(
            model_name="client",
            name="erased_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="SelfCheckReceipt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("nonce_hash", models.CharField(max_length=64, unique=True)),
                ("received_at", models.DateTimeField(auto_now_add=True, db_index=True)),
            ],
        ),
        migrations.RunPython(mark_erased, migrations.RunPython.noop),
    ]
