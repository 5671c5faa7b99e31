"""The manage page (`/anmeldung/<token>/`) as it is answered: its forms, and, for a plain GET,
the page shared between registrants in the same state.

Most of the page is the same for everyone whose registration is in the same state: the
event (under the public version, which every change to an event or its parts bumps), the
status, the side programme ticks and free places, which sections and forms show. The page
is rendered once per such state (`state_key`) with slots for everything of the person's own
— name, function, organisation, address, notes and needs, their link, the join details, the
CSRF token, and their answers: which side programme they chose, their diet, who may see them,
their salutation — and filled in per request, escaped as the template escapes them, in one
pass (a value that looks like a slot is never filled in again). Whether a person gave a value
is no part of the state either: a slot stands for all a value changes (a form field's whole
`value` attribute, the ", function" after the name). The shared copy holds nothing personal;
the answer stays `private, no-store`. A form sent back with errors, a waiting message or a
query string gets the page rendered in full.
"""

import copy
import hashlib
import re
from types import SimpleNamespace

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import get_language

from events.cache import public_version, shares_skeleton, versioned
from events.ics import OnlineAccess

from .forms import RegistrationDetailsForm
from .mail.render import online_access
from .manage_forms import CorrectDetailsForm, EmailChangeForm, SubstituteForm
from .page_parts import chosen_items
from .pages import programme_choices
from .selectors import capacity, certificates, deadlines, materials, page_places, registering
from .tokens import manage_tokens

TEMPLATE = "registrations/registration_manage.html"

# The forms' own slots (`form_html.VALUE_SLOT`) and the page's share one pattern, so one
# pass fills them all. The slug a manage link's token is matches the slot too, so a slotted
# link still resolves and reverses.
SLOT = "personal-value-slot-{}-"
SLOT_PATTERN = re.compile(r"personal-value-slot-(\w+?)-")
# The ", function" after the name in the summary: there or not, one slot.
FUNCTION_PART = ", " + SLOT.format("page_function")


def chosen(registration) -> list:
    """The side programme choices the page shows: the active ones."""
    return [c for c in programme_choices(registration) if c.is_active]


def details_initial(registration) -> dict:
    """What the details form starts with: the registration's own answers."""
    return {
        "programme_items": [str(c.item_id) for c in chosen(registration)],
        "diet": registration.diet,
        "diet_notes": registration.diet_notes,
        "accessibility_needs": registration.accessibility_needs,
        "visibility": registration.visibility,
        "message": registration.message,
    }


def person_initial(registration) -> dict:
    """What the form for correcting one's details starts with."""
    names = ("salutation", "academic_title", "first_name", "last_name", "function")
    return {name: getattr(registration, name) for name in names}


def details_form(registration, data=None, free_places=None) -> RegistrationDetailsForm:
    event = registration.event
    if free_places is None:
        free_places = capacity.event_item_free_places(event)
    form = RegistrationDetailsForm(
        data, event=event, free_places=free_places, initial=details_initial(registration)
    )
    form.helper.inputs[0].name = "save"
    return form


def manage_forms(registration, token: str, bound: dict, free_places=None) -> dict:
    """The manage page's forms, unbound unless given in `bound`; each posts to its address."""
    forms = {
        "details_form": bound.get("details_form") or details_form(registration, None, free_places),
        "correct_form": bound.get("correct_form")
        or CorrectDetailsForm(initial=person_initial(registration)),
        "email_form": bound.get("email_form") or EmailChangeForm(),
        "substitute_form": bound.get("substitute_form") or SubstituteForm(),
    }
    # Explicit actions: the page may be the answer to another form's address.
    for key, view in (
        ("details_form", "manage"),
        ("correct_form", "manage_correct"),
        ("email_form", "manage_email"),
        ("substitute_form", "manage_substitute"),
    ):
        forms[key].helper.form_action = reverse(f"registrations:{view}", kwargs={"token": token})
    return forms


def page_context(registration, token: str, *, bound=None, refusals=(), free_places=None):
    event = registration.event
    forms = manage_forms(registration, token, bound or {}, free_places)
    failed = next((f for f in forms.values() if f.errors), None)
    return {
        "registration": registration,
        "event": event,
        "choices": chosen(registration),
        "form": failed or forms["details_form"],
        **forms,
        "manage_path": reverse("registrations:manage", kwargs={"token": token}),
        "link_token": manage_tokens.make_token(registration),
        "can_change": deadlines.can_change(registration),
        "deadline": deadlines.change_deadline(event),
        "colleague_domains": registering.representative_domains(registration.registered_by),
        "refusals": list(refusals),
        "materials": materials.registration_materials(registration),
        "certificate_available": certificates.certificate_available(registration),
        "online_access": online_access(registration),
    }, failed


def manage_page(request, registration, token: str, *, bound=None, refusals=()):
    """The manage page; `bound`: a form that was sent, with its errors. The error summary and
    the page title speak of the form that failed (`form`), the details form otherwise."""
    if not bound and not refusals and shares_skeleton(request):
        return _shared_page(request, registration, token)
    context, failed = page_context(registration, token, bound=bound, refusals=refusals)
    return render(request, TEMPLATE, context, status=400 if refusals or failed else 200)


