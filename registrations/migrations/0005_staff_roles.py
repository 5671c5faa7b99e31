"""Staff roles: the permissions beyond editing rows, and two groups with explicit permission sets.

"Veranstaltungsteam" runs events day to day (events, members, registrations, mails, check-in);
"Lesezugriff" only looks and exports. Nobody needs to be a superuser for daily work.
"""

from django.db import migrations

TEAM = "Veranstaltungsteam"
READ_ONLY = "Lesezugriff"

ALL = ("add", "change", "delete", "view")
NO_DELETE = ("add", "change", "view")

# app label → model → actions. Deliberately without delete: registrations (cancel them, so the
# figures stay right), member organisations (end the membership), the outbox and the erasure
# log (records of what was sent and erased). Contact persons can be deleted, since erasing a
# person's data on request (registrations.admin) is part of the team's work.
TEAM_MODEL_PERMISSIONS = {
    "events": {
        "event": ALL,
        "eventday": ALL,
        "programmeitem": ALL,
        "organisercontact": ALL,
        "series": ALL,
        "topic": ALL,
        "topiclink": ALL,
        "eventchange": ("view",),
        # Models added later are granted by the later migrations that run this again
        # (materials: registrations 0013; the programme: registrations 0014).
        "material": ALL,
        "session": ALL,
        "speaker": ALL,
        "sessionspeaker": ALL,
    },
    "registrations": {
        "memberorganisation": NO_DELETE,
        "contactperson": ALL,
        "accessrequest": NO_DELETE,
        "registration": ("change", "view"),
        "programmechoice": NO_DELETE,
        "attendance": ALL,
        "outboxmessage": ("view",),
        "erasurelog": ("view",),
        "certificate": ("change", "view"),
    },
    "flatpages": {"flatpage": ("change", "view")},
}
CUSTOM = {
    TEAM: ["send_mail_to_registrants", "check_in", "export_registrations"],
    READ_ONLY: ["export_registrations"],
}


def group_permissions() -> dict[str, list[tuple[str, str]]]:
    """Group name → (app label, codename) pairs."""
    team, read_only = [], []
    for app_label, models in TEAM_MODEL_PERMISSIONS.items():
        for model, actions in models.items():
            team += [(app_label, f"{action}_{model}") for action in actions]
            read_only.append((app_label, f"view_{model}"))
    team += [("registrations", codename) for codename in CUSTOM[TEAM]]
    read_only += [("registrations", codename) for codename in CUSTOM[READ_ONLY]]
    return {TEAM: team, READ_ONLY: read_only}


def create_groups(apps, schema_editor):
    """Create (or reset) both groups. Runs again safely, also with the live app registry."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran (post_migrate); a data
    # migration that needs them creates them itself.
    for app_config in apps.get_app_configs():
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if stub:
            app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, pairs in group_permissions().items():
        group, _created = Group.objects.get_or_create(name=name)
        permissions = [
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in pairs
            if _exists(apps, app_label, codename)
        ]
        group.permissions.set(permissions)


def _exists(apps, app_label: str, codename: str) -> bool:
    """Whether the model a permission belongs to exists at this point of the migration
    history: models added later are granted by the later migration that runs this again."""
    if codename in CUSTOM[TEAM]:
        return True
    model = codename.split("_", 1)[1]
    try:
        apps.get_model(app_label, model)
    except LookupError:
        return False
    return True


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[TEAM, READ_ONLY]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("flatpages", "0001_initial"),
        ("events", "0004_history"),
        ("registrations", "0004_history_and_data_protection"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="registration",
            options={
                "ordering": ["created_at", "pk"],
                "permissions": [
                    ("send_mail_to_registrants", "Can send mails to registrants"),
                    ("check_in", "Can check in attendees on site"),
                    (
                        "export_registrations",
                        "Can export lists of registrants and the directory",
                    ),
                ],
                "verbose_name": "registration",
                "verbose_name_plural": "registrations",
            },
        ),
        migrations.RunPython(create_groups, remove_groups),
    ]
