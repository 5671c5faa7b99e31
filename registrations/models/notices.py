"""What staff were already told about, so that each run of `notify_staff` lists only news."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .directory import AccessRequest
from .registration import Registration


class StaffNotice(models.Model):
    """One item (an access request, or a registrant's message) that was in a staff notice.

    A message is remembered by a digest of its text, not the text itself: when the registrant
    edits it, the new text is news again, and no copy of it outlives an erasure.
    """

    access_request = models.ForeignKey(
        AccessRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("access request"),
    )
    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registration"),
    )
    digest = models.CharField(_("message digest"), max_length=64, blank=True)
    noticed_at = models.DateTimeField(_("noticed at"), default=timezone.now)

    class Meta:
        verbose_name = _("staff notice item")
        verbose_name_plural = _("staff notice items")
        constraints = [
            models.CheckConstraint(
                condition=Q(access_request__isnull=False, registration__isnull=True)
                | Q(access_request__isnull=True, registration__isnull=False),
                name="staff_notice_one_item",
            ),
            models.UniqueConstraint(
                fields=["access_request"],
                condition=Q(access_request__isnull=False),
                name="staff_notice_access_request_once",
            ),
            models.UniqueConstraint(
                fields=["registration", "digest"],
                condition=Q(registration__isnull=False),
                name="staff_notice_message_once",
            ),
        ]

    def __str__(self):
        return f"{self.access_request_id or self.registration_id} @ {self.noticed_at:%Y-%m-%d}"
