"""A partial index of the sessions still to sign, oldest first (issue 13, point 3): the
dashboard's notes to sign and their cache key read these only, not every session of the clinic
(at 200,000 sessions a sequential scan took 60 ms, the index 1.4 ms; benchmarks/README.md)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0011_client_dashboard_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="session",
            index=models.Index(
                condition=models.Q(("signed_at__isnull", True), ("voided_at__isnull", True)),
                fields=["date", "created_at", "id"],
                name="clinic_session_unsigned_idx",
            ),
        ),
    ]
