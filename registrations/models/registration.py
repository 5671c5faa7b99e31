"""A registration for an event, its side programme choices, and attendance on site."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from events.models import Event, ProgrammeItem

from ..audit import History
from ..text import fold_for_search, full_name, normalise_email
from .directory import ContactPerson, MemberOrganisation, Salutation


def _manage_token() -> str:
    """The plain manage token of before migration 0007 (still named by migration 0001)."""
    return secrets.token_urlsafe(32)


def _manage_nonce() -> str:
    return secrets.token_urlsafe(16)


ONLINE_PARTICIPATION = Q(event__attendance_mode=Event.AttendanceMode.ONLINE) | Q(
    event__attendance_mode=Event.AttendanceMode.HYBRID, participation="online"
)


class RegistrationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Registration.ACTIVE)

    def confirmed(self):
        return self.filter(status=Registration.Status.CONFIRMED)

    def waiting(self):
        return self.filter(status=Registration.Status.WAITING)

    def online_participants(self):
        """Who takes part online: everyone at an online event, those who chose so at a hybrid
        one (at an in-person event nobody, whatever a registration once said)."""
        return self.filter(ONLINE_PARTICIPATION)

    def on_site(self):
        """Who comes to the venue: catering, badges and sign-in sheets count these only."""
        return self.exclude(ONLINE_PARTICIPATION)


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

    class Participation(models.TextChoices):
        # How a registrant of a hybrid event takes part; elsewhere the event's mode decides.
        IN_PERSON = "in_person", _("in person")
        ONLINE = "online", _("online")

    ACTIVE = (Status.CONFIRMED, Status.WAITING)

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("event")
    )
    participation = models.CharField(
        _("takes part"),
        max_length=10,
        choices=Participation.choices,
        default=Participation.IN_PERSON,
        help_text=_("Hybrid events: in person or online, each with its own places."),
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
    # Name and address folded by text.fold_for_search: search that ignores accents and case.
    search_name = models.CharField(max_length=500, blank=True, default="", editable=False)

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
    # The manage link is derived from the nonce with SECRET_KEY (registrations.tokens); the
    # row holds no working link. Links from before hashing are found by their digest.
    manage_nonce = models.CharField(
        _("manage link nonce"), max_length=32, default=_manage_nonce, editable=False
    )
    manage_token_hash = models.CharField(
        _("manage link digest (older links)"),
        max_length=64,
        blank=True,
        default="",
        editable=False,
        db_index=True,
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
    history = History(excluded_fields=["manage_nonce", "manage_token_hash", "reminder_sent_at"])

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
                condition=Q(participation__in=["in_person", "online"]),
                name="registration_participation_valid",
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
        self.email = normalise_email(self.email)
        self.search_name = self.search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def search_text(self) -> str:
        if self.anonymised_at is not None:
            return ""
        return fold_for_search(f"{self.first_name} {self.last_name} {self.email}")

    @property
    def full_name(self) -> str:
        return self.name_shown(
            self.academic_title, self.first_name, self.last_name, self.anonymised_at
        )

    @staticmethod
    def name_shown(academic_title: str, first_name: str, last_name: str, anonymised_at) -> str:
        """The registrant's name as pages show it, also for rows read as plain values."""
        if anonymised_at is not None:
            return str(_("(anonymised)"))
        return full_name(academic_title, first_name, last_name)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def takes_part_online(self) -> bool:
        mode = self.event.attendance_mode
        return mode == Event.AttendanceMode.ONLINE or (
            mode == Event.AttendanceMode.HYBRID and self.participation == self.Participation.ONLINE
        )

    @property
    def participation_label(self) -> str:
        """How the person takes part, as the event's mode and their choice say."""
        mode = self.Participation.ONLINE if self.takes_part_online else self.Participation.IN_PERSON
        return str(mode.label)

    @property
    def may_join_online(self) -> bool:
        """The join link and dial-in details are for confirmed online participants only: not
        for those waiting, nor for those who come to the venue."""
        return self.status == self.Status.CONFIRMED and self.takes_part_online

    def waiting_position(self) -> int | None:
        """1 for the first on the waiting list (at a hybrid event: of the person's mode);
        None unless waiting."""
        if self.status != self.Status.WAITING:
            return None
        ahead = Registration.objects.filter(
            event_id=self.event_id, status=self.Status.WAITING
        ).filter(Q(created_at__lt=self.created_at) | Q(created_at=self.created_at, pk__lt=self.pk))
        if self.event.is_hybrid:
            ahead = ahead.filter(participation=self.participation)
        return ahead.count() + 1


class ProgrammeChoiceQuerySet(models.QuerySet):
    def active(self):
        """Choices that hold a place or wait for one; a cancelled choice is history."""
        return self.filter(status__in=ProgrammeChoice.ACTIVE)


class ProgrammeChoice(models.Model):
    """A registrant's place on a side programme item, with its own waiting list."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITING = "waiting", _("waiting list")
        CANCELLED = "cancelled", pgettext_lazy("registration status", "cancelled")

    ACTIVE = (Status.CONFIRMED, Status.WAITING)

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
    objects = ProgrammeChoiceQuerySet.as_manager()

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

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


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
