"""Documents of an event: talks, slides, photos; public or for participants only."""

import secrets

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from ..storage import get_material_storage
from ..uploads import CONTENT_TYPES, LABELS, extension, validate_material_file
from .event import Event


def _material_key() -> str:
    """The unguessable part of a download's URL (about 144 bits)."""
    return secrets.token_urlsafe(18)


def material_upload_to(instance: "Material", filename: str) -> str:
    # The random key as folder: stored names reveal and collide with nothing.
    return f"materials/{instance.key}/{get_valid_filename(filename)[-100:]}"


class MaterialQuerySet(models.QuerySet):
    def public(self):
        return self.filter(visibility=Material.Visibility.PUBLIC)


class Material(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("public")
        PARTICIPANTS = "participants", _("participants only")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="materials", verbose_name=_("event")
    )
    title = models.CharField(_("title"), max_length=300)
    session = models.ForeignKey(
        "events.Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="materials",
        verbose_name=_("programme session"),
        help_text=_("The session of the programme the material belongs to (its talk), if any."),
    )
    session_title = models.CharField(
        _("session"),
        max_length=300,
        blank=True,
        help_text=_("The programme item the material belongs to, if any."),
    )
    file = models.FileField(
        _("file"),
        upload_to=material_upload_to,
        storage=get_material_storage,
        max_length=200,
        validators=[validate_material_file],
        help_text=_("PDF, slides (PPTX, ODP) or images (PNG, JPEG, WebP)."),
    )
    visibility = models.CharField(
        _("visible to"),
        max_length=20,
        choices=Visibility.choices,
        default=Visibility.PARTICIPANTS,
        help_text=_("Participants-only files are served only to confirmed registrants."),
    )
    key = models.CharField(
        _("download key"), max_length=32, unique=True, default=_material_key, editable=False
    )
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0, editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    objects = MaterialQuerySet.as_manager()

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility__in=["public", "participants"]),
                name="material_visibility_valid",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Bookkeeping of the stored file, so lists need not ask the storage for sizes; also
        # for a file stored first (`material.file.save(...)`, as the demo does).
        if self.file and (not self.file._committed or not self.size):
            self.size = self.file.size
        super().save(*args, **kwargs)

    @property
    def session_label(self) -> str:
        """What the material belongs to, as lists show it: the session, or the text given."""
        return self.session.title if self.session_id else self.session_title

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    @property
    def extension(self) -> str:
        return extension(self.file.name)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.extension, "application/octet-stream")

    @property
    def type_label(self) -> str:
        return LABELS.get(self.extension, self.extension.upper())

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]

    def get_public_url(self) -> str:
        return reverse("events:material", kwargs={"slug": self.event.slug, "key": self.key})
