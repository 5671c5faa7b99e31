"""Manage links stored as a hash: the plain `manage_token` column goes.

New links are derived from a per-row nonce with SECRET_KEY (registrations.tokens). Links
already mailed keep working: their token's SHA-256 moves into `manage_token_hash`, the plain
token is emptied and the column removed, so no database copy made after this holds a link.
"""

import hashlib
import secrets

from django.db import migrations, models

import registrations.models.registration


def hash_legacy_tokens(apps, schema_editor):
    """Every plain token becomes its digest; every row gets its own nonce (AddField gave all
    existing rows one and the same)."""
    Registration = apps.get_model("registrations", "Registration")
    rows = list(Registration.objects.only("pk", "manage_token"))
    for row in rows:
        if row.manage_token:
            row.manage_token_hash = hashlib.sha256(row.manage_token.encode()).hexdigest()
        row.manage_token = ""
        row.manage_nonce = secrets.token_urlsafe(16)
    Registration.objects.bulk_update(
        rows, ["manage_token", "manage_token_hash", "manage_nonce"], batch_size=500
    )


def new_plain_tokens(apps, schema_editor):
    """Going back cannot restore the plain tokens: every registration gets a new one (links
    mailed before stop working)."""
    Registration = apps.get_model("registrations", "Registration")
    rows = list(Registration.objects.only("pk"))
    for row in rows:
        row.manage_token = secrets.token_urlsafe(32)
    Registration.objects.bulk_update(rows, ["manage_token"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0006_access_request_event"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="manage_nonce",
            field=models.CharField(
                default=registrations.models.registration._manage_nonce,
                editable=False,
                max_length=32,
                verbose_name="manage link nonce",
            ),
        ),
        migrations.AddField(
            model_name="registration",
            name="manage_token_hash",
            field=models.CharField(
                blank=True,
                db_index=True,
                default="",
                editable=False,
                max_length=64,
                verbose_name="manage link digest (older links)",
            ),
        ),
        # Emptied first, so the column can be re-added (going back) without a unique clash.
        migrations.AlterField(
            model_name="registration",
            name="manage_token",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=64,
                verbose_name="manage link token",
            ),
        ),
        migrations.RunPython(hash_legacy_tokens, new_plain_tokens),
        migrations.RemoveField(model_name="registration", name="manage_token"),
    ]
