"""The audit trail (django-simple-history): who changed a member record or a registration.

Staff appear as `history_user`, taken by the library from `request.user`. Registrants have no
user account, so every historical row of this app also says through whom the change came:
staff, a signed-in contact person (who is named), someone holding a personal e-mail link
(the manage link of a registration), or the system (commands and background tasks).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ChangedBy(models.TextChoices):
    STAFF = "staff", _("staff")
    CONTACT_PERSON = "contact", _("signed-in contact person")
    LINK = "link", _("registrant through their personal link")
    SYSTEM = "system", _("system")


class ChangeOrigin(models.Model):
    """Extra columns of this app's historical models."""

    history_changed_by = models.CharField(
        _("changed through"),
        max_length=10,
        choices=ChangedBy.choices,
        default=ChangedBy.SYSTEM,
    )
    # No database constraint: history outlives the contact person it names.
    history_contact_person = models.ForeignKey(
        "registrations.ContactPerson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("changed by contact person"),
    )

    class Meta:
        abstract = True


class History(HistoricalRecords):
    """Historical records that skip saves touching only excluded fields.

    Signing in stamps `last_login`; that is bookkeeping, not a change anyone needs to audit.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("bases", [ChangeOrigin])
        super().__init__(**kwargs)

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields and not set(update_fields) - set(self.excluded_fields):
            return
        super().post_save(instance, created, using=using, **kwargs)


def current_origin() -> dict:
    """The ChangeOrigin columns for a change made now, from the request being served."""
    request = getattr(HistoricalRecords.context, "request", None)
    if request is None:
        return {"history_changed_by": ChangedBy.SYSTEM, "history_contact_person_id": None}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {"history_changed_by": ChangedBy.STAFF, "history_contact_person_id": None}
    person = getattr(request, "contact_person", None)
    if person:
        return {
            "history_changed_by": ChangedBy.CONTACT_PERSON,
            "history_contact_person_id": person.pk,
        }
    return {"history_changed_by": ChangedBy.LINK, "history_contact_person_id": None}


def record_origin(sender, history_instance, **kwargs) -> None:
    """pre_create_historical_record receiver: metadata of the audit row only, no domain effect."""
    if isinstance(history_instance, ChangeOrigin):
        for name, value in current_origin().items():
            setattr(history_instance, name, value)
