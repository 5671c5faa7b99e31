"""Template tags of the staff pages (admin)."""

from django import template

from ..models import OutboxMessage

register = template.Library()


@register.simple_tag
def failed_mail_count() -> int:
    """Mails that failed for good: the admin's start page says so until staff retry them."""
    return OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED).count()
