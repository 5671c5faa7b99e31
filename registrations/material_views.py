"""Participants-only materials: streamed to confirmed registrants only, through their manage
link or when signed in. The URL holds the material's random key besides the access check, so
a file is never found by counting, and the answer is never cached by anyone but the browser.
"""

from django.http import Http404
from django.views.decorators.http import require_safe

from events.models import Event
from events.views import material_response

from .pages import personal, registration_by_token
from .selectors import materials


@personal
@require_safe
def manage_material(request, token, key):
    """Any material of the registration's event, for a confirmed registration's link."""
    registration = registration_by_token(token)
    if not materials.registration_may_download(registration):
        raise Http404
    material = materials.event_material(event=registration.event, key=key)
    if material is None:
        raise Http404
    return material_response(material, private=True)


@personal
@require_safe
def participant_material(request, slug, key):
    """The same for a signed-in contact person confirmed for the event (or who registered
    someone confirmed); anyone else is told nothing (404), not even that the file exists."""
    event = Event.objects.filter(slug=slug, published=True).first()
    if event is None or not materials.person_may_download(event, request.contact_person):
        raise Http404
    material = materials.event_material(event=event, key=key)
    if material is None:
        raise Http404
    return material_response(material, private=True)
