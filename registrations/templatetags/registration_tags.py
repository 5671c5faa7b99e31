from django import template

from ..models import Registration
from ..selectors import capacity
from ..selectors.directory import can_see_participants

register = template.Library()


@register.inclusion_tag("registrations/includes/registration_box.html", takes_context=True)
def registration_box(context, event):
    """The "Anmeldung" box of an event page: state, free places, the way in."""
    confirmed = capacity.confirmed_count(event)
    full = capacity.event_is_full(event, confirmed)
    request = context.get("request")
    person = getattr(request, "contact_person", None)
    mine = (
        list(
            Registration.objects.active()
            .filter(event=event, registered_by=person)
            .select_related("event")
        )
        if person
        else []
    )
    return {
        "mine": mine,
        "sees_participants": can_see_participants(event, person),
        "event": event,
        "state": event.registration_state(is_full=full),
        "free": None if event.capacity is None else max(0, event.capacity - confirmed),
        "request": context.get("request"),
    }
