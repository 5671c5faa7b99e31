from django.core.management.base import BaseCommand

from registrations.services.staff_notices import staff_notices_queue


class Command(BaseCommand):
    help = (
        "Tell the organisers, in one mail per address, about new access requests and "
        "registrants' messages since the last run (for cron, e.g. hourly)."
    )

    def handle(self, *args, **options):
        count = staff_notices_queue()
        self.stdout.write(f"staff notices queued: {count}")
