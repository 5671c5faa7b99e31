"""The event itself with its registration settings, and its days."""

import uuid
from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .attendance import OnlineAttendance
from .series import Series, Topic


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def with_dates(self):
        return self.annotate(
            first_date=models.Min("days__date"), last_date=models.Max("days__date")
        ).prefetch_related("days")

    def upcoming(self, today: date | None = None):
        today = today or timezone.localdate()
        return self.with_dates().filter(last_date__gte=today).order_by("first_date", "title")

    def past(self, today: date | None = None):
        today = today or timezone.localdate()
        return self.with_dates().filter(last_date__lt=today).order_by("-first_date", "title")


class RegistrationState(models.TextChoices):
    NOT_OFFERED = "not_offered", _("no registration")
    NOT_YET_OPEN = "not_yet_open", _("not yet open")
    OPEN = "open", _("open")
    WAITING_LIST = "waiting_list", _("full – waiting list open")
    FULL = "full", _("full")
    CLOSED = "closed", _("closed")
    POSTPONED = "postponed", _("paused: event postponed")
    CANCELLED = "cancelled", _("event cancelled")


class Event(OnlineAttendance):
    class Status(models.TextChoices):
        # Named after schema.org's eventStatus values.
        SCHEDULED = "scheduled", _("scheduled")
        POSTPONED = "postponed", _("postponed")
        RESCHEDULED = "rescheduled", _("rescheduled")
        CANCELLED = "cancelled", _("cancelled")

    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    series = models.ForeignKey(
        Series,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("series"),
        null=True,
        blank=True,
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    subtitle = models.CharField(_("subtitle"), max_length=300, blank=True)
    lead_theme = models.CharField(_("lead theme"), max_length=200, blank=True)
    teaser = models.TextField(
        _("introduction"),
        blank=True,
        help_text=_("The first paragraph, shown in bold above the description."),
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("Paragraphs separated by a blank line.")
    )
    audience = models.TextField(
        _("target audience"), blank=True, help_text=_('Shown under "Details".')
    )
    # No default here: a default is one language, and would fill the English column with German.
    # The admin proposes the usual sentence in both (events.admin.FEE_NOTE_PROPOSAL).
    fee_note = models.CharField(_("fee note"), max_length=300, blank=True)
    is_free = models.BooleanField(_("free of charge"), default=True)
    organiser = models.CharField(
        _("organiser"), max_length=300, default="Deutsches Institut für Urbanistik gGmbH (Difu)"
    )
    organiser_url = models.URLField(_("organiser website"), blank=True, default="https://difu.de")
    image = models.ImageField(
        _("image"),
        upload_to="events/",
        blank=True,
        help_text=_(
            "Shown on the event page and in previews when the page is shared; "
            "landscape, at least 1200 × 630 pixels."
        ),
    )
    image_alt = models.CharField(
        _("image description (alternative text)"),
        max_length=300,
        blank=True,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    venue_name = models.CharField(_("venue"), max_length=200, blank=True)
    venue_address = models.CharField(_("street address"), max_length=300, blank=True)
    venue_postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    venue_city = models.CharField(_("city"), max_length=100, blank=True)
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="events", verbose_name=_("topics")
    )
    published = models.BooleanField(_("published"), default=False)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    status_notice = models.TextField(
        _("public notice"), blank=True, help_text=_("Shown in the banner on the event page.")
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    sequence = models.PositiveIntegerField(
        _("calendar sequence"),
        default=0,
        editable=False,
        help_text=_("Raised at every date change so that calendar clients update the entry."),
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replacement",
        verbose_name=_("replaces event"),
        help_text=_('Set on a replacement event ("Ersatzveranstaltung").'),
    )

    registration_opens_at = models.DateTimeField(_("registration opens at"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(
        _("registration closes at"), null=True, blank=True
    )
    changes_close_at = models.DateTimeField(
        _("changes and cancellations until"),
        null=True,
        blank=True,
        help_text=_(
            "Until then registrants change or cancel through their personal link, after "
            "registration has closed too. Empty means until the end of the day before the "
            "first day."
        ),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty means no limit.")
    )
    waiting_list_enabled = models.BooleanField(_("waiting list"), default=True)
    participants_per_organisation = models.PositiveSmallIntegerField(
        _("participants per member organisation"),
        null=True,
        blank=True,
        help_text=_("Empty means the organisation's default applies."),
    )

    reconfirmation_deadline = models.DateTimeField(
        _("answer deadline after rescheduling"),
        null=True,
        blank=True,
        help_text=_("Registrants confirm or withdraw for the new dates until then."),
    )
    release_unanswered = models.BooleanField(
        _("release unanswered registrations after the deadline"),
        default=False,
        help_text=_(
            "If set, registrations without an answer are cancelled after the deadline and their "
            "places go to the waiting list; otherwise they are kept."
        ),
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("reminder (days before the event)"),
        null=True,
        blank=True,
        default=7,
        help_text=_("Empty: no reminder mail."),
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "postponed", "rescheduled", "cancelled"]),
                name="event_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=models.F("registration_opens_at")),
                name="event_registration_window_ordered",
                violation_error_message=_("Registration must close after it opens."),
            ),
            models.CheckConstraint(
                condition=~Q(replaces=models.F("pk")),
                name="event_not_replacing_itself",
                violation_error_message=_("An event cannot replace itself."),
            ),
            models.CheckConstraint(
                condition=Q(attendance_mode__in=["in_person", "online", "hybrid"]),
                name="event_attendance_mode_valid",
            ),
            models.CheckConstraint(
                condition=Q(image="") | ~Q(image_alt=""),
                name="event_image_has_alt_text",
                violation_error_message=_("An image needs a description (alternative text)."),
            ),
            models.CheckConstraint(
                condition=Q(attendance_mode="online") | ~Q(venue_city="") | Q(published=False),
                name="event_published_has_place",
                violation_error_message=_("A published event needs a city or must be online."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:detail", kwargs={"slug": self.slug})

    @property
    def paragraphs(self) -> list[str]:
        return [
            p.strip() for p in self.description.replace("\r\n", "\n").split("\n\n") if p.strip()
        ]

    @property
    def sorted_days(self) -> list["EventDay"]:
        # Uses the prefetch cache where there is one.
        return sorted(self.days.all(), key=lambda d: (d.date, d.start_time))

    @property
    def first_day(self):
        days = self.sorted_days
        return days[0] if days else None

    @property
    def last_day(self):
        days = self.sorted_days
        return days[-1] if days else None

    @property
    def starts_at(self) -> datetime | None:
        day = self.first_day
        return day.starts_at if day else None

    @property
    def ends_at(self) -> datetime | None:
        day = self.last_day
        return day.ends_at if day else None

    @property
    def self_service_ends_at(self) -> datetime | None:
        """When registrants' own changes and cancellations end: as set, or at the end of the
        day before the first day (23:59:59 local time), so a late cancellation still frees a
        place."""
        if self.changes_close_at:
            return self.changes_close_at
        day = self.first_day
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day.date - timedelta(days=1), time.max))

    def is_over(self, now: datetime | None = None) -> bool:
        """Its last day has ended (never for an event without days or a postponed one)."""
        ends_at = self.ends_at
        if ends_at is None or self.status == self.Status.POSTPONED:
            return False
        return (now or timezone.now()) >= ends_at

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def registration_state(
        self, *, now: datetime | None = None, is_full: bool = False
    ) -> RegistrationState:
        """Where registration stands; `is_full` comes from the registrations app's count."""
        now = now or timezone.now()
        if self.status == self.Status.CANCELLED:
            return RegistrationState.CANCELLED
        if self.status == self.Status.POSTPONED:
            return RegistrationState.POSTPONED
        if self.registration_opens_at is None:
            return RegistrationState.NOT_OFFERED
        if now < self.registration_opens_at:
            return RegistrationState.NOT_YET_OPEN
        last_day = self.last_day
        closes_at = self.registration_closes_at or (last_day.starts_at if last_day else None)
        if closes_at is not None and now >= closes_at:
            return RegistrationState.CLOSED
        if is_full:
            return (
                RegistrationState.WAITING_LIST
                if self.waiting_list_enabled
                else RegistrationState.FULL
            )
        return RegistrationState.OPEN

    @property
    def venue_line(self) -> str:
        parts = [
            self.venue_name,
            self.venue_address,
            " ".join(p for p in [self.venue_postcode, self.venue_city] if p),
        ]
        return ", ".join(p for p in parts if p)


class EventDay(models.Model):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="days", verbose_name=_("event")
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"), default=time(9, 0))
    end_time = models.TimeField(_("end time"), default=time(17, 0))

    class Meta:
        verbose_name = _("event day")
        verbose_name_plural = _("event days")
        ordering = ["date", "start_time"]
        constraints = [
            models.UniqueConstraint(fields=["event", "date"], name="event_day_unique_date"),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="event_day_ends_after_start",
                violation_error_message=_("A day must end after it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date, self.start_time))

    @property
    def ends_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date, self.end_time))

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "start_time": self.start_time.strftime("%H:%M"),
            "end_time": self.end_time.strftime("%H:%M"),
        }
