"""How people take part in an event: in person, online or both (hybrid), with the online
details that only confirmed online participants may see."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AttendanceMode(models.TextChoices):
    # Named after schema.org's eventAttendanceMode values.
    IN_PERSON = "in_person", _("in person")
    ONLINE = "online", _("online")
    HYBRID = "hybrid", _("hybrid (in person and online)")


class OnlineAttendance(models.Model):
    """The event's attendance mode and online details (Event's fields, kept in their own
    module; the event's constraints check the values)."""

    AttendanceMode = AttendanceMode

    attendance_mode = models.CharField(
        _("attendance mode"),
        max_length=10,
        choices=AttendanceMode.choices,
        default=AttendanceMode.IN_PERSON,
        help_text=_(
            "Hybrid: registrants choose whether they come or join online, each with its own "
            "places and waiting list. To move an in-person event online with mail to "
            "everyone registered, use “Switch to online”."
        ),
    )
    # The join details are for confirmed online participants only: never rendered on a public
    # page, in the page cache, the JSON-LD or a public calendar.
    join_url = models.URLField(
        _("join link (online)"),
        max_length=500,
        blank=True,
        help_text=_(
            "Shown only to confirmed online participants (manage page, reminder, calendar)."
        ),
    )
    dial_in = models.TextField(
        _("dial-in details (online)"),
        blank=True,
        help_text=_("Phone numbers, meeting ID, code; shown like the join link."),
    )
    online_capacity = models.PositiveIntegerField(
        _("online capacity"),
        null=True,
        blank=True,
        help_text=_(
            "Hybrid events only: places for online participants, with their own waiting list "
            "(the capacity above counts the places on site). Empty means no limit."
        ),
    )

    class Meta:
        abstract = True

    @property
    def is_online(self) -> bool:
        """Everyone takes part online; there is no venue."""
        return self.attendance_mode == AttendanceMode.ONLINE

    @property
    def is_hybrid(self) -> bool:
        return self.attendance_mode == AttendanceMode.HYBRID

    @property
    def has_online_part(self) -> bool:
        return self.attendance_mode != AttendanceMode.IN_PERSON
