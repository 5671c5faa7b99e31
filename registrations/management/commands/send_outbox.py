from django.core.management.base import BaseCommand

from registrations.mail.delivery import deliver
from registrations.models import OutboxMessage


class Command(BaseCommand):
    help = "Send the outbox messages that are due (new, or waiting for their next retry)."

    def handle(self, *args, **options):
        ids = list(OutboxMessage.objects.due().values_list("pk", flat=True))
        results: dict[str, int] = {}
        for pk in ids:
            status = deliver(pk)
            results[status] = results.get(status, 0) + 1
        self.stdout.write(
            ", ".join(f"{k}: {v}" for k, v in sorted(results.items())) or "nothing due"
        )
