import secrets
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from events.models import Event, ProgrammeItem

from .audit import History


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
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.CONTACT)
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
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        if self.anonymised_at is not None:
            return str(_("(erased)"))
        return " ".join(p for p in [self.academic_title, self.first_name, self.last_name] if p)

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


def _manage_token() -> str:
    return secrets.token_urlsafe(32)


class RegistrationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Registration.ACTIVE)

    def confirmed(self):
        return self.filter(status=Registration.Status.CONFIRMED)

    def waiting(self):
        return self.filter(status=Registration.Status.WAITING)


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITING = "waiting", _("waiting list")
        CANCELLED = "cancelled", pgettext_lazy("registration status", "cancelled")
        CANCELLED_BY_ORGANISER = "cancelled_by_organiser", _("cancelled by the organiser")

    class Diet(models.TextChoices):
        NONE = "none", _("no special diet")
        VEGETARIAN = "vegetarian", _("vegetarian")
        VEGAN = "vegan", _("vegan")
        OTHER = "other", _("other (please describe)")

    class Visibility(models.TextChoices):
        NOBODY = "nobody", _("nobody")
        PARTICIPANTS = "participants", _("other participants of this event")
        PUBLIC = "public", _("everyone (also printed on the handed-out list)")

    class Reconfirmation(models.TextChoices):
        NONE = "", _("not asked")
        PENDING = "pending", _("answer pending")
        CONFIRMED = "confirmed", _("attends on the new dates")
        WITHDRAWN = "withdrawn", _("withdrawn")

    ACTIVE = (Status.CONFIRMED, Status.WAITING)

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("event")
    )
    registered_by = models.ForeignKey(
        ContactPerson,
        on_delete=models.PROTECT,
        related_name="registrations_made",
        verbose_name=_("registered by"),
    )
    organisation = models.ForeignKey(
        MemberOrganisation,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("member organisation"),
    )
    is_representative = models.BooleanField(_("representative"), default=False)
    salutation = models.CharField(
        _("salutation"), max_length=10, choices=Salutation.choices, blank=True
    )
    academic_title = models.CharField(_("academic title"), max_length=50, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), max_length=254)
    function = models.CharField(_("function"), max_length=200, blank=True)

    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.CONFIRMED
    )
    diet = models.CharField(_("diet"), max_length=20, choices=Diet.choices, default=Diet.NONE)
    diet_notes = models.CharField(_("dietary needs, details"), max_length=300, blank=True)
    accessibility_needs = models.TextField(_("accessibility needs"), max_length=1000, blank=True)
    visibility = models.CharField(
        _("visible on the participant list to"),
        max_length=20,
        choices=Visibility.choices,
        default=Visibility.NOBODY,
    )
    message = models.TextField(_("message to the organisers"), max_length=2000, blank=True)
    privacy_acknowledged_at = models.DateTimeField(_("privacy notice acknowledged at"))
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="de"
    )
    manage_token = models.CharField(
        _("manage link token"), max_length=64, unique=True, default=_manage_token, editable=False
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    reconfirmation = models.CharField(
        _("answer to new dates"),
        max_length=10,
        choices=Reconfirmation.choices,
        blank=True,
        default=Reconfirmation.NONE,
    )
    reconfirmed_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    carried_over_from = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_over_to",
        verbose_name=_("carried over from"),
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    objects = RegistrationQuerySet.as_manager()
    # The manage token is a credential: no copies of it in the history.
    history = History(excluded_fields=["manage_token", "reminder_sent_at"])

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["confirmed", "waiting", "cancelled", "cancelled_by_organiser"]
                ),
                name="registration_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(diet__in=["none", "vegetarian", "vegan", "other"]),
                name="registration_diet_valid",
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=["nobody", "participants", "public"]),
                name="registration_visibility_valid",
            ),
            models.CheckConstraint(
                condition=Q(reconfirmation__in=["", "pending", "confirmed", "withdrawn"]),
                name="registration_reconfirmation_valid",
            ),
            # One active registration per person and event: a double click never makes two.
            models.UniqueConstraint(
                "event",
                Lower("email"),
                condition=Q(status__in=["confirmed", "waiting"]),
                name="registration_one_active_per_person",
                violation_error_message=_("This person is already registered for the event."),
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "created_at"])]
        # Staff roles (the groups come from a data migration): what goes beyond editing rows.
        permissions = [
            ("send_mail_to_registrants", _("Can send mails to registrants")),
            ("check_in", _("Can check in attendees on site")),
            ("export_registrations", _("Can export lists of registrants and the directory")),
        ]

    def __str__(self):
        return f"{self.full_name} – {self.event}"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        if self.anonymised_at is not None:
            return str(_("(anonymised)"))
        return " ".join(p for p in [self.academic_title, self.first_name, self.last_name] if p)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def waiting_position(self) -> int | None:
        """1 for the first on the event's waiting list; None unless waiting."""
        if self.status != self.Status.WAITING:
            return None
        ahead = Registration.objects.filter(
            event_id=self.event_id, status=self.Status.WAITING
        ).filter(Q(created_at__lt=self.created_at) | Q(created_at=self.created_at, pk__lt=self.pk))
        return ahead.count() + 1

    def get_manage_url(self) -> str:
        return reverse("registrations:manage", kwargs={"token": self.manage_token})


