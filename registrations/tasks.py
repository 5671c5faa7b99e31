"""Background work, run by the django-tasks database worker (`manage.py db_worker`).

Tasks get ids, never objects, and re-read what they need under a lock.
"""

from django.core.mail import get_connection
from django_tasks import task

from . import emails


@task()
def deliver_outbox(message_ids: list[int]) -> dict[str, int]:
    """Send queued messages; already sent ones are skipped, so running twice sends once."""
    results: dict[str, int] = {}
    connection = _open_connection()
    try:
        for pk in message_ids:
            status = emails.deliver(pk, connection=connection)
            results[status] = results.get(status, 0) + 1
    finally:
        if connection is not None:
            connection.close()
    return results


def _open_connection():
    """One SMTP session for the batch instead of one per mail. If the server cannot be
    reached now, each message tries on its own, so its failure is recorded and retried."""
    connection = get_connection()
    try:
        connection.open()
    except Exception:  # noqa: BLE001 - recorded per message by emails.deliver
        return None
    return connection
