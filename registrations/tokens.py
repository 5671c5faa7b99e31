"""Sign-in links for contact persons, made and checked as `django.contrib.auth.tokens` does.

Nothing is stored: the link is a signed, timestamped value. What it signs decides when it
stops working, so the signature covers
- the person's id: a link signs in exactly one person;
- the time of their last sign-in: signing in changes it, so a link works once;
- their session epoch: "sign out everywhere" raises it, so links requested before are void.
The signature uses SECRET_KEY, so a database dump reveals no working link.
"""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ContactPerson, Invitation


class SignInLinkError(ValidationError):
    """A sign-in link that is expired, already used, tampered with, or for someone not eligible."""


def _invalid() -> SignInLinkError:
    return SignInLinkError(
        _("This sign-in link is not valid. Please request a new one."), code="invalid"
    )


def _used() -> SignInLinkError:
    return SignInLinkError(
        _("This sign-in link has already been used. Please request a new one."), code="used"
    )


class SignInTokenGenerator:
    salt = "registrations.sign-in"

    @staticmethod
    def _state(person: ContactPerson) -> str:
        login = person.last_login.isoformat() if person.last_login else ""
        return f"{login}|{person.session_epoch}"

    def make_token(self, person: ContactPerson) -> str:
        return signing.dumps({"p": person.pk, "l": self._state(person)}, salt=self.salt)

    def check_token(self, token: str) -> ContactPerson:
        """The person the token signs in, without using it up; raises SignInLinkError."""
        try:
            data = signing.loads(token, salt=self.salt, max_age=settings.SIGN_IN_LINK_MAX_AGE)
        except signing.SignatureExpired as exc:
            raise SignInLinkError(
                _("This sign-in link has expired. Please request a new one."), code="expired"
            ) from exc
        except signing.BadSignature as exc:
            raise _invalid() from exc
        if not isinstance(data, dict):
            raise _invalid()
        person = (
            ContactPerson.objects.select_related("organisation").filter(pk=data.get("p")).first()
        )
        if person is None or not person.can_sign_in():
            raise _invalid()
        if not self.is_current(person, data.get("l")):
            raise _used()
        return person

    def is_current(self, person: ContactPerson, state) -> bool:
        """Whether a link signed with `state` still fits the person (not used, not void)."""
        return self._state(person) == state

    def check_unchanged(self, before: ContactPerson, now: ContactPerson) -> None:
        """Raise unless the person's state is what it was when the token was checked: two
        clicks on one link, checked in parallel, sign in once."""
        if self._state(before) != self._state(now):
            raise _used()


sign_in_tokens = SignInTokenGenerator()


class InvitationLinkError(ValidationError):
    """A personal invitation link that is expired, used up, tampered with, or for someone who
    is no longer invited."""


class InvitationTokenGenerator:
    """The personal link in an invitation: signed, nothing stored, like the sign-in links.

    The signature covers the person's id and the event's id (the link opens one person's
    registration for one event) and the person's session epoch ("sign out everywhere" voids
    it). It works until registration closes, not for a fixed time; and it is used up once
    the person is registered, which the invitation row says. Someone who left the directory
    cannot use it: the check asks the directory as the sign-in link does.
    """

    salt = "registrations.invitation"

    def make_token(self, invitation: Invitation) -> str:
        person = invitation.contact_person
        return signing.dumps(
            {"p": person.pk, "e": invitation.event_id, "s": person.session_epoch}, salt=self.salt
        )

    def check_token(self, token: str, *, now=None) -> Invitation:
        """The invitation the token stands for, still usable; raises InvitationLinkError."""
        try:
            data = signing.loads(token, salt=self.salt)
        except signing.BadSignature as exc:
            raise _invalid_invitation() from exc
        if not isinstance(data, dict):
            raise _invalid_invitation()
        invitation = (
            Invitation.objects.select_related("event", "contact_person__organisation")
            .filter(contact_person_id=data.get("p"), event_id=data.get("e"))
            .first()
        )
        if invitation is None:
            raise _invalid_invitation()
        person = invitation.contact_person
        if not person.can_sign_in() or person.session_epoch != data.get("s"):
            raise _invalid_invitation()
        closes = invitation.event.registration_closes_at
        if closes is not None and (now or timezone.now()) >= closes:
            raise InvitationLinkError(
                _("Registration for this event has closed; the invitation link has expired."),
                code="expired",
            )
        if invitation.status == Invitation.Status.REGISTERED:
            raise InvitationLinkError(
                _(
                    "You are already registered for this event. Your personal link to the "
                    "registration is in the confirmation mail."
                ),
                code="used",
            )
        return invitation


def _invalid_invitation() -> InvitationLinkError:
    return InvitationLinkError(
        _("This invitation link is not valid. Please sign in with your e-mail address."),
        code="invalid",
    )


invitation_tokens = InvitationTokenGenerator()
