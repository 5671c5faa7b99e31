"""Registrations get `search_name`: name and address without accents or case, so that staff
find "Müller" by typing "muller" on PostgreSQL and SQLite alike."""

import unicodedata

from django.db import migrations, models


def _fold(value):
    # A frozen copy of registrations.text.fold_for_search: migrations do not import app code.
    decomposed = unicodedata.normalize("NFKD", value or "")
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def fill_search_name(apps, schema_editor):
    Registration = apps.get_model("registrations", "Registration")
    rows = list(Registration.objects.filter(anonymised_at__isnull=True))
    for row in rows:
        row.search_name = _fold(f"{row.first_name} {row.last_name} {row.email}")
    Registration.objects.bulk_update(rows, ["search_name"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0008_invitations"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalregistration",
            name="search_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=500),
        ),
        migrations.AddField(
            model_name="registration",
            name="search_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=500),
        ),
        migrations.RunPython(fill_search_name, migrations.RunPython.noop),
    ]
