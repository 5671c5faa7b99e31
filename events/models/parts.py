"""What belongs to an event: its history of changes, side programme and organiser contacts."""

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .event import Event


class EventChange(models.Model):
    """One change of an event's status or dates, with its public notice: the event's history."""

    class Kind(models.TextChoices):
        POSTPONED = "postponed", _("postponed")
        RESCHEDULED = "rescheduled", _("rescheduled")
        CANCELLED = "cancelled", _("cancelled")
        REPLACED = "replaced", _("replacement event created")
        MOVED_ONLINE = "moved_online", _("moved online")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="changes", verbose_name=_("event")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    previous_status = models.CharField(_("previous status"), max_length=20)
    previous_days = models.JSONField(_("previous days"), default=list, blank=True)
    new_days = models.JSONField(_("new days"), default=list, blank=True)
    notice = models.TextField(_("public notice"), blank=True)
    created_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("event change")
        verbose_name_plural = _("event changes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=["postponed", "rescheduled", "cancelled", "replaced", "moved_online"]
                ),
                name="event_change_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.event}: {self.get_kind_display()}"

    @staticmethod
    def _dates(days: list[dict]) -> list[date]:
        return [date.fromisoformat(d["date"]) for d in days]

    @property
    def previous_dates(self) -> list[date]:
        return self._dates(self.previous_days)

    @property
    def new_dates(self) -> list[date]:
        return self._dates(self.new_days)


class ProgrammeItem(models.Model):
    """An item of the side programme ("Rahmenprogramm")."""

    class Kind(models.TextChoices):
        RECEPTION = "reception", _("evening reception")
        SITE_VISIT = "site_visit", _("site visit (Lokaltermin)")
        EXCURSION = "excursion", _("excursion")
        OTHER = "other", _("other")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="programme_items", verbose_name=_("event")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty means no limit.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("side programme item")
        verbose_name_plural = _("side programme")
        ordering = ["position", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["reception", "site_visit", "excursion", "other"]),
                name="programme_item_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(starts_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="programme_item_ends_after_start",
                violation_error_message=_("An item must end after it starts."),
            ),
        ]

    def __str__(self):
        return self.title


class OrganiserContact(models.Model):
    """A person in the "Organisation" box of an event page."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("event")
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("organiser contact")
        verbose_name_plural = _("organiser contacts")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name
