from django.core.management.base import BaseCommand
from django.db import transaction

from registrations import services


class Command(BaseCommand):
    help = (
        "Anonymise the registrations of events whose last day is more than RETENTION_MONTHS "
        "months ago, with their history and mails; the counts for statistics stay. Safe to run "
        "repeatedly (e.g. daily from cron): anonymised registrations are skipped. Old access "
        "requests and mail records not tied to a registration are deleted after the same period."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count what would be anonymised and deleted; change nothing.",
        )

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        # The dry run takes the very same steps in a transaction that is rolled back, so its
        # counts are those a real run would have.
        with transaction.atomic():
            count = services.registrations_anonymise_expired()
            purged = services.records_purge_expired()
            transaction.set_rollback(dry_run)
        would = "would be " if dry_run else ""
        self.stdout.write(f"{count} registration(s) {would}anonymised.")
        self.stdout.write(
            f"{purged.get('access_requests', 0)} old access request(s) and "
            f"{purged.get('mails', 0)} old mail record(s) {would}deleted."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
