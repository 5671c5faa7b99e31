from django.core.management.base import BaseCommand

from registrations import services


class Command(BaseCommand):
    help = (
        "Queue the invitation reminder for events within their reminder period before "
        "registration closes. Each invited person gets it once; safe to run repeatedly "
        "(e.g. hourly from cron)."
    )

    def handle(self, *args, **options):
        count = services.invitation_reminders_due()
        self.stdout.write(f"{count} invitation reminder(s) queued.")
