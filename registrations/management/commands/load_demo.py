from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from events.demo import load_events
from events.demo_online import make_hybrid
from registrations.demo import (
    DEMO_CONTACT_EMAIL,
    load_attendance,
    load_invitations,
    load_members,
    load_registrations,
    load_staff,
)
from registrations.demo import DEMO_STAFF_PASSWORD as ROLE_PASSWORD

DEMO_STAFF_USERNAME = "difu-admin"
DEMO_STAFF_PASSWORD = "jahrestreffen-demo"


class Command(BaseCommand):
    help = "Load the demo events, members and a staff user. Safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-demo-users",
            action="store_true",
            help="Create the demo staff users (their passwords are published in the README) "
            "even though DEBUG is off.",
        )

    def handle(self, *args, **options):
        # Staff accounts with a published password are an open door on a reachable server;
        # outside development they are created only when asked for by name.
        if not settings.DEBUG and not options["allow_demo_users"]:
            raise CommandError(
                "DEBUG is off: the demo staff users have published passwords, so load_demo "
                "does not create them. Use DEBUG=1 for development, or --allow-demo-users on "
                "a server nobody else can reach."
            )
        with transaction.atomic():
            events = load_events()
            load_members()
            make_hybrid(events.get("upcoming"))
            load_registrations(events["upcoming"])
            load_invitations(events["upcoming"])
            roles = load_staff()
            user, created = get_user_model().objects.get_or_create(
                username=DEMO_STAFF_USERNAME,
                defaults={
                    "is_staff": True,
                    "is_superuser": True,
                    "email": "admin@difu.example.org",
                },
            )
            if created:
                user.set_password(DEMO_STAFF_PASSWORD)
                user.save()
            load_attendance(events["past"])
        self.stdout.write(self.style.SUCCESS("Demo data is in place:"))
        for event in events.values():
            self.stdout.write(
                f"  {event.title} ({event.get_status_display()}): {event.get_absolute_url()}"
            )
        self.stdout.write(
            f"Contact person sign-in: http://127.0.0.1:8000/anmelden/  with {DEMO_CONTACT_EMAIL} "
            "(the sign-in link is printed in the server's console)"
        )
        self.stdout.write(
            f"Staff login: http://127.0.0.1:8000/admin/  user {DEMO_STAFF_USERNAME}  "
            f"password {DEMO_STAFF_PASSWORD}"
        )
        for username, group in roles:
            self.stdout.write(f"Staff login as {group}: user {username}  password {ROLE_PASSWORD}")
