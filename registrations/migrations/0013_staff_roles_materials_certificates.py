"""Staff roles for materials and certificates: the team uploads materials (in the event's
inline) and corrects and reissues certificates; read-only staff see both."""

from importlib import import_module

from django.db import migrations

ROLES = import_module("registrations.migrations.0005_staff_roles")

ADDED = {
    ROLES.TEAM: [
        ("events", "add_material"),
        ("events", "change_material"),
        ("events", "delete_material"),
        ("events", "view_material"),
        ("registrations", "change_certificate"),
        ("registrations", "view_certificate"),
    ],
    ROLES.READ_ONLY: [
        ("events", "view_material"),
        ("registrations", "view_certificate"),
    ],
}


def grant(apps, schema_editor):
    """Add the permissions to both groups (creating groups and permissions where missing,
    as 0005 does); runs again safely, also with the live app registry."""
    Group = apps.get_model("auth", "Group")
    if Group.objects.filter(name__in=ADDED).count() != len(ADDED):
        ROLES.create_groups(apps, schema_editor)
    else:
        _create_permissions(apps)
    Permission = apps.get_model("auth", "Permission")
    for name, pairs in ADDED.items():
        group = Group.objects.get(name=name)
        group.permissions.add(
            *[
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
                for app_label, codename in pairs
            ]
        )


def _create_permissions(apps):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if stub:
            app_config.models_module = None


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, pairs in ADDED.items():
        for group in Group.objects.filter(name=name):
            for app_label, codename in pairs:
                group.permissions.remove(
                    *Permission.objects.filter(
                        content_type__app_label=app_label, codename=codename
                    )
                )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0008_event_materials"),
        ("registrations", "0012_certificates_of_attendance"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
