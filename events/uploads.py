"""What staff may upload as event material: PDF, slides (PPTX, ODP) and images (PNG, JPEG,
WebP), checked by extension and by content, and no larger than MATERIAL_MAX_UPLOAD_MB.

A file is accepted only when its first bytes (and, for the zip-based slide formats, the
archive's contents) match what its extension claims: a renamed executable or HTML page is
refused, and what a download serves is what the list says it is.
"""

import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
}
LABELS = {"pdf": "PDF", "pptx": "PowerPoint", "odp": "ODP", "png": "PNG"}
LABELS |= {"jpg": "JPEG", "jpeg": "JPEG", "webp": "WebP"}
ODP_MIMETYPE = b"application/vnd.oasis.opendocument.presentation"


def extension(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


def _zip_matches(file, ext: str) -> bool:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if ext == "pptx":
                return "[Content_Types].xml" in names and "ppt/presentation.xml" in names
            return "mimetype" in names and archive.read("mimetype").strip() == ODP_MIMETYPE
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def content_matches(file, ext: str) -> bool:
    """Whether the file's content is of the type its extension names."""
    file.seek(0)
    head = file.read(16)
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext in ("pptx", "odp"):
        return head.startswith(b"PK\x03\x04") and _zip_matches(file, ext)
    return False


def validate_material_file(value) -> None:
    """Field validator: runs on every door that saves a material (admin inline, forms)."""
    if getattr(value, "_committed", False):
        return  # stored already, checked when it was uploaded
    limit = settings.MATERIAL_MAX_UPLOAD_MB
    if value.size > limit * 1024 * 1024:
        raise ValidationError(
            _("The file is larger than %(limit)d MB. Please upload a smaller file.")
            % {"limit": limit},
            code="too_large",
        )
    ext = extension(value.name)
    if ext not in CONTENT_TYPES:
        raise ValidationError(
            _(
                "Files of this type cannot be uploaded. Allowed are PDF, slides (PPTX, ODP) "
                "and images (PNG, JPEG, WebP)."
            ),
            code="type_not_allowed",
        )
    try:
        matches = content_matches(value, ext)
    finally:
        value.seek(0)
    if not matches:
        raise ValidationError(
            _("The file's content is not a %(type)s file, as its name (.%(ext)s) says.")
            % {"type": LABELS[ext], "ext": ext},
            code="content_mismatch",
        )
