from django.core.management.base import BaseCommand

from registrations import services


class Command(BaseCommand):
    help = (
        "Queue the reminder mail for events starting within their reminder period. "
        "Each registration gets it once; safe to run repeatedly (e.g. hourly from cron)."
    )

    def handle(self, *args, **options):
        count = services.event_reminders_send()
        self.stdout.write(f"{count} reminder(s) queued.")
