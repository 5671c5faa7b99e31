"""Invitations: the meeting asked of each active contact person of a member organisation, and
what they answered."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from events.models import Event

from .directory import ContactPerson


class InvitationQuerySet(models.QuerySet):
    def unanswered(self):
        return self.filter(status=Invitation.Status.INVITED)


class Invitation(models.Model):
    """One contact person invited to one event ("Einladung"); at most one per person and event,
    so inviting again never mails anyone twice."""

    class Status(models.TextChoices):
        INVITED = "invited", _("no answer yet")
        DECLINED = "declined", _("declined")
        REGISTERED = "registered", _("registered")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("event")
    )
    contact_person = models.ForeignKey(
        ContactPerson,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("contact person"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.INVITED
    )
    invited_at = models.DateTimeField(_("invited at"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    # A colleague the person suggests instead: shown to staff, never mailed by the app (the
    # address is not in the directory until staff add it).
    colleague_name = models.CharField(_("suggested colleague"), max_length=200, blank=True)
    colleague_email = models.EmailField(_("e-mail of the colleague"), max_length=254, blank=True)
    colleague_note = models.TextField(_("note"), max_length=1000, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["invited_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "contact_person"], name="invitation_once_per_person_and_event"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["invited", "declined", "registered"]),
                name="invitation_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | Q(declined_at__isnull=False),
                name="invitation_declined_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.contact_person} → {self.event}"


class InvitationSchedule(models.Model):
    """When the reminder to those who have not answered goes out, per event."""

    event = models.OneToOneField(
        Event,
        on_delete=models.CASCADE,
        related_name="invitation_schedule",
        verbose_name=_("event"),
    )
    reminder_days_before_close = models.PositiveSmallIntegerField(
        _("reminder days before registration closes"),
        null=True,
        blank=True,
        help_text=_("Empty: no automatic reminder to those invited who have not answered."),
    )

    class Meta:
        verbose_name = _("invitation schedule")
        verbose_name_plural = _("invitation schedules")

    def __str__(self):
        return str(self.event)
