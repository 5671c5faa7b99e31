"""Pages a registrant reaches through their personal link besides the manage page itself.

Kept apart from `views.py` so that module stays one concern in size; the same rules apply:
the secret link is the key, the answer is private and never stored.
"""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from .selectors import directory
from .tokens import manage_tokens
from .views import _registration_by_token, personal


@personal
def manage_participants(request, token):
    """The participant list for a confirmed registrant who has no sign-in of their own, such
    as a representative: the same list, the same rule of who appears on it."""
    registration = _registration_by_token(token)
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
