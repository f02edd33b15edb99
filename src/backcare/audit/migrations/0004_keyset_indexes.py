"""Indexes for the audit page's keyset walks (newest first per clinic, client, action)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_audittext"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["clinic", "at", "id"], name="audit_clinic_at"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["client", "at", "id"], name="audit_client_at"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["clinic", "action", "at", "id"], name="audit_clinic_action_at"
            ),
        ),
    ]
