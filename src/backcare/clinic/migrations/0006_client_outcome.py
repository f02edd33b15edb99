"""Each client's summary keeps the progress figures outcomes.csv shows (Client.outcome), so the
export reads them instead of running the rules for every client.

Every client's summary is marked stale: `recompute_states` (run by `backcare serve` after
migrating) writes the figures, and until then outcomes.csv computes a stale client's row from
the record, as before."""

from typing import Any

from django.db import migrations, models


def mark_stale(apps: Any, schema_editor: Any) -> None:
    Client = apps.get_model("clinic", "Client")
    Client.objects.using(schema_editor.connection.alias).update(state_rules_version="")


class Migration(migrations.Migration):
    dependencies = [("clinic", "0005_client_erased_at_selfcheckreceipt")]

    operations = [
        migrations.AddField(
            model_name="client",
            name="outcome",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.RunPython(mark_stale, migrations.RunPython.noop),
    ]
