from django.core.management.base import BaseCommand

from registrations import services


class Command(BaseCommand):
    help = (
        "After an answer deadline has passed, release unanswered registrations of events set "
        "to release them (their places go to the waiting list). Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        count = services.reconfirmations_close()
        self.stdout.write(f"{count} unanswered registration(s) released.")
