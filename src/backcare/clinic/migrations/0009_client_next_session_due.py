"""Each client's summary keeps the next session's due date (Client.next_session_due), so the
dashboard's "sessions due" is one range query on an index on (clinic, due date) instead of
three subqueries and a computation per client of the clinic (issue 13, point 3).

Every client's summary is marked stale, as 0006 did: `recompute_states` (run by `backcare
serve` after migrating) writes the date through `summary.refresh`, the one place it is
computed (worklist.next_session_due). Computing it here from the historical models would write
the rule's inputs a second time; until the command has run, a stale client is missing from the
due list (run `backcare manage recompute_states` right after `migrate` when not using serve)."""

from typing import Any

from django.db import migrations, models


def mark_stale(apps: Any, schema_editor: Any) -> None:
    Client = apps.get_model("clinic", "Client")
    Client.objects.using(schema_editor.connection.alias).update(state_rules_version="")


class Migration(migrations.Migration):
    dependencies = [("clinic", "0008_session_minutes")]

    operations = [
        migrations.AddField(
            model_name="client",
            name="next_session_due",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(fields=["clinic", "next_session_due"], name="clinic_client_due_idx"),
        ),
        migrations.RunPython(mark_stale, migrations.RunPython.noop),
    ]
