"""Proof of erasure (DSGVO Art. 17): when, why and by whom; never whose."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
