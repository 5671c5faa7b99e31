"""Signing in by e-mail link, and signing out everywhere."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from ..mail import outbox
from ..models import ContactPerson, OutboxMessage
from ..selectors.viewer import forget_person
from ..text import normalise_email
from ..tokens import sign_in_tokens
from .ratelimit import rate_limit_check


def sign_in_token_use(*, token: str, language: str | None = None) -> ContactPerson:
    """Check the token and use it up, in one locked step so two clicks cannot both sign in."""
    with transaction.atomic():
        person = sign_in_tokens.check_token(token)
        locked = ContactPerson.objects.select_for_update().get(pk=person.pk)
        sign_in_tokens.check_unchanged(person, locked)
        locked.last_login = timezone.now()
        fields = ["last_login"]
        if language and locked.language != language:
            locked.language = language  # mail from now on in the language they signed in with
            fields.append("language")
        locked.save(update_fields=fields)
        locked.organisation = person.organisation
        return locked


def sign_in_request(*, email: str, client_ip: str, language: str) -> None:
    """Send a sign-in link if the address belongs to an eligible contact person.

    Answers the same way whether or not the address is listed, and does the same work in the
    request either way: the look-up runs in the background task, so neither the answer nor
    its timing tells whether an address is in the directory. Only the client rate limit is
    visible.
    """
    email = normalise_email(email)
    if rate_limit_check(scope="sign-in", email=email, client_ip=client_ip):
        transaction.on_commit(lambda: sign_in_link_send.enqueue(email, language))


@task()
def sign_in_link_send(email: str, language: str) -> bool:
    """Queue the sign-in mail for an eligible contact person with this address, in the
    language of the page they asked from. The person's stored language changes only when
    they sign in, so nobody can change it by asking for someone else's link."""
    person = (
        ContactPerson.objects.select_related("organisation")
        .filter(email=normalise_email(email), is_active=True)
        .first()
    )
    if person is None or not person.can_sign_in():
        return False
    # The link itself is made when the mail is sent, so no credential is stored.
    outbox.queue(
        [
            OutboxMessage(
                kind=OutboxMessage.Kind.SIGN_IN_LINK,
                recipient=person.email,
                language=language,
                contact_person=person,
            )
        ]
    )
    return True


def sign_out_everywhere(*, person: ContactPerson) -> None:
    """End every session of the person, on every device."""
    ContactPerson.objects.filter(pk=person.pk).update(session_epoch=F("session_epoch") + 1)
    forget_person(person.pk)  # an update sends no signal
