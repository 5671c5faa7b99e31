"""Every mail the app sends is first a row here, written with the change that causes it."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Event

from .directory import AccessRequest, ContactPerson
from .invitation import Invitation
from .registration import Registration


class OutboxMessageQuerySet(models.QuerySet):
    def due(self, now=None):
        now = now or timezone.now()
        return self.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)

    def stuck(self, now=None):
        """Due for longer than the retry interval: the task that should have sent them was lost
        (a worker restart, a failed enqueue); the worker and `send_outbox` pick them up."""
        now = now or timezone.now()
        overdue = now - timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS)
        return self.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lt=overdue)


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
        EVENT_MOVED_ONLINE = "event_moved_online", _("event moved online")
        EVENT_CANCELLED_ACCESS = "event_cancelled_access", _("event cancelled (access request)")
        REPLACEMENT_INVITATION = "replacement_invitation", _("invitation to the replacement event")
        STAFF_MESSAGE = "staff_message", _("message from the organisers")
        EVENT_REMINDER = "event_reminder", _("reminder before the event")
        INVITATION = "invitation", _("invitation")
        INVITATION_REMINDER = "invitation_reminder", _("reminder of the invitation")
        INVITATION_CHANGED = "invitation_changed", _("event changed (invitation)")
        MANAGE_LINK = "manage_link", _("personal link sent again")
        REGISTRATION_CHANGED = "registration_changed", _("registration changed")
        REPRESENTATIVE_NOTICE = "representative_notice", _("notice about a representative")
        STAFF_NOTICE = "staff_notice", _("news for the organisers")
        CERTIFICATE = "certificate", _("certificate of attendance")
        EMAIL_CHANGE = "email_change", _("confirmation of a new e-mail address")

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
    invitation = models.ForeignKey(
        Invitation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
        verbose_name=_("invitation"),
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
