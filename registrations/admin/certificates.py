"""Certificates of attendance in the admin: sending them all for an event (an action on the
event list) and reissuing one after a correction (an action here)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from events.admin_tools import ActionSelectionMixin

from .. import services
from ..models import Certificate
from .mixins import can_mail


class CertificateSending:
    """For the event admin: "Send certificates of attendance" for the selected events."""

    def has_send_mail_permission(self, request):
        return can_mail(request)

    @admin.action(description=_("Send certificates of attendance"), permissions=["send_mail"])
    def send_certificates(self, request, queryset):
        for event in queryset:
            try:
                sent, before = services.certificates_send(event=event)
            except ValidationError as exc:
                self.message_user(request, f"{event}: {' '.join(exc.messages)}", messages.WARNING)
                continue
            self.message_user(
                request,
                gettext("%(event)s: %(sent)s sent now, %(before)s sent before (not sent again).")
                % {"event": event, "sent": sent, "before": before},
                messages.SUCCESS,
            )


@admin.register(Certificate)
class CertificateAdmin(ActionSelectionMixin, admin.ModelAdmin):
    list_display = ["name", "organisation", "event", "display_code", "issued_at", "version"]
    list_display += ["sent_at"]
    list_filter = ["registration__event"]
    search_fields = ["name", "organisation", "code"]
    list_select_related = ["registration__event"]
    actions = ["reissue"]
    fields = ["registration", "name", "organisation", "days", "minutes", "display_code"]
    fields += ["issued_at", "version", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # issued on download or by "Send certificates of attendance"

    @admin.display(description=_("event"), ordering="registration__event")
    def event(self, obj):
        return obj.registration.event

    @admin.display(description=_("verification code"))
    def display_code(self, obj):
        return obj.display_code

    @admin.action(
        description=_("Reissue after a correction (mailed again if sent)"),
        permissions=["change"],
    )
    def reissue(self, request, queryset):
        self.run_each(
            request,
            queryset,
            lambda certificate: services.certificate_reissue(certificate=certificate),
            lambda n: ngettext("%d certificate reissued.", "%d certificates reissued.", n) % n,
        )
