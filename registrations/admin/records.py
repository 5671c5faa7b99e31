"""The outbox and the erasure log: read-only records of what was sent and what was erased."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..mail.render import render
from ..models import ErasureLog, OutboxMessage


class RecordAdmin(admin.ModelAdmin):
    """A record is evidence: staff read it; nobody adds, edits or deletes one here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ErasureLog)
class ErasureLogAdmin(RecordAdmin):
    """Proof that data was erased: read-only, and kept."""

    list_display = ["created_at", "reason", "reference", "erased_by", "counts_shown"]
    list_filter = ["reason"]
    search_fields = ["reference"]
    list_select_related = ["erased_by"]

    @admin.display(description=_("counts"))
    def counts_shown(self, obj):
        """The stored machine keys ("mails": 3) in the staff's words ("Mails: 3")."""
        return "; ".join(
            f"{ERASURE_COUNT_LABELS.get(key, key)}: {ERASURE_COUNT_VALUES.get(value, value)}"
            for key, value in (obj.counts or {}).items()
        )


ERASURE_COUNT_LABELS = {
    "contact_person": _("directory entry"),
    "registrations": _("registrations"),
    "access_requests": _("access requests"),
    "mails": _("mails"),
    "history": _("history entries"),
}
ERASURE_COUNT_VALUES = {"anonymised": _("anonymised"), "deleted": _("deleted")}


@admin.register(OutboxMessage)
class OutboxMessageAdmin(RecordAdmin):
    """Read-only view of what was and will be sent; failures stand out; staff can retry."""

    # Status early, so that it stays in view on a 1280 px screen.
    list_display = [
        "created_at",
        "status_badge",
        "kind",
        "recipient",
        "event",
        "attempts",
        "sent_at",
        "last_error_short",
    ]
    list_filter = ["status", "kind", "event"]
    search_fields = ["recipient"]
    list_select_related = ["event"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [
        "mail_subject",
        "mail_text",
        "kind",
        "recipient",
        "language",
        "event",
        "registration",
        "access_request",
        "contact_person",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ]
    exclude = ["payload"]

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        # Colours in staff.css: the Content-Security-Policy blocks inline styles.
        return format_html(
            '<span class="outbox-status outbox-status-{}">{}</span>',
            obj.status,
            obj.get_status_display(),
        )

    def _rendered(self, obj) -> tuple[str, str] | None:
        if not hasattr(obj, "_rendered_mail"):
            try:
                subject, text, _html, _files = render(obj, for_staff=True)
                obj._rendered_mail = (subject, text)
            except Exception:  # noqa: BLE001 - e.g. its registration was erased since
                obj._rendered_mail = None
        return obj._rendered_mail

    @admin.display(description=_("subject"))
    def mail_subject(self, obj):
        rendered = self._rendered(obj)
        return rendered[0] if rendered else gettext("(cannot be shown any more)")

    @admin.display(description=_("text"))
    def mail_text(self, obj):
        rendered = self._rendered(obj)
        if not rendered:
            return gettext("(cannot be shown any more)")
        return format_html('<pre class="outbox-text">{}</pre>', rendered[1])  # escaped

    @admin.display(description=_("last error"))
    def last_error_short(self, obj):
        return obj.last_error[:80]

    @admin.action(description=_("Retry sending"), permissions=["retry"])
    def retry(self, request, queryset):
        count = services.outbox_retry(messages=queryset)
        self.message_user(
            request,
            ngettext("%d message queued again.", "%d messages queued again.", count) % count,
            messages.SUCCESS,
        )

    def has_retry_permission(self, request):
        return request.user.has_perm("registrations.send_mail_to_registrants")
