"""The staff groups get the programme's models (sessions, speakers): the team edits them, the
read-only group views them. Runs the one definition of the groups in 0005 again."""

from importlib import import_module

from django.db import migrations

roles = import_module("registrations.migrations.0005_staff_roles")


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0008_programme_sessions_speakers"),
        ("registrations", "0011_outbox_kinds"),
    ]

    operations = [
        migrations.RunPython(roles.create_groups, migrations.RunPython.noop),
    ]
