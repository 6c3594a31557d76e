from __future__ import annotations

from typing import ClassVar

from django.db import migrations, models
from django.db.migrations.operations.base import Operation


class Migration(migrations.Migration):
    initial = True
    dependencies: ClassVar[list[tuple[str, str]]] = []

    operations: ClassVar[list[Operation]] = [
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
