"""The signed-in contact person, kept in the session (no Django user account needed)."""

from django.middleware.csrf import rotate_token
from django.utils.functional import SimpleLazyObject

from .models import ContactPerson

SESSION_KEY = "contact_person"


# The CSRF token lives in its own cookie, which a new session key leaves as it was: it is
# renewed too, so a token learnt before the sign-in (or the sign-out) is of no use after it.


def sign_in(request, person: ContactPerson) -> None:
    request.session.cycle_key()  # no session fixation
    rotate_token(request)
    request.session[SESSION_KEY] = {"id": person.pk, "epoch": person.session_epoch}
    request.contact_person = person


def sign_out(request) -> None:
    request.session.flush()
    rotate_token(request)
    request.contact_person = None


def _current(request) -> ContactPerson | None:
    data = request.session.get(SESSION_KEY)
    if not data:
        return None
    person = ContactPerson.objects.select_related("organisation").filter(pk=data.get("id")).first()
    if person is None or person.session_epoch != data.get("epoch") or not person.can_sign_in():
        request.session.pop(SESSION_KEY, None)
        return None
    return person


class ContactPersonMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.contact_person = SimpleLazyObject(lambda: _current(request))
        return self.get_response(request)
