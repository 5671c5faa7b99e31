"""Background work, run by the django-tasks database worker (`manage.py db_worker`).

Tasks get ids, never objects, and re-read what they need under a lock.
"""

from django_tasks import task

from . import emails


@task()
def deliver_outbox(message_ids: list[int]) -> dict[str, int]:
    """Send queued messages; already sent ones are skipped, so running twice sends once."""
    results: dict[str, int] = {}
    for pk in message_ids:
        status = emails.deliver(pk)
        results[status] = results.get(status, 0) + 1
    return results
