"""The signed-in contact person, kept in the session (no Django user account needed)."""

from django.middleware.csrf import rotate_token
from django.utils.functional import SimpleLazyObject

from .models import ContactPerson
from .selectors.viewer import remember_person, signed_in_person

SESSION_KEY = "contact_person"


# The CSRF token lives in its own cookie, which a new session key leaves as it was: it is
# renewed too, so a token learnt before the sign-in (or the sign-out) is of no use after it.


def sign_in(request, person: ContactPerson) -> None:
    request.session.cycle_key()  # no session fixation
    rotate_token(request)
    request.session[SESSION_KEY] = {"id": person.pk, "epoch": person.session_epoch}
    request.contact_person = person
    remember_person(person)  # the requests that follow find it in the cache


def sign_out(request) -> None:
    request.session.flush()
    rotate_token(request)
    request.contact_person = None


def _current(request) -> ContactPerson | None:
    data = request.session.get(SESSION_KEY)
    if not data:
        return None
    person = signed_in_person(pk=data.get("id"), epoch=data.get("epoch"))
    if person is None:
        request.session.pop(SESSION_KEY, None)
        return None
    return person


class ContactPersonMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.contact_person = SimpleLazyObject(lambda: _current(request))
        return self.get_response(request)
