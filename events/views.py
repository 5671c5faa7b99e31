import functools

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.flatpages.models import FlatPage
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.template import Context
from django.template.context_processors import csrf
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from .cache import cached_page
from .ics import build_calendar, build_feed, content_type
from .jsonld import event_jsonld
from .languages import first_text
from .models import Event, EventChange, Material, Series
from .pdf import programme_filename, programme_pdf
from .selectors import (
    event_for_page,
    programme_days,
    published_event,
    related_events,
    series_with_events,
)
from .seo import absolute_url, site_domain


def _page_name(request) -> str:
    # Absolute URLs in the page (JSON-LD) depend on host and scheme.
    return f"{request.scheme}://{request.get_host()}{request.path}"


@require_safe
def event_list(request):
    def render_page():
        events = Event.objects.published().select_related("series")
        today = timezone.localdate()
        feed_path = reverse("events:feed")
        return render(
            request,
            "events/event_list.html",
            {
                "upcoming": events.upcoming(today),
                "past": events.past(today),
                "feed_url": feed_path,
                "webcal_url": f"webcal://{site_domain()}{feed_path}",
            },
        )

    return cached_page(request, _page_name(request), render_page)


def _get_event(slug: str) -> Event:
    try:
        return event_for_page(slug=slug)
    except Event.DoesNotExist as exc:
        raise Http404 from exc


@require_safe
def event_detail(request, slug):
    return cached_page(
        request,
        _page_name(request),
        lambda: _render_detail(request, slug),
        personal=lambda: _personal_parts(request, slug),
    )


def _personal_parts(request, slug) -> dict[str, str]:
    """What differs on the page for a signed-in visitor: the navigation and the registration
    box, rendered alone (events/cache.py puts them into the shared rest of the page)."""
    event = published_event(slug=slug)
    if event is None:
        raise Http404
    # Rendered with a plain context, not the request's: the two tags need the request and
    # the CSRF token only, and the context processors cost more than the tags themselves.
    context = Context({"request": request, "event": event, **csrf(request)})
    return {
        "nav": _template("registrations/includes/nav.html").render(context),
        "registration-box": _template("events/includes/registration_box.html").render(context),
    }


@functools.cache
def _template(name: str):
    """The Django template behind the engine's wrapper (which would build a RequestContext)."""
    return get_template(name).template


def _render_detail(request, slug):
    event = _get_event(slug)
    changes = list(event.changes.all())
    date_changes = [c for c in changes if c.kind == EventChange.Kind.RESCHEDULED]
    url = absolute_url(event.get_absolute_url())
    image_url = absolute_url(event.image.url) if event.image else ""
    jsonld = event_jsonld(event, url=url, changes=changes, image_url=image_url)
    replacement = getattr(event, "replacement", None)
    # The first summary text in the page's language, else the German one (marked lang="de").
    description_field = first_text(event, ["teaser", "subtitle", "lead_theme", "title"])
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "date_changes": date_changes,
            "replacement": replacement if replacement and replacement.published else None,
            "replaces": event.replaces if event.replaces and event.replaces.published else None,
            "related_events": related_events(event=event),
            "is_over": event.is_over(),
            "materials": [m for m in event.page_materials if m.is_public],
            "participant_materials": any(not m.is_public for m in event.page_materials),
            "programme_days": programme_days(event=event),
            "jsonld": jsonld,
            "image_url": image_url,
            # None only when the event has no text at all in any language of the page.
            "description": Truncator(getattr(event, description_field or "title")).chars(300),
            "description_field": description_field,
        },
    )


@require_safe
def event_ics(request, slug):
    event = _get_event(slug)
    url = absolute_url(event.get_absolute_url())
    response = HttpResponse(build_calendar(event, url=url), content_type=content_type())
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


@require_safe
def event_programme_pdf(request, slug):
    """The programme as a PDF to print, in the page's language; 404 without a programme."""
    event = _get_event(slug)
    days = programme_days(event=event)
    if not days:
        raise Http404
    response = HttpResponse(programme_pdf(event=event, days=days), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{programme_filename(event)}"'
    return response


@require_safe
def events_feed(request):
    """Every published event as one calendar to subscribe to (webcal:), updated as events
    change."""
    events = (
        Event.objects.published().prefetch_related("days", "contacts").order_by("created_at", "pk")
    )
    content = build_feed(events, url_for=lambda e: absolute_url(e.get_absolute_url()))
    response = HttpResponse(content, content_type=content_type())
    response["Content-Disposition"] = 'inline; filename="veranstaltungen.ics"'
    return response


SITE_PAGES = {"imprint": "impressum", "privacy": "datenschutz", "accessibility": "barrierefreiheit"}


@require_safe
def site_page(request, key):
    """Imprint, privacy notice, accessibility statement: flat pages staff edit in the admin.

    The German page lives at /<slug>/, its English version at /en/<slug>/.
    """
    slug = SITE_PAGES[key]
    lang = get_language()
    urls = [f"/{slug}/"] if lang == settings.LANGUAGE_CODE else [f"/{lang}/{slug}/", f"/{slug}/"]
    pages = {p.url: p for p in FlatPage.objects.filter(url__in=urls, sites=settings.SITE_ID)}
    page = next((pages[u] for u in urls if u in pages), None)
    if page is None:
        raise Http404
    return render(request, "flatpages/default.html", {"flatpage": page})


PUBLIC_MATERIAL_MAX_AGE = 60 * 60


def material_response(material: Material, *, private: bool) -> FileResponse:
    """The stored file as a download: never shown inline (an image or PDF cannot run in this
    site's origin), with the type it was checked to be, for the browser alone when
    `private`."""
    response = FileResponse(
        material.file.open("rb"),
        as_attachment=True,
        filename=material.filename,
        content_type=material.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    if private:
        patch_cache_control(response, private=True, no_store=True)
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MATERIAL_MAX_AGE)
    return response


@require_safe
def material_download(request, slug, key):
    """A public material of a published event; participants-only files are not found here."""
    material = (
        Material.objects.public()
        .select_related("event")
        .filter(event__slug=slug, event__published=True, key=key)
        .first()
    )
    if material is None:
        raise Http404
    return material_response(material, private=False)


@require_safe
@staff_member_required
def staff_material_file(request, key, filename):
    """The admin's link to a material's current file (the materials storage's URL points
    here): public or participants-only, for staff who may view materials."""
    if not request.user.has_perm("events.view_material"):
        raise PermissionDenied
    material = Material.objects.filter(key=key).first()
    if material is None:
        raise Http404
    return material_response(material, private=True)


@require_safe
def series_detail(request, pk):
    def render_page():
        try:
            series, events = series_with_events(pk=pk)
        except Series.DoesNotExist as exc:
            raise Http404 from exc
        return render(request, "events/series_detail.html", {"series": series, "events": events})

    return cached_page(request, _page_name(request), render_page)
