from crispy_forms.utils import render_crispy_form
from django import template
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import mark_safe

from events.cache import versioned
from events.jsonld import with_offer

from .. import page_parts
from ..models import Registration
from ..page_parts import CSRF_SLOT
from ..selectors import capacity, page_places
from ..tokens import manage_tokens

register = template.Library()


@register.simple_tag
def jsonld_with_offer(data: dict, event) -> dict:
    """The event's JSON-LD with an offer whose availability follows the registration state."""
    return with_offer(data, event=event, state=page_places.page_registration_state(event))


@register.filter
def manage_token(registration: Registration) -> str:
    """The token of the registration's manage link, derived (no copy of it is stored); the
    slot for it where a stand-in renders shared HTML (`page_parts`)."""
    slot = getattr(registration, "manage_token_slot", None)
    return slot or manage_tokens.make_token(registration)


@register.simple_tag
def chosen_items(choices):
    """The side programme in a registration's summary; where the manage page's shared copy is
    rendered, the slot (a text) that the manage page fills in per request."""
    if isinstance(choices, str):
        return choices
    return page_parts.chosen_items(choices)


@register.simple_tag(takes_context=True)
def registration_box(context, event):
    """The "Anmeldung" box of an event page: state, free places, the way in."""
    return page_parts.registration_box(context.get("request"), event)


@register.simple_tag(takes_context=True)
def navigation(context):
    """The navigation's links for signing in, or to one's registrations and signing out."""
    return page_parts.navigation(context.get("request"), context.get("csrf_token"))


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
        "used": page_places.page_places(event, organisation).organisation,
    }


@register.simple_tag(takes_context=True)
def organisation_places_left(context, event) -> int | None:
    """How many more people the signed-in person's organisation may register (None when
    nobody is signed in): at 0 the page says so instead of offering a form the service
    would refuse."""
    person = getattr(context.get("request"), "contact_person", None)
    if not person:
        return None
    organisation = person.organisation
    limit = capacity.organisation_limit(event=event, organisation=organisation)
    return max(0, limit - (page_places.page_places(event, organisation).organisation or 0))


# Where the form's address goes into the shared HTML of `form_html`.
ACTION_SLOT = "/form-action-slot/"


@register.simple_tag(takes_context=True)
def form_html(context, form):
    """`{% crispy form %}`, but the HTML of a form that looks the same for everyone (see
    `html_cache_key`) is rendered once per PUBLIC_PAGE_CACHE_SECONDS and completed per
    request with the CSRF token, the form's address (a manage page's holds the personal
    link, so it never goes into the shared copy) and the form's own slots. A form shared
    with no one renders as `{% crispy %}` renders it (the measure of the shared HTML)."""
    key = form.html_cache_key() if settings.PUBLIC_PAGE_CACHE_SECONDS > 0 else None
    token = context.get("csrf_token")
    if key is None and not context.get("keep_value_slots"):
        html = render_crispy_form(form, context={"csrf_token": token})
        return mark_safe(form.complete_html(html))  # noqa: S308
    html = versioned.get(key) if key else None
    action = form.helper.form_action
    if html is None:
        form.helper.form_action = ACTION_SLOT if action else ""
        slotted = {"csrf_token": CSRF_SLOT}  # the person's own values as slots too
        html = form.render_shared(lambda: render_crispy_form(form, context=slotted))
        form.helper.form_action = action
        if key:
            versioned.set(key, html, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
    html = html.replace(CSRF_SLOT, str(token or "")).replace(ACTION_SLOT, escape(action or ""))
    if context.get("keep_value_slots"):  # a shared page that fills them in itself
        return mark_safe(html)  # noqa: S308
    return mark_safe(form.fill_slots(html))  # noqa: S308
