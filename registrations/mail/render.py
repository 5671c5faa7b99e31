"""What a queued mail says: subject, text, HTML and calendar file, in the recipient's language.

Rendered when the mail is sent, not when it is queued, so the outbox never stores a
credential (sign-in links are made here) and a resent mail shows the current state.
The subject and text are plain strings; the HTML part escapes them.
"""

import re

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import escape, format_html, linebreaks
from django.utils.safestring import mark_safe

from events.ics import OnlineAccess, build_messages
from events.models import Event

from ..models import Invitation, OutboxMessage, ProgrammeChoice, Registration
from ..tokens import email_change_tokens, invitation_tokens, manage_tokens, sign_in_tokens
from .certificate import certificate_attachments
from .staff_notice import staff_notice_context

K = OutboxMessage.Kind

# kind -> (template, calendar METHOD to attach or None)
TEMPLATES = {
    K.SIGN_IN_LINK: ("sign_in_link", None),
    K.ACCESS_APPROVED: ("access_approved", None),
    K.ACCESS_REJECTED: ("access_rejected", None),
    K.CONFIRMATION: ("registration_confirmation", "PUBLISH"),
    K.PROMOTION: ("registration_promoted", "PUBLISH"),
    K.ITEM_PROMOTION: ("item_promoted", None),
    K.CANCELLATION: ("registration_cancelled", "CANCEL"),
    K.EVENT_POSTPONED: ("event_postponed", None),
    K.EVENT_RESCHEDULED: ("event_rescheduled", "PUBLISH"),
    K.RECONFIRMATION_REMINDER: ("reconfirmation_reminder", None),
    K.EVENT_CANCELLED: ("event_cancelled", "CANCEL"),
    K.EVENT_MOVED_ONLINE: ("event_moved_online", "PUBLISH"),
    K.EVENT_CANCELLED_ACCESS: ("event_cancelled_access", None),
    K.REPLACEMENT_INVITATION: ("replacement_invitation", None),
    K.STAFF_MESSAGE: ("staff_message", None),
    K.EVENT_REMINDER: ("event_reminder", "PUBLISH"),
    K.INVITATION: ("invitation", None),
    K.INVITATION_REMINDER: ("invitation_reminder", None),
    K.INVITATION_CHANGED: ("invitation_changed", None),
    K.MANAGE_LINK: ("manage_link", None),
    K.REGISTRATION_CHANGED: ("registration_changed", None),
    K.REPRESENTATIVE_NOTICE: ("representative_notice", None),
    K.STAFF_NOTICE: ("staff_notice", None),
    K.CERTIFICATE: ("certificate", None),
    K.EMAIL_CHANGE: ("email_change", None),
}


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def localized_url(viewname: str, *, language: str, **kwargs) -> str:
    with translation.override(language):
        return absolute_url(reverse(viewname, kwargs=kwargs or None))


def _greeting_context(obj) -> dict:
    return {
        "salutation": getattr(obj, "salutation", ""),
        "academic_title": getattr(obj, "academic_title", ""),
        "first_name": getattr(obj, "first_name", ""),
        "last_name": getattr(obj, "last_name", ""),
    }


def registration_context(registration: Registration) -> dict:
    event = registration.event
    choices = [c for c in registration.programme_choices.all() if c.status != "cancelled"]
    return {
        "registration": registration,
        "event": event,
        "choices": choices,
        "waiting_position": registration.waiting_position(),
        "manage_url": localized_url(
            "registrations:manage",
            language=registration.language,
            token=manage_tokens.make_token(registration),
        ),
        "event_url": absolute_url(event.get_absolute_url()),
        "deadline": event.reconfirmation_deadline,
        "change_deadline": event.self_service_ends_at,
        "online_access": online_access(registration),
        **_greeting_context(registration),
    }


def online_access(registration: Registration) -> OnlineAccess | None:
    """The join details, for a confirmed online participant only (`may_join_online`)."""
    if not registration.may_join_online:
        return None
    return OnlineAccess(join_url=registration.event.join_url, dial_in=registration.event.dial_in)


def day_list(event) -> str:
    return ", ".join(date_format(day.date, "DATE_FORMAT") for day in event.sorted_days)


def greeting(*, salutation: str, academic_title: str, first_name: str, last_name: str) -> str:
    """The full formal salutation in the active language, without the comma: "Sehr geehrte
    Frau Dr. Schmidt", "Dear Dr Schmidt", or, without a salutation, "Guten Tag Anna Schmidt"."""
    pgettext = translation.pgettext
    if salutation in ("frau", "herr") and last_name:
        values = {"name": last_name, "title": academic_title}
        if translation.get_language().startswith("en"):
            values["title"] = academic_title.replace(".", "")  # British style: "Dr Schmidt"
        if academic_title:
            text = {
                "frau": pgettext("greeting", "Dear Ms %(title)s %(name)s"),
                "herr": pgettext("greeting", "Dear Mr %(title)s %(name)s"),
            }[salutation]
        else:
            text = {
                "frau": pgettext("greeting", "Dear Ms %(name)s"),
                "herr": pgettext("greeting", "Dear Mr %(name)s"),
            }[salutation]
        return text % values
    name = " ".join(p for p in (academic_title, first_name, last_name) if p)
    return pgettext("greeting", "Hello %(name)s") % {"name": name}


