"""My registrations: the signed-in contact person's registrations, each with its manage link.

The page is the same for every signed-in person except for their name and organisation,
the rows and the CSRF token; a row is the same for every registration of the same event,
status and side programme except for the registrant's name and the manage link. Both are
rendered once with slots for the personal values (per language, under the public version,
which every change to an event, a registration or a choice bumps) and filled in per request:
the shared copies hold nobody's name, link or token, and the answer is `private, no-store`.
"""

from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from events.cache import public_version, shares_skeleton, versioned
from events.selectors import event_headings

from .pages import personal
from .selectors.own import OwnRegistration, own_registrations

PAGE = "registrations/registration_list.html"
ROW = "registrations/includes/own_registration_row.html"

# NUL cannot occur in a text from the database (PostgreSQL refuses it): no event title,
# name or organisation can contain a slot, so filling one in never touches another.
NAME_SLOT = "\x00name\x00"
ORGANISATION_SLOT = "\x00organisation\x00"
ROWS_SLOT = "\x00rows\x00"
CSRF_SLOT = "\x00csrf\x00"
MANAGE_URL_SLOT = "\x00manage-url\x00"
TOKEN_SLOT = "manage-token-slot"


# Stands for the signed-in person in the shared page.
SLOTTED_PERSON = SimpleNamespace(
    full_name=NAME_SLOT, organisation=SimpleNamespace(name=ORGANISATION_SLOT)
)


@personal
def my_registrations(request):
    person = request.contact_person
    if not person:
        messages.info(request, _("Please sign in first."))
        return redirect(f"{reverse('registrations:sign_in')}?next={request.path}")
    registrations = own_registrations(person)
    prefix = f"own:{public_version()}:{get_language()}:"
    page_key = f"{prefix}page:{request.get_host()}{request.path}:{bool(registrations)}"
    row_keys = [prefix + _row_key(r) for r in registrations]
    shared = shares_skeleton(request)
    keys = [*row_keys, page_key] if shared else row_keys
    found = versioned.get_many(keys) if keys and _caching() else {}
    rows = _rows(registrations, row_keys, found)
    if not shared:
        context = {"person": person, "has_registrations": bool(registrations), "rows": rows}
        return render(request, PAGE, context)
    page = found.get(page_key)
    if page is None:
        page = render_to_string(PAGE, _slotted_context(registrations), request=request)
        versioned.set(page_key, page, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
    # The rows go in before the name: the person's values last, after everything shared.
    return HttpResponse(
        page.replace(CSRF_SLOT, get_token(request))
        .replace(ROWS_SLOT, rows)
        .replace(ORGANISATION_SLOT, escape(person.organisation.name))
        .replace(NAME_SLOT, escape(person.full_name))
    )


def _caching() -> bool:
    return settings.PUBLIC_PAGE_CACHE_SECONDS > 0


def _slotted_context(registrations) -> dict:
    return {
        "person": SLOTTED_PERSON,
        "has_registrations": bool(registrations),
        "rows": mark_safe(ROWS_SLOT),  # noqa: S308 - a constant
        "csrf_token": CSRF_SLOT,
    }


def _row_key(registration: OwnRegistration) -> str:
    """Everything a row shows besides the name and the link; the event's part is fixed by
    its id under the public version and language."""
    choices = ",".join(f"{item}.{status}" for item, status, _label in registration.choices)
    return (
        f"row:{registration.event_id}:{registration.status}:{registration.is_representative:d}:"
        f"{registration.asks_reconfirmation:d}:{choices}"
    )


def _rows(registrations, keys, found) -> str:
    """The rows' HTML: the shared part from the cache (rendered where missing) with each
    row's name and manage link."""
    missing = {k: r for k, r in zip(keys, registrations, strict=True) if k not in found}
    if missing:
        rendered = _render_rows(missing)
        if _caching():
            versioned.set_many(rendered, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
        found = {**found, **rendered}
    manage_url = reverse("registrations:manage", kwargs={"token": TOKEN_SLOT})
    return mark_safe(  # noqa: S308 - rendered with autoescape, the values filled in escaped
        "".join(
            found[key]
            .replace(MANAGE_URL_SLOT, escape(manage_url.replace(TOKEN_SLOT, r.manage_token)))
            .replace(NAME_SLOT, escape(r.full_name))
            for key, r in zip(keys, registrations, strict=True)
        )
    )


def _render_rows(registrations: dict[str, OwnRegistration]) -> dict[str, str]:
    ids = {r.event_id for r in registrations.values()}
    events = event_headings(ids=ids)
    if any(
        item not in events[r.event_id]["items"]
        for r in registrations.values()
        for item, _status, _label in r.choices
    ):  # a side programme item newer than the headings (the version is bumped on commit)
        events = event_headings(ids=ids, fresh=True)
    return {key: _render_row(r, events[r.event_id]) for key, r in registrations.items()}


def _render_row(registration: OwnRegistration, event: dict) -> str:
    choices = [(*event["items"][item], label) for item, _status, label in registration.choices]
    context = {
        "event": event,
        # Nothing personal in the shared copy: the name and the link are slots.
        "registration": registration._replace(
            pk=0, manage_nonce="", full_name=NAME_SLOT, manage_token=""
        ),
        "choices": choices,
        "manage_url": MANAGE_URL_SLOT,
    }
    return render_to_string(ROW, context)
