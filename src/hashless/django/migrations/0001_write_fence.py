from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="WriteFence",
            fields=[
                (
                    "username",
                    models.CharField(max_length=150, primary_key=True, serialize=False),
                ),
                ("until", models.FloatField()),
            ],
            options={"db_table": "hashless_write_fence"},
        ),
    ]
