"""Certificates of attendance ("Teilnahmebescheinigung"): what was certified, and its code."""

import secrets
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .registration import Registration

# No 0/O, 1/I/L: a code read off paper and typed in cannot be mistyped into another one.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 31^10 ≈ 8 · 10^14 codes; with the page's rate limit, none can be guessed


def certificate_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Certificate(models.Model):
    """One per registration. What the certificate says is kept as issued (a snapshot), so the
    PDF, the mail and the verification page agree, also after later edits; staff reissue it
    after a correction, which keeps the code (the code then confirms the corrected data)."""

    registration = models.OneToOneField(
        Registration,
        on_delete=models.CASCADE,
        related_name="certificate",
        verbose_name=_("registration"),
    )
    code = models.CharField(
        _("verification code"),
        max_length=CODE_LENGTH,
        unique=True,
        default=certificate_code,
        editable=False,
    )
    name = models.CharField(_("name"), max_length=300)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    days = models.JSONField(
        _("days attended"),
        default=list,
        help_text=_("Each day attended with the programme's start and end time."),
    )
    minutes = models.PositiveIntegerField(_("programme time (minutes)"), default=0)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    sent_at = models.DateTimeField(_("sent by mail at"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate of attendance")
        verbose_name_plural = _("certificates of attendance")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$"),
                name="certificate_code_format",
            ),
        ]

    def __str__(self):
        return f"{self.name} – {self.display_code}"

    @property
    def display_code(self) -> str:
        """Grouped for reading aloud and typing: ABCDE-FGHJK."""
        half = CODE_LENGTH // 2
        return f"{self.code[:half]}-{self.code[half:]}"

    @property
    def hours(self) -> Decimal:
        """The programme time in hours, as short as exact: 8, 10.5, 7.25."""
        hours = (Decimal(self.minutes) / 60).quantize(Decimal("0.01"))
        return hours.to_integral() if hours == hours.to_integral() else hours.normalize()
