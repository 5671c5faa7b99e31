from django.core.management.base import BaseCommand

from registrations import services


class Command(BaseCommand):
    help = (
        "Anonymise the registrations of events whose last day is more than RETENTION_MONTHS "
        "months ago, with their history and mails; the counts for statistics stay. Safe to run "
        "repeatedly (e.g. daily from cron): anonymised registrations are skipped."
    )

    def handle(self, *args, **options):
        count = services.registrations_anonymise_expired()
        self.stdout.write(f"{count} registration(s) anonymised.")
