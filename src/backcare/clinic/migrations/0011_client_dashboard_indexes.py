"""Two indexes for the dashboard at 10,000 clients (issue 13, point 3): (clinic, last_contact)
lets "check-in overdue" read the oldest contacts first and stop at 100 (8 ms to 0.1 ms), and
(clinic, record_version) lets the lists' cache key count and sum the clinic's record versions
from the index alone (4 ms to 0.9 ms; EXPLAIN ANALYZE in benchmarks/README.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_clinic_time_zone"),
        ("clinic", "0010_checkin_note"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="client",
            index=models.Index(fields=["clinic", "last_contact"], name="clinic_client_contact_idx"),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                fields=["clinic", "record_version"], name="clinic_client_version_idx"
            ),
        ),
    ]