# What staff may write in braces in a message to registrants (see staff_message_placeholders).
STAFF_PLACEHOLDERS = (
    "greeting",
    "salutation",
    "first_name",
    "last_name",
    "event",
    "dates",
    "manage_url",
)


def staff_message_placeholders(registration: Registration) -> dict:
    """The placeholders staff may use in a message to registrants."""
    salutation = {"frau": translation.gettext("Ms"), "herr": translation.gettext("Mr")}.get(
        registration.salutation, ""
    )
    return {
        "greeting": greeting(
            salutation=registration.salutation,
            academic_title=registration.academic_title,
            first_name=registration.first_name,
            last_name=registration.last_name,
        ),
        "salutation": salutation,
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "event": registration.event.title,
        "dates": day_list(registration.event),
        "manage_url": localized_url(
            "registrations:manage",
            language=registration.language,
            token=manage_tokens.make_token(registration),
        ),
    }


PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")


def fill_placeholders(text: str, values: dict) -> str:
    """Replace the known {name} placeholders; anything else in braces stays as written.

    Not str.format: one stray "{0}" or "{" would make it give up on the whole text, and
    format specs ("{last_name:>9999999}") are nothing staff should be able to run.
    """
    return PLACEHOLDER_RE.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text
    )


def invitation_context(message: OutboxMessage) -> dict:
    """The invitation's event and person, and its personal links (made now, never stored)."""
    invitation = (
        Invitation.objects.select_related("event", "contact_person__organisation")
        .prefetch_related("event__days", "event__contacts")
        .get(pk=message.invitation_id)
    )
    token = invitation_tokens.make_token(invitation)
    person = invitation.contact_person
    return {
        "invitation": invitation,
        "event": invitation.event,
        "person": person,
        "organisation": person.organisation,
        "link": localized_url("registrations:invitation", language=message.language, token=token),
        "decline_url": localized_url(
            "registrations:invitation_decline", language=message.language, token=token
        ),
        "event_url": absolute_url(invitation.event.get_absolute_url()),
        "closes_at": invitation.event.registration_closes_at,
        "step": (message.payload or {}).get("step", ""),
        **_greeting_context(person),
    }


def _registration_mail_context(message: OutboxMessage, payload: dict) -> dict:
    """What a mail about one registration says: the registration, and per kind its extras."""
    registration = (
        Registration.objects.select_related("event", "organisation", "registered_by")
        .prefetch_related("event__days", "event__contacts", "programme_choices__item")
        .get(pk=message.registration_id)
    )
    context = registration_context(registration)
    if message.kind == K.STAFF_MESSAGE:
        with translation.override(message.language):
            values = staff_message_placeholders(registration)
            closing = translation.gettext("Kind regards")
        context["staff_subject"] = fill_placeholders(payload.get("subject", ""), values)
        context["staff_body"] = fill_placeholders(payload.get("body", ""), values)
        # Staff who sign off themselves get no second signature below theirs.
        context["staff_signed"] = closing.casefold() in context["staff_body"].casefold()
    if message.kind == K.REPLACEMENT_INVITATION:
        replacement = Event.objects.prefetch_related("days").get(pk=payload["replacement_id"])
        context["replacement"] = replacement
        context["carry_over_url"] = localized_url(
            "registrations:carry_over",
            language=message.language,
            token=manage_tokens.make_token(registration),
        )
    if message.kind == K.REPRESENTATIVE_NOTICE:
        context["my_registrations_url"] = localized_url(
            "registrations:my_registrations", language=message.language
        )
    if message.kind == K.ITEM_PROMOTION:
        context["item"] = (
            ProgrammeChoice.objects.select_related("item").get(pk=payload["choice_id"]).item
        )
    return context


