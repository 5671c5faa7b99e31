"""Pages a registrant reaches through their personal link besides the manage page itself.

Kept apart from `views.py` so that module stays one concern in size; the same rules apply:
the secret link is the key, the answer is private and never stored.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from events.ics import build_calendar
from events.ics import content_type as ics_content_type
from events.models import Event
from events.seo import absolute_url

from . import services
from .mail.render import online_access
from .models import Registration
from .pages import personal, registration_by_token
from .selectors import directory
from .tokens import manage_tokens


@personal
def manage_participants(request, token):
    """The participant list for a confirmed registrant who has no sign-in of their own, such
    as a representative: the same list, the same rule of who appears on it."""
    registration = registration_by_token(token)
    if not directory.registration_may_see_participants(registration):
        raise Http404
    event = registration.event
    return render(
        request,
        "registrations/participant_list.html",
        {
            "event": event,
            "people": directory.participant_directory(event),
            "manage_url": reverse(
                "registrations:manage", kwargs={"token": manage_tokens.make_token(registration)}
            ),
        },
    )


@personal
def manage_ics(request, token):
    registration = registration_by_token(token)
    if registration.status != Registration.Status.CONFIRMED:
        raise Http404  # a waiting place is no date to put in a calendar yet
    event = registration.event
    content = build_calendar(
        event, url=absolute_url(event.get_absolute_url()), online=online_access(registration)
    )
    response = HttpResponse(content, content_type=ics_content_type())
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


@personal
@require_http_methods(["GET", "HEAD", "POST"])
def carry_over(request, token):
    """From the invitation to a replacement event: one click carries the registration over."""
    registration = registration_by_token(token)
    replacement = Event.objects.filter(replaces_id=registration.event_id, published=True).first()
    if replacement is None:
        raise Http404
    existing = Registration.objects.filter(carried_over_from=registration).first()
    if request.method == "POST" and existing is None:
        try:
            new = services.registration_carry_over(registration=registration)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            return redirect("registrations:done", token=manage_tokens.make_token(new))
    return render(
        request,
        "registrations/registration_carry_over.html",
        {"registration": registration, "replacement": replacement, "existing": existing},
    )
