"""What a service would send, without sending it: the confirmation pages' mail preview."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from ..mail import outbox
from ..mail.render import render
from ..tokens import manage_tokens


class _Rollback(Exception):
    pass


@dataclass
class MailPreview:
    recipient_count: int = 0  # registrants
    extra_recipients: int = 0  # others told by the same step (open access requests)
    invited: int = 0  # invited contact persons (an invitation, its reminder, news of the event)
    to: str = ""
    subject: str = ""
    text: str = ""
    attachments: list[str] = field(default_factory=list)
    error: str = ""


def _without_personal_links(text: str, message) -> str:
    """The preview is for staff: the recipient's personal link (manage page, carry-over) is
    shown as a placeholder, so nobody acts as that person from the preview."""
    if message.registration_id:
        token = manage_tokens.make_token(message.registration)
        text = text.replace(token, gettext("[personal link]"))
    return text


def mails_preview(run: Callable[[], object]) -> MailPreview:
    """Run the service inside a transaction that is rolled back and show what it queued: the
    count and the first mail, rendered after the change (new dates, new status), come from the
    very rows the service writes, so the preview cannot announce what the sending won't do."""
    preview = MailPreview()
    try:
        with transaction.atomic():
            with outbox.capture() as queued:
                run()
            registrants = [m for m in queued if m.registration_id]
            preview.recipient_count = len(registrants)
            preview.invited = sum(1 for m in queued if m.invitation_id)
            preview.extra_recipients = len(queued) - len(registrants) - preview.invited
            first = (registrants or queued or [None])[0]
            if first is not None:
                subject, text, _html, attachments = render(first)
                preview.to, preview.subject = first.recipient, subject
                preview.text = _without_personal_links(text, first)
                preview.attachments = [name for name, _content, _type in attachments]
            raise _Rollback
    except _Rollback:
        pass
    except ValidationError as exc:
        preview.error = " ".join(exc.messages)
    return preview