def _sign_in_link_context(message: OutboxMessage, *, for_staff: bool) -> dict:
    """The sign-in link, made now, not when queued: the outbox never stores a credential; the
    outbox page (`for_staff`) shows the text, never a working credential."""
    if for_staff:
        link = translation.gettext("[personal sign-in link]")
    else:
        token = sign_in_tokens.make_token(message.contact_person)
        link = localized_url("registrations:sign_in_link", language=message.language, token=token)
    return {"link": link, "link_minutes": settings.SIGN_IN_LINK_MAX_AGE // 60}


def _email_change_context(message: OutboxMessage, registration, *, for_staff: bool) -> dict:
    """The link that confirms the new address, made now and bound to the registration's
    address as it is now: once the address changed, the link in a mail resent later is void
    too. Never the manage link: whoever reads this mail has not shown yet that the address
    is the registrant's."""
    if for_staff:
        link = translation.gettext("[personal confirmation link]")
    else:
        token = email_change_tokens.make_token(registration, message.payload["email"])
        link = localized_url("registrations:email_confirm", language=message.language, token=token)
    return {
        "confirm_url": link,
        "new_email": message.payload["email"],
        "link_hours": settings.EMAIL_CHANGE_LINK_MAX_AGE // 3600,
        "manage_url": "",
    }


def context_for(message: OutboxMessage, *, for_staff: bool = False) -> dict:
    payload = message.payload or {}
    context: dict = {"payload": payload}
    if message.registration_id:
        context.update(_registration_mail_context(message, payload))
        if message.kind == K.EMAIL_CHANGE:
            context.update(
                _email_change_context(message, context["registration"], for_staff=for_staff)
            )
    if message.invitation_id:
        return {"payload": payload, **invitation_context(message)}
    if message.kind == K.STAFF_NOTICE:
        context.update(staff_notice_context(payload, absolute_url=absolute_url))
    if message.access_request_id:
        req = message.access_request
        context.update({"request": req, **_greeting_context(req)})
        if message.event_id:
            context["event"] = message.event
    if message.contact_person_id:
        context.update(
            {"person": message.contact_person, **_greeting_context(message.contact_person)}
        )
    if message.kind in (K.SIGN_IN_LINK, K.ACCESS_APPROVED):
        context.update(_sign_in_link_context(message, for_staff=for_staff))
    return context


def html_body(text: str) -> str:
    """The text part as HTML: everything escaped, and only the app's own links clickable, so
    an address or URL a registrant typed never becomes a link in an official mail."""
    escaped = escape(text)
    site = re.escape(escape(settings.SITE_URL.rstrip("/")))
    linked = re.sub(
        rf"{site}/[^\s<>&\"']*",
        lambda m: format_html('<a href="{0}">{0}</a>', mark_safe(m.group(0))),  # noqa: S308
        str(escaped),
    )
    return mark_safe(linebreaks(linked, autoescape=False))  # noqa: S308 - escaped above


def render(
    message: OutboxMessage, *, for_staff: bool = False
) -> tuple[str, str, str, list[tuple[str, bytes, str]]]:
    """Subject, text, HTML and attachments of a queued message, in its language.

    `for_staff`: for the outbox page, with a sign-in link replaced by a placeholder."""
    template, method = TEMPLATES[message.kind]
    context = context_for(message, for_staff=for_staff)
    with translation.override(message.language):
        context["site_url"] = settings.SITE_URL
        subject = str.__str__(" ").join(
            render_to_string(f"registrations/emails/{template}_subject.txt", context).split()
        )
        # Plain strings, not the template engine's "safe" ones: whoever shows them (the HTML
        # part, the admin's preview) escapes them, whatever a registrant typed.
        text = tidy_text(
            str.__str__(render_to_string(f"registrations/emails/{template}.txt", context)),
            message.language,
        )
        html = render_to_string(
            "registrations/emails/base.html",
            {"subject": subject, "body": html_body(text), "language": message.language},
        )
        # The calendar entry's title and place in the recipient's language too.
        attachments = calendar_attachments(message, context, method)
        if not for_staff:
            attachments += certificate_attachments(message)
    return subject, text, html, attachments


def tidy_text(text: str, language: str) -> str:
    """No runs of blank lines; in English the body after the greeting starts with a capital
    (German continues a "Sehr geehrte …," greeting in lower case, English does not)."""
    text = re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", text)
    if language == "en":
        text = re.sub(r"\A([^\n]*,\n\n)([a-z])", lambda m: m[1] + m[2].upper(), text)
    return text


def personal_sequence(message: OutboxMessage, event) -> int:
    """The event's SEQUENCE, raised by two for each cancellation the person had before and by
    one in a cancellation: their CANCEL outranks the entry it removes, and a new registration
    after it outranks the CANCEL (RFC 5546 3.2.5, 2.1.4)."""
    earlier = OutboxMessage.objects.filter(
        event_id=event.pk, recipient=message.recipient, kind=K.CANCELLATION
    )
    if message.pk:
        earlier = earlier.filter(pk__lt=message.pk)
    return event.sequence + 2 * earlier.count() + (message.kind == K.CANCELLATION)


def calendar_attachments(message: OutboxMessage, context: dict, method: str | None) -> list:
    """One calendar file per UID (RFC 5546), only for a held place: someone on the waiting
    list gets no entry that reads as confirmed."""
    event = context.get("event")
    registration = context.get("registration")
    if not method or event is None:
        return []
    if method == "PUBLISH" and registration is not None and registration.status != "confirmed":
        return []
    items = []
    name = ""
    if registration is not None:
        name = registration.full_name
        # A cancellation removes whatever the person had; a new entry only what they hold.
        held = ("confirmed", "cancelled") if method == "CANCEL" else ("confirmed",)
        items = [c.item for c in registration.programme_choices.all() if c.status in held]
    files = build_messages(
        event,
        method=method,
        url=absolute_url(event.get_absolute_url()),
        attendee=(message.recipient, name),
        sequence=personal_sequence(message, event),
        items=items,
        online=context.get("online_access") if method == "PUBLISH" else None,
    )
    # Django adds the charset itself; naming it here too would write it twice.
    return [(filename, ics, f"text/calendar; method={method}") for filename, ics in files]