class ProgrammeChoice(models.Model):
    """A registrant's place on a side programme item, with its own waiting list."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITING = "waiting", _("waiting list")
        CANCELLED = "cancelled", pgettext_lazy("registration status", "cancelled")

    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        related_name="programme_choices",
        verbose_name=_("registration"),
    )
    item = models.ForeignKey(
        ProgrammeItem,
        on_delete=models.PROTECT,
        related_name="choices",
        verbose_name=_("side programme item"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED
    )
    created_at = models.DateTimeField(_("chosen at"), default=timezone.now)

    history = History()

    class Meta:
        verbose_name = _("side programme choice")
        verbose_name_plural = _("side programme choices")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "item"], name="programme_choice_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["confirmed", "waiting", "cancelled"]),
                name="programme_choice_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.item} – {self.registration.full_name}"


class Attendance(models.Model):
    """Checked in on site, per day."""

    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("registration"),
    )
    day = models.DateField(_("day"))
    checked_in_at = models.DateTimeField(_("checked in at"), default=timezone.now)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked in by"),
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["day", "checked_in_at"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "day"], name="attendance_once_per_day")
        ]

    def __str__(self):
        return f"{self.registration.full_name} – {self.day:%d.%m.%Y}"


class OutboxMessageQuerySet(models.QuerySet):
    def due(self, now=None):
        now = now or timezone.now()
        return self.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)


class OutboxMessage(models.Model):
    """One mail to send, written in the same transaction as the change that causes it.

    A worker task sends it; the row's status makes sending idempotent.
    """

    class Kind(models.TextChoices):
        SIGN_IN_LINK = "sign_in_link", _("sign-in link")
        ACCESS_APPROVED = "access_approved", _("access approved")
        ACCESS_REJECTED = "access_rejected", _("access rejected")
        CONFIRMATION = "confirmation", _("registration confirmation")
        PROMOTION = "promotion", _("place from the waiting list")
        ITEM_PROMOTION = "item_promotion", _("side programme place from the waiting list")
        CANCELLATION = "cancellation", _("registration cancelled")
        EVENT_POSTPONED = "event_postponed", _("event postponed")
        EVENT_RESCHEDULED = "event_rescheduled", _("event rescheduled")
        RECONFIRMATION_REMINDER = "reconfirmation_reminder", _("reminder to answer")
        EVENT_CANCELLED = "event_cancelled", _("event cancelled")
        EVENT_CANCELLED_ACCESS = "event_cancelled_access", _("event cancelled (access request)")
        REPLACEMENT_INVITATION = "replacement_invitation", _("invitation to the replacement event")
        STAFF_MESSAGE = "staff_message", _("message from the organisers")
        EVENT_REMINDER = "event_reminder", _("reminder before the event")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    recipient = models.EmailField(_("recipient"), max_length=254)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="de"
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
        verbose_name=_("event"),
    )
    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
        verbose_name=_("registration"),
    )
    access_request = models.ForeignKey(
        AccessRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
        verbose_name=_("access request"),
    )
    contact_person = models.ForeignKey(
        ContactPerson,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
        verbose_name=_("contact person"),
    )
    payload = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "failed"]),
                name="outbox_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="outbox_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"

    @property
    def message_id(self) -> str:
        """Stable Message-ID: a resent copy is recognisably the same message."""
        return f"<outbox-{self.pk}@jahrestreffen.difu.de>"


def _erasure_reference() -> str:
    return secrets.token_hex(8)


class ErasureLog(models.Model):
    """That personal data was erased or anonymised, when and by whom; never whose.

    The reference is what staff give the person who asked, as proof of the erasure.
    """

    class Reason(models.TextChoices):
        REQUEST = "request", _("erasure on request")
        RETENTION = "retention", _("retention period expired")

    reference = models.CharField(
        _("reference"), max_length=32, unique=True, default=_erasure_reference, editable=False
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    created_at = models.DateTimeField(_("erased at"), default=timezone.now)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("erased by"),
    )
    counts = models.JSONField(_("records erased or anonymised"), default=dict, blank=True)

    class Meta:
        verbose_name = _("erasure log entry")
        verbose_name_plural = _("erasure log")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=["request", "retention"]), name="erasure_log_reason_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} {self.reference}"
