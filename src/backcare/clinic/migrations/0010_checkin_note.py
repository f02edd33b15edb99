"""What else a client tells the therapist at a check-in on the link (issue 11): a text column,
empty for the check-ins before it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0009_client_next_session_due"),
    ]

    operations = [
        migrations.AddField(
            model_name="checkin",
            name="note",
            field=models.TextField(blank=True, default=""),
        ),
    ]
