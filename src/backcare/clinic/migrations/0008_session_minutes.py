"""How long a session lasted (issue 15): the session form starts at the plan's
session_minutes. Not part of the course contract; the clinical rules never read it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0007_client_search_trigram"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="minutes",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
    ]
