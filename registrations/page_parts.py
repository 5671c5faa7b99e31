"""Parts of the signed-in pages rendered once and shared between requests (`shared_html` in
events/cache.py): the registration box of an event page, the navigation, and the registration
form with what stands above it.

Rendering them through Django's templates costs more than the rest of such a request, and
what they show is the same for everyone with the same inputs (the registration state, the
free places, the organisation's allowance, which kinds of registrations of one's own). So
each is rendered once per distinct set of inputs with slots where one person's data goes —
names, manage links, the CSRF token, the person's details in the form — and the slots are
filled per request. A shared entry never holds one person's data; a stand-in takes each
person's place when it is rendered.
"""

import re

from django.conf import settings
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from events.cache import shared_html
from events.models import Event

from .forms import PERSON_SLOT, RegistrationForm
from .models import ContactPerson, Registration
from .selectors import capacity, page_places
from .selectors.directory import own_registrations
from .selectors.materials import participant_only_materials
from .tokens import manage_tokens

# Stands for the request's CSRF token in shared HTML.
CSRF_SLOT = "csrf-token-of-the-request"

# Where the name and the manage link of the n-th registration of one's own go in the box;
# characters that pass both HTML escaping and the manage link's URL pattern unchanged.
OWN_SLOT = re.compile(r"own-registration-(name|token)-(\d+)-slot")

BOX_TEMPLATE = "registrations/includes/registration_box.html"
NAV_TEMPLATE = "registrations/includes/nav_links.html"
FORM_TEMPLATE = "registrations/includes/registration_form_part.html"


def _signed_in(request) -> ContactPerson | None:
    person = getattr(request, "contact_person", None)
    return person if person else None  # a lazy object around None when nobody is signed in


# The navigation depends on nothing in the database: kept in the process, per language,
# signed in or not, and current page.
_navigations: dict[tuple, str] = {}


def navigation(request, csrf_token) -> SafeString:
    """The navigation's personal links: "My registrations" and the sign-out button (with the
    request's CSRF token), or "Sign in"."""
    match = getattr(request, "resolver_match", None)
    key = (get_language(), bool(_signed_in(request)), match.url_name if match else None)
    html = _navigations.get(key) if settings.PUBLIC_PAGE_CACHE_SECONDS > 0 else None
    if html is None:
        html = render_to_string(NAV_TEMPLATE, {"request": request, "csrf_token": CSRF_SLOT})
        _navigations[key] = html
    return mark_safe(html.replace(CSRF_SLOT, escape(str(csrf_token or ""))))  # noqa: S308


def registration_box(request, event: Event) -> SafeString:
    """The "Anmeldung" box of an event page: state, free places, the way in, and for a
    signed-in person their own registrations (names and manage links in slots)."""
    person = _signed_in(request)
    organisation = person.organisation if person else None
    places = page_places.page_places(event, organisation)
    state = page_places.page_registration_state(event, organisation)
    mine, sees = own_registrations(event, person) if person else ([], False)
    free = None if event.capacity is None or event.is_hybrid else places.free(event)
    free_by_mode = places.free_by_mode(event)
    inputs = [
        "registration-box",
        event.pk,
        str(state),
        free,
        sorted(free_by_mode.items()),
        bool(person),
        capacity.organisation_limit(event=event, organisation=organisation) if person else None,
        places.organisation,
        sees,
        [(r.status, r.reconfirmation) for r in mine],
    ]

    def render() -> str:
        labels = dict(Registration.Participation.choices)
        context = {
            "mine": [_stand_in(i, r, event) for i, r in enumerate(mine)],
            "sees_participants": sees,
            # The same people may download them (selectors.materials.person_may_download).
            "participant_materials": participant_only_materials(event) if sees else [],
            "event": event,
            "state": state,
            "free": free,
            "free_by_mode": [(labels[mode], n) for mode, n in free_by_mode.items()],
            "request": request,  # signed in or not, and the allowance: both in `inputs`
        }
        return render_to_string(BOX_TEMPLATE, context)

    html = shared_html(inputs, render)
    return mark_safe(OWN_SLOT.sub(lambda match: _own(match, mine), html))  # noqa: S308


def _stand_in(index: int, registration: Registration, event: Event) -> Registration:
    """An unsaved registration that looks like the person's own to the template, with slots
    for its name and its manage link (the `manage_token` filter gives the slot)."""
    stand_in = Registration(
        event=event,
        status=registration.status,
        reconfirmation=registration.reconfirmation,
        first_name=f"own-registration-name-{index}-slot",
    )
    stand_in.manage_token_slot = f"own-registration-token-{index}-slot"
    return stand_in


def _own(match, mine: list[Registration]) -> str:
    kind, index = match.group(1), int(match.group(2))
    if index >= len(mine):
        return match.group(0)
    registration = mine[index]
    if kind == "name":
        return escape(registration.full_name)
    return manage_tokens.make_token(registration)


def registration_form(request, event: Event, person: ContactPerson, state) -> SafeString:
    """The registration page below its heading: the state, the organisation's allowance and
    the empty form, with the person's details and the CSRF token filled in per request. A
    form with entries or errors is never shared: the view renders those itself."""
    organisation = person.organisation
    places = page_places.page_places(event, organisation)
    inputs = [
        "registration-form",
        event.pk,
        str(state),
        capacity.organisation_limit(event=event, organisation=organisation),
        places.organisation,
        # The free places on the side programme are counted under the same public version
        # (`page_item_free_places`), so the version stands for them: read only on a miss.
        sorted(places.by_mode.items()),
    ]

    def render() -> str:
        # No person: the form leaves the slot for their details (RegistrationForm.complete_html).
        form = form_for(event, None, places=places)
        context = {"event": event, "state": state, "form": form, "request": request}
        return render_to_string(FORM_TEMPLATE, {**context, "csrf_token": CSRF_SLOT})

    html = shared_html(inputs, render)
    html = html.replace(CSRF_SLOT, get_token(request))
    return mark_safe(html.replace(PERSON_SLOT, RegistrationForm.person_details(person), 1))  # noqa: S308


def form_for(event: Event, person: ContactPerson | None, data=None, *, places=None):
    """The registration form with the free places of the side programme and of each way of
    taking part as the page shows them (the service decides again under the event's lock)."""
    if event.is_hybrid:  # free places per way of taking part: only a hybrid event asks
        places = places or page_places.page_places(event, person.organisation)
    return RegistrationForm(
        data,
        event=event,
        person=person,
        # Counted only for a label: a valid submit without side programme shows none.
        free_places=lambda: page_places.page_item_free_places(event),
        mode_places=places.free_by_mode(event) if event.is_hybrid else {},
    )


CHOSEN_ITEMS = "registrations/includes/chosen_items.html"


def chosen_items(choices) -> SafeString:
    """The side programme in a registration's summary (`{% chosen_items %}`)."""
    return render_to_string(CHOSEN_ITEMS, {"choices": choices})
