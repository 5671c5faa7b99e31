"""The member directory: organisations, their contact persons, and requests for access."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..audit import History
from ..text import full_name, has_ascii_mailbox, normalise_email

NON_ASCII_MAILBOX = _(
    "Letters such as “ü” before the @ cannot receive sign-in links and mails from this site. "
    "Please enter the address with plain letters (for example “mueller” for “müller”); most "
    "mail systems keep such an alias."
)


class FederalState(models.TextChoices):
    BW = "BW", "Baden-Württemberg"
    BY = "BY", "Bayern"
    BE = "BE", "Berlin"
    BB = "BB", "Brandenburg"
    HB = "HB", "Bremen"
    HH = "HH", "Hamburg"
    HE = "HE", "Hessen"
    MV = "MV", "Mecklenburg-Vorpommern"
    NI = "NI", "Niedersachsen"
    NW = "NW", "Nordrhein-Westfalen"
    RP = "RP", "Rheinland-Pfalz"
    SL = "SL", "Saarland"
    SN = "SN", "Sachsen"
    ST = "ST", "Sachsen-Anhalt"
    SH = "SH", "Schleswig-Holstein"
    TH = "TH", "Thüringen"


class Salutation(models.TextChoices):
    NONE = "", _("none")
    MS = "frau", _("Ms")
    MR = "herr", _("Mr")


class MemberOrganisationQuerySet(models.QuerySet):
    def current(self, today: date | None = None):
        today = today or timezone.localdate()
        return self.filter(
            Q(member_since__lte=today) & (Q(member_until__isnull=True) | Q(member_until__gte=today))
        )


class MemberOrganisation(models.Model):
    """A funding member of Difu ("Zuwender"): a city, district, association or planning body."""

    class Kind(models.TextChoices):
        CITY = "city", _("city or municipality")
        DISTRICT = "district", _("district")
        ASSOCIATION = "association", _("association")
        PLANNING = "planning", _("regional planning body")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CITY)
    federal_state = models.CharField(
        _("federal state"), max_length=2, choices=FederalState.choices, blank=True
    )
    member_since = models.DateField(_("member since"), default=date(2000, 1, 1))
    member_until = models.DateField(
        _("member until"), null=True, blank=True, help_text=_("Empty while the membership lasts.")
    )
    email_domains = models.CharField(
        _("e-mail domains"),
        max_length=300,
        blank=True,
        help_text=_("Optional, comma-separated, e.g. leipzig.de, stadt-leipzig.de"),
    )
    default_participants = models.PositiveSmallIntegerField(_("participants per event"), default=2)

    objects = MemberOrganisationQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("member organisation (Zuwender)")
        verbose_name_plural = _("member organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["city", "district", "association", "planning"]),
                name="member_organisation_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(member_until__isnull=True)
                | Q(member_until__gte=models.F("member_since")),
                name="member_organisation_membership_ordered",
                violation_error_message=_("Membership cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return self.name

    def is_current(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.member_since <= today and (
            self.member_until is None or self.member_until >= today
        )

    is_current.boolean = True
    is_current.short_description = _("current member")

    @property
    def domains(self) -> list[str]:
        return [d.strip().lower() for d in self.email_domains.split(",") if d.strip()]


class ContactPerson(models.Model):
    """A contact person ("Ansprechpartnerin/Ansprechpartner") or deputy of a member."""

    class Role(models.TextChoices):
        CONTACT = "contact", _("contact person")
        DEPUTY = "deputy", _("deputy")

    organisation = models.ForeignKey(
        MemberOrganisation,
        on_delete=models.PROTECT,
        related_name="contact_persons",
        verbose_name=_("member organisation"),
    )
    salutation = models.CharField(
        _("salutation"), max_length=10, choices=Salutation.choices, blank=True
    )
    academic_title = models.CharField(_("academic title"), max_length=50, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    function = models.CharField(_("function"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    # "Funktion" is `function` (the job); this is the part the person plays for Difu.
    role = models.CharField(
        pgettext_lazy("directory", "role"),
        max_length=10,
        choices=Role.choices,
        default=Role.CONTACT,
    )
    is_active = models.BooleanField(_("active"), default=True)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="de"
    )
    last_login = models.DateTimeField(_("last sign-in"), null=True, blank=True, editable=False)
    # Raised by "sign out everywhere": every session that carries an older value ends.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    history = History(excluded_fields=["last_login", "session_epoch"])

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="contact_person_email_unique_ci",
                violation_error_message=_("A contact person with this e-mail address exists."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=["contact", "deputy"]), name="contact_person_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(salutation__in=["", "frau", "herr"]),
                name="contact_person_salutation_valid",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.organisation})"

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.email and not has_ascii_mailbox(self.email):
            raise ValidationError({"email": NON_ASCII_MAILBOX})

    @property
    def full_name(self) -> str:
        if self.anonymised_at is not None:
            return str(_("(erased)"))
        return full_name(self.academic_title, self.first_name, self.last_name)

    def can_sign_in(self, today: date | None = None) -> bool:
        return self.is_active and self.organisation.is_current(today)


class AccessRequest(models.Model):
    """Someone not (yet) in the directory asks for access; staff approve or reject."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    salutation = models.CharField(
        _("salutation"), max_length=10, choices=Salutation.choices, blank=True
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), max_length=254)
    organisation = models.ForeignKey(
        MemberOrganisation,
        on_delete=models.CASCADE,
        related_name="access_requests",
        verbose_name=_("member organisation"),
    )
    function = models.CharField(_("function"), max_length=200)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    # The event the person came from, if any: news of that event (a cancellation) reaches
    # them while the request waits; news of other events does not.
    event = models.ForeignKey(
        "events.Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked about event"),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="de"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    contact_person = models.ForeignKey(
        ContactPerson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact person created"),
    )

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]),
                name="access_request_status_valid",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(status="pending"),
                name="access_request_one_pending_per_email",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name} <{self.email}>"
