"""Seed the seven dimensions of intentional development with their what/why/how guidance."""

from django.db import migrations

from communities.vibrancy_guidance import ensure_dimensions


def seed(apps, schema_editor):
    ensure_dimensions(apps.get_model("communities", "Dimension"))


class Migration(migrations.Migration):

    dependencies = [
        ("communities", "0004_vibrancy"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