def state_key(request, registration, free_places: dict) -> str:
    """A digest of everything the page shows that is not the person's own (their answers,
    and whether they gave one, are slots)."""
    event = registration.event
    access = online_access(registration)
    state = (
        getattr(registration, "public_version", None) or public_version(),
        get_language(),
        request.get_host(),
        bool(getattr(request, "contact_person", None)),
        event.pk,
        registration.status,
        registration.participation,
        registration.is_representative,
        registration.reconfirmation,
        tuple(sorted(free_places.items())),
        deadlines.can_change(registration),
        certificates.certificate_available(registration),
        materials.registration_may_download(registration),
        access and (bool(access.join_url), bool(access.dial_in)),
    )
    return "manage-page:" + hashlib.sha256(repr(state).encode()).hexdigest()


def _shared_page(request, registration, token: str) -> HttpResponse:
    # As the event page counts them: under the public version, a copy in each process.
    free_places = page_places.page_item_free_places(registration.event)
    key = state_key(request, registration, free_places)
    page = versioned.get(key)
    if page is None:
        page = _render_shared(request, registration, token, free_places)
        versioned.set(key, page, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
    values = _personal_values(request, registration, token)
    return HttpResponse(SLOT_PATTERN.sub(lambda m: values.get(m.group(1), m.group(0)), page))


class _SlottedRegistration:
    """The registration as the shared page sees it: its state, with slots for its person."""

    def __init__(self, registration):
        self._registration = registration

    def __getattr__(self, name):
        return getattr(self._registration, name)

    full_name = SLOT.format("page_name")
    email = SLOT.format("page_email")
    waiting_position = SLOT.format("page_waiting_position")
    organisation = SimpleNamespace(name=SLOT.format("page_organisation"))
    function = SLOT.format("page_function")  # with the ", " before it (FUNCTION_PART)


def _render_shared(request, registration, token: str, free_places) -> str:
    path_token = SLOT.format("page_path_token")
    context, _failed = page_context(registration, path_token, free_places=free_places)
    access = context["online_access"]
    context.update(
        registration=_SlottedRegistration(registration),
        choices=SLOT.format("page_choices"),
        link_token=SLOT.format("page_link_token"),
        colleague_domains=[SLOT.format("page_domains")],
        csrf_token=SLOT.format("page_csrf"),
        keep_value_slots=True,  # {% form_html %} leaves the forms' own slots to be filled here
        online_access=access
        and OnlineAccess(
            join_url=SLOT.format("page_join_url") if access.join_url else "",
            dial_in=SLOT.format("page_dial_in") if access.dial_in else "",
        ),
    )
    # The language links are made from the request's path, which holds the link.
    shadow = copy.copy(request)
    shadow.path = request.path.replace(token, path_token)
    shadow.path_info = request.path_info.replace(token, path_token)
    page = render_to_string(TEMPLATE, context, request=shadow)
    if page.count(FUNCTION_PART) != 1 or page.count(context["registration"].function) != 1:
        raise ValueError("The manage page shows the function elsewhere than after the name.")
    return page.replace(FUNCTION_PART, SLOT.format("page_function"))


def _personal_values(request, registration, token: str) -> dict[str, str]:
    """What fills the slots, escaped as the template escapes it."""
    access = online_access(registration)
    domains = registering.representative_domains(registration.registered_by)
    items = [str(item.pk) for item in registration.event.programme_items.all()]
    values = {
        **RegistrationDetailsForm.slot_values(
            details_initial(registration), options={"programme_items": items}
        ),
        **CorrectDetailsForm.slot_values(person_initial(registration)),
    }
    function = registration.function
    values.update(
        page_csrf=escape(get_token(request)),
        page_path_token=escape(token),
        page_link_token=escape(manage_tokens.make_token(registration)),
        page_name=escape(registration.full_name),
        page_function=", " + escape(function) if function else "",
        page_choices=_chosen_items(registration),
        page_organisation=escape(registration.organisation.name),
        page_email=escape(registration.email),
        page_domains=", ".join(escape(d) for d in domains),
    )
    if registration.status == registration.Status.WAITING:
        values["page_waiting_position"] = escape(registration.waiting_position())
    if access:
        values["page_join_url"] = escape(access.join_url)
        values["page_dial_in"] = linebreaksbr(access.dial_in, autoescape=True)
    return values


def _chosen_items(registration) -> str:
    """The side programme in the summary, kept per set of choices under the version the
    registration was read with (the items' titles change with it)."""
    choices = chosen(registration)
    if not choices:
        return ""
    state = (
        getattr(registration, "public_version", None) or public_version(),
        get_language(),
        registration.event.pk,
        [(c.item_id, c.status) for c in choices],
    )
    key = "manage-chosen:" + hashlib.sha256(repr(state).encode()).hexdigest()
    html = versioned.get(key)
    if html is None:
        html = chosen_items(choices)
        versioned.set(key, html, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
    return html
