"""Sign-in links and manage links, made and checked as `django.contrib.auth.tokens` does.

Sign-in links for contact persons:

Nothing is stored: the link is a signed, timestamped value. What it signs decides when it
stops working, so the signature covers
- the person's id: a link signs in exactly one person;
- the time of their last sign-in: signing in changes it, so a link works once;
- their session epoch: "sign out everywhere" raises it, so links requested before are void.
The signature uses SECRET_KEY, so a database dump reveals no working link.
"""

import base64
import hashlib

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from .models import ContactPerson, Invitation, Registration


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


class ManageLinkTokenGenerator:
    """The token in a registration's manage link ("/anmeldung/<token>/"), never stored.

    The token is `<registration pk>-<HMAC-SHA256(SECRET_KEY, pk and the row's random nonce)>`.
    The row holds only the nonce, so a database dump (or a backup, or a log of queries)
    reveals no working link; the worker can still derive the token when it renders a mail
    long after the registration was made. The HMAC covers
    - the pk: a token opens exactly one registration, found by its primary key, and the MAC
      is then compared in constant time (no look-up by a secret column whose index timing
      could leak a prefix);
    - the nonce: 128 random bits per registration, so knowing the key alone (or a pk) does not
      make a link, and a new nonce voids every link mailed before;
    - SECRET_KEY: replacing it voids every manage link.
    Links mailed before tokens were hashed (migration 0007) hold a random token whose SHA-256
    digest is stored in `manage_token_hash`; they keep working, found by that digest.
    """

    key_salt = "registrations.manage-link"

    def make_token(self, registration: Registration) -> str:
        return f"{registration.pk}-{self._mac(registration.pk, registration.manage_nonce)}"

    def _mac(self, pk, nonce: str) -> str:
        digest = salted_hmac(self.key_salt, f"manage:{pk}:{nonce}", algorithm="sha256").digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def registration_for(self, token: str, queryset=None, by_pk=None) -> Registration | None:
        """The registration the token opens (from `queryset`, or `by_pk(pk)` where given:
        a faster read of the same registration), or None."""
        queryset = Registration.objects.all() if queryset is None else queryset
        pk, dash, mac = token.partition("-")
        if dash and pk.isdigit() and len(pk) < 12:
            candidate = by_pk(int(pk)) if by_pk else queryset.filter(pk=int(pk)).first()
            if candidate and constant_time_compare(mac, self._mac(pk, candidate.manage_nonce)):
                return candidate
        return queryset.filter(manage_token_hash=legacy_token_digest(token)).first()


def legacy_token_digest(token: str) -> str:
    """How a manage token from before migration 0007 is stored: its SHA-256, hex. The token
    was 256 random bits, so a plain hash (no key) suffices and survives a new SECRET_KEY."""
    return hashlib.sha256(token.encode()).hexdigest()


manage_tokens = ManageLinkTokenGenerator()


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


class EmailChangeLinkError(ValidationError):
    """A link to confirm a new address that is expired, used, tampered with, or for a
    registration whose address changed since."""


def _invalid_email_change() -> EmailChangeLinkError:
    return EmailChangeLinkError(
        _(
            "This confirmation link is not valid or has already been used. Please enter the "
            "new address on your registration page again."
        ),
        code="invalid",
    )


class EmailChangeTokenGenerator:
    """The link in the mail that confirms a registrant's new address: signed, nothing stored.

    The signature (HMAC with SECRET_KEY, via `django.core.signing`) covers
    - the registration's id and the new address: the link sets exactly that address on
      exactly that registration, and nobody can swap in another;
    - a digest of the address the registration has now and its manage nonce: once the address
      changed (through this link or another), every such link is void, so it works once; a
      new nonce (a new manage link) voids it too. Only a digest, so the link does not tell
      the new address what the old one was;
    - the time it was made: it expires after EMAIL_CHANGE_LINK_MAX_AGE.
    """

    salt = "registrations.email-change"

    @staticmethod
    def _state(registration: Registration) -> str:
        state = f"{registration.pk}:{registration.email}:{registration.manage_nonce}"
        return salted_hmac("registrations.email-change.state", state).hexdigest()[:24]

    def make_token(self, registration: Registration, email: str) -> str:
        data = {"r": registration.pk, "e": email, "s": self._state(registration)}
        return signing.dumps(data, salt=self.salt)

    def check_token(self, token: str) -> tuple[Registration, str, str]:
        """The registration, the address the token confirms and the state it was made in
        (to check again under the row lock); raises EmailChangeLinkError."""
        try:
            data = signing.loads(token, salt=self.salt, max_age=settings.EMAIL_CHANGE_LINK_MAX_AGE)
        except signing.SignatureExpired as exc:
            raise EmailChangeLinkError(
                _(
                    "This confirmation link has expired. Please enter the new address on your "
                    "registration page again."
                ),
                code="expired",
            ) from exc
        except signing.BadSignature as exc:
            raise _invalid_email_change() from exc
        if not isinstance(data, dict) or not isinstance(data.get("e"), str):
            raise _invalid_email_change()
        registration = Registration.objects.select_related("event").filter(pk=data.get("r")).first()
        if registration is None or not self.is_current(registration, data.get("s")):
            raise _invalid_email_change()
        return registration, data["e"], data["s"]

    def is_current(self, registration: Registration, state) -> bool:
        return constant_time_compare(self._state(registration), str(state))


email_change_tokens = EmailChangeTokenGenerator()
