"""The programme ("Tagesordnung") of an event: sessions per event day and their speakers.

Not the side programme (`ProgrammeItem`: reception, site visit, excursion, with places to book).
A session belongs to an `EventDay` and holds only times of day, so it moves with its day when
the event is rescheduled.

Speakers are records of this app (name, organisation, role), whether they come from a member
city or from elsewhere: the events app knows nothing of the member directory. The
registrations admin offers to copy a contact person's data into a new speaker.
"""

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .event import EventDay


class Speaker(models.Model):
    name = models.CharField(_("name"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    role = models.CharField(
        _("role or function"),
        max_length=200,
        blank=True,
        help_text=_("For example “Head of the urban planning office”."),
    )

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["name", "organisation", "pk"]

    def __str__(self):
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


class Session(models.Model):
    """One point of a day's programme: an input, a panel, a workshop, a break."""

    class Kind(models.TextChoices):
        INPUT = "input", _("input")
        PANEL = "panel", _("panel discussion")
        WORKSHOP = "workshop", _("workshop")
        BREAK = "break", _("break")
        OTHER = "other", _("other")

    day = models.ForeignKey(
        EventDay, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("day")
    )
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("short description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INPUT)
    room = models.CharField(_("room"), max_length=200, blank=True)
    speakers = models.ManyToManyField(
        Speaker,
        through="SessionSpeaker",
        related_name="sessions",
        blank=True,
        verbose_name=_("speakers"),
    )

    class Meta:
        verbose_name = _("programme session")
        verbose_name_plural = _("programme sessions")
        ordering = ["day__date", "start_time", "end_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["input", "panel", "workshop", "break", "other"]),
                name="session_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="session_ends_after_start",
                violation_error_message=_("A session must end after it starts (on the same day)."),
            ),
        ]

    def __str__(self):
        return f"{self.start_time:%H:%M} {self.title}"

    @property
    def is_break(self) -> bool:
        return self.kind == self.Kind.BREAK

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.day.date, self.start_time))

    @property
    def ends_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.day.date, self.end_time))

    @property
    def ordered_speakers(self) -> list[Speaker]:
        """The speakers in their order; uses the prefetch of `session_speakers__speaker`."""
        return [link.speaker for link in self.session_speakers.all()]


class SessionSpeaker(models.Model):
    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        related_name="session_speakers",
        verbose_name=_("session"),
    )
    speaker = models.ForeignKey(
        Speaker,
        on_delete=models.PROTECT,
        related_name="session_links",
        verbose_name=_("speaker"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("speaker of the session")
        verbose_name_plural = _("speakers of the session")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "speaker"],
                name="session_speaker_once",
                violation_error_message=_("This person already speaks in this session."),
            ),
        ]

    def __str__(self):
        return str(self.speaker)
