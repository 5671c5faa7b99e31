"""Mail to registrants: plain text and HTML, in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def localized_url(viewname: str, *, language: str, **kwargs) -> str:
    with translation.override(language):
        return absolute_url(reverse(viewname, kwargs=kwargs or None))


def render_mail(template: str, context: dict, *, language: str) -> tuple[str, str, str]:
    """Subject, text and HTML body of `registrations/emails/<template>_subject.txt` and `.txt`.

    The HTML part is the same text in a simple layout, so the two never say different things.
    """
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL}
        subject = " ".join(
            render_to_string(f"registrations/emails/{template}_subject.txt", context).split()
        )
        text = render_to_string(f"registrations/emails/{template}.txt", context)
        html = render_to_string(
            "registrations/emails/base.html",
            {"subject": subject, "body": text, "language": language},
        )
    return subject, text, html


def send_templated_mail(
    *,
    to: str,
    template: str,
    context: dict,
    language: str,
    attachments: list[tuple[str, bytes, str]] = (),
) -> None:
    subject, text, html = render_mail(template, context, language=language)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()
