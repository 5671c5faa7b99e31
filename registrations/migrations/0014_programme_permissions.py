"""The staff groups get the programme's models (sessions, speakers): the team edits them, the
read-only group views them. Runs the one definition of the groups in 0005 again (which
holds the materials and certificates of 0013 too, so nothing granted there is lost)."""

from importlib import import_module

from django.db import migrations

roles = import_module("registrations.migrations.0005_staff_roles")


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0009_programme_sessions_speakers"),
        ("registrations", "0013_staff_roles_materials_certificates"),
    ]

    operations = [
        migrations.RunPython(roles.create_groups, migrations.RunPython.noop),
    ]
