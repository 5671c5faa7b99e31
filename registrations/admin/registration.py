"""Registrations in the admin: one list, with actions through the services and exports of the
selection (or, with "select all", of the whole filtered list)."""

from django.contrib import admin, messages
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from events.admin import ActionSelectionMixin, IntegerListFilter
from events.models import Event, ProgrammeItem

from .. import services
from ..models import ProgrammeChoice, Registration
from .exports import export_response
from .mixins import HistoryAdmin, can_export


class ProgrammeChoiceInline(admin.TabularInline):
    model = ProgrammeChoice
    extra = 0
    fields = ["item", "status", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ProgrammeItemFilter(IntegerListFilter):
    title = _("side programme item")
    parameter_name = "item"

    def lookups(self, request, model_admin):
        items = ProgrammeItem.objects.select_related("event").order_by(
            "-event__created_at", "position"
        )
        return [(item.pk, f"{item.event.title}: {item.title}") for item in items]

    def queryset(self, request, queryset):
        value = self.value() or ""
        if not (value.isdigit() and int(value) < 2**63):  # a forged value filters nothing
            return queryset
        return queryset.filter(
            pk__in=ProgrammeChoice.objects.active()
            .filter(item_id=int(value))
            .values("registration_id")
        )


@admin.register(Registration)
class RegistrationAdmin(ActionSelectionMixin, HistoryAdmin):
    list_display = [
        "full_name",
        "organisation",
        "event",
        "status",
        "is_representative",
        "created_at",
    ]
    list_filter = [
        "event",
        "status",
        "organisation__kind",
        ProgrammeItemFilter,
        "is_representative",
    ]
    search_fields = ["first_name", "last_name", "email", "organisation__name"]
    list_select_related = ["event", "organisation"]
    date_hierarchy = "created_at"
    inlines = [ProgrammeChoiceInline]
    actions = [
        "confirm_from_waiting_list",
        "cancel_by_organiser",
        "resend_confirmation",
        "export_xlsx",
        "export_csv",
        "export_csv_comma",
        "export_pdf",
        "export_pdf_sign_in",
        "export_pdf_badges",
    ]
    readonly_fields = [
        "event",
        "registered_by",
        "organisation",
        "status",
        "privacy_acknowledged_at",
        "created_at",
        "updated_at",
        "cancelled_at",
        "anonymised_at",
    ]
    fields = [
        "event",
        "status",
        "organisation",
        "registered_by",
        "is_representative",
        ("salutation", "academic_title"),
        ("first_name", "last_name"),
        "email",
        "function",
        ("diet", "diet_notes"),
        "accessibility_needs",
        "visibility",
        "message",
        "language",
        "privacy_acknowledged_at",
        "created_at",
        "updated_at",
        "cancelled_at",
        "anonymised_at",
    ]

    def has_add_permission(self, request):
        # Registrations go through the rules in registrations.services, i.e. the public form.
        return False

    @admin.action(description=_("Confirm from the waiting list"), permissions=["change"])
    def confirm_from_waiting_list(self, request, queryset):
        self.run_each(
            request,
            queryset.select_related("event"),
            lambda r: services.registration_confirm_from_waiting_list(registration=r),
            lambda n: ngettext("%d registration confirmed.", "%d registrations confirmed.", n) % n,
        )

    @admin.action(description=_("Cancel (by the organiser)"), permissions=["change"])
    def cancel_by_organiser(self, request, queryset):
        self.run_each(
            request,
            queryset.select_related("event"),
            lambda r: services.registration_cancel(registration=r, by_organiser=True),
            lambda n: ngettext("%d registration cancelled.", "%d registrations cancelled.", n) % n,
        )

    @admin.action(description=_("Re-send the confirmation mail"), permissions=["change"])
    def resend_confirmation(self, request, queryset):
        count = services.confirmation_resend(registrations=queryset)
        self.message_user(
            request,
            ngettext("%d confirmation queued.", "%d confirmations queued.", count) % count,
            messages.SUCCESS,
        )

    def has_export_list_permission(self, request):
        return can_export(request)

    def _export(self, request, queryset, fmt, **kwargs):
        # The changelist's queryset may carry joins from its filters; re-select by key.
        selected = Registration.objects.filter(pk__in=queryset.values("pk"))
        events = list(Event.objects.filter(pk__in=selected.values("event_id"))[:2])
        if len(events) != 1:
            self.message_user(
                request,
                gettext("Choose registrations of one event to export (filter by event)."),
                messages.WARNING,
            )
            return None
        return export_response(events[0], selected, fmt, **kwargs)

    @admin.action(description=_("Export as Excel (XLSX)"), permissions=["export_list"])
    def export_xlsx(self, request, queryset):
        return self._export(request, queryset, "xlsx")

    @admin.action(description=_("Export as CSV (;)"), permissions=["export_list"])
    def export_csv(self, request, queryset):
        return self._export(request, queryset, "csv", delimiter=";")

    @admin.action(description=_("Export as CSV (,)"), permissions=["export_list"])
    def export_csv_comma(self, request, queryset):
        return self._export(request, queryset, "csv", delimiter=",")

    @admin.action(
        description=_("Export the list of participants (PDF)"), permissions=["export_list"]
    )
    def export_pdf(self, request, queryset):
        return self._export(request, queryset, "pdf-list")

    @admin.action(description=_("Export sign-in sheets (PDF)"), permissions=["export_list"])
    def export_pdf_sign_in(self, request, queryset):
        return self._export(request, queryset, "pdf-signin")

    @admin.action(description=_("Export name badges (PDF)"), permissions=["export_list"])
    def export_pdf_badges(self, request, queryset):
        return self._export(request, queryset, "pdf-badges")
