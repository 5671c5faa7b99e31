from crispy_forms.utils import render_crispy_form
from django import template
from django.conf import settings
from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import mark_safe

from events.jsonld import with_offer

from ..models import Registration
from ..selectors import capacity
from ..selectors.directory import can_see_participants
from ..selectors.materials import participant_only_materials
from ..tokens import manage_tokens

register = template.Library()


def _registration_state(event, organisation=None) -> tuple[int, str]:
    """Confirmed registrations and the registration state, counted once per page."""
    cached = getattr(event, "_registration_state_cache", None)
    if cached is None:
        confirmed, _used = capacity.places_on_page(event, organisation)
        full = capacity.event_is_full(event, confirmed)
        cached = (confirmed, event.registration_state(is_full=full))
        event._registration_state_cache = cached
    return cached


@register.simple_tag
def jsonld_with_offer(data: dict, event) -> dict:
    """The event's JSON-LD with an offer whose availability follows the registration state."""
    _confirmed, state = _registration_state(event)
    return with_offer(data, event=event, state=state)


@register.filter
def manage_token(registration: Registration) -> str:
    """The token of the registration's manage link, derived (no copy of it is stored)."""
    return manage_tokens.make_token(registration)


@register.inclusion_tag("registrations/includes/registration_box.html", takes_context=True)
def registration_box(context, event):
    """The "Anmeldung" box of an event page: state, free places, the way in."""
    request = context.get("request")
    person = getattr(request, "contact_person", None)
    confirmed, state = _registration_state(event, person.organisation if person else None)
    mine = (
        list(
            Registration.objects.active()
            .filter(event=event, registered_by=person)
            .select_related("event")
        )
        if person
        else []
    )
    # A confirmed registration of one's own answers the question without asking again.
    sees = any(r.status == Registration.Status.CONFIRMED for r in mine) or (
        can_see_participants(event, person)
    )
    return {
        "mine": mine,
        "sees_participants": sees,
        # The same people may download them (selectors.materials.person_may_download).
        "participant_materials": participant_only_materials(event) if sees else [],
        "event": event,
        "state": state,
        "free": None
        if event.capacity is None or event.is_hybrid
        else max(0, event.capacity - confirmed),
        "free_by_mode": free_by_mode(event),
        "request": context.get("request"),
    }


def free_by_mode(event) -> list[tuple[str, int | None]]:
    """(label, free places) per way of taking part of a hybrid event; empty otherwise."""
    labels = dict(Registration.Participation.choices)
    return [(labels[mode], free) for mode, free in capacity.free_places_by_mode(event).items()]


@register.inclusion_tag("registrations/includes/organisation_allowance.html", takes_context=True)
def organisation_allowance(context, event):
    """How many people the signed-in person's organisation may still register, shown before
    the form is filled in rather than as a refusal after it."""
    person = getattr(context.get("request"), "contact_person", None)
    if not person:  # a lazy object around None when nobody is signed in
        return {}
    organisation = person.organisation
    return {
        "limit": capacity.organisation_limit(event=event, organisation=organisation),
        "used": capacity.places_on_page(event, organisation)[1],
    }


# Stands for the request's CSRF token in a form's shared HTML.
CSRF_SLOT = "csrf-token-of-the-request"


# Where the form's address goes into the shared HTML of `form_html`.
ACTION_SLOT = "/form-action-slot/"


@register.simple_tag(takes_context=True)
def form_html(context, form):
    """`{% crispy form %}`, but the HTML of a form that looks the same for everyone (see
    `html_cache_key`) is rendered once per PUBLIC_PAGE_CACHE_SECONDS and completed per
    request with the CSRF token, the form's address (a manage page's holds the personal
    link, so it never goes into the shared copy) and the form's own slots."""
    key = form.html_cache_key() if settings.PUBLIC_PAGE_CACHE_SECONDS > 0 else None
    html = cache.get(key) if key else None
    action = form.helper.form_action
    if html is None:
        form.helper.form_action = ACTION_SLOT if action else ""
        with form.shared_rendering():  # the person's own values as slots
            html = render_crispy_form(form, context={"csrf_token": CSRF_SLOT})
        form.helper.form_action = action
        if key:
            cache.set(key, html, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
    token = context.get("csrf_token")
    html = html.replace(CSRF_SLOT, str(token or "")).replace(ACTION_SLOT, escape(action or ""))
    if context.get("keep_value_slots"):  # a shared page that fills them in itself
        return mark_safe(html)  # noqa: S308
    return mark_safe(form.fill_slots(html))  # noqa: S308
