from django.core.management.base import BaseCommand

from registrations import services


class Command(BaseCommand):
    help = (
        "Anonymise the registrations of events whose last day is more than RETENTION_MONTHS "
        "months ago, with their history and mails; the counts for statistics stay. Safe to run "
        "repeatedly (e.g. daily from cron): anonymised registrations are skipped. Old access "
        "requests and mail records not tied to a registration are deleted after the same period."
    )

    def handle(self, *args, **options):
        count = services.registrations_anonymise_expired()
        self.stdout.write(f"{count} registration(s) anonymised.")
        purged = services.records_purge_expired()
        self.stdout.write(
            f"{purged.get('access_requests', 0)} old access request(s) and "
            f"{purged.get('mails', 0)} old mail record(s) deleted."
        )
