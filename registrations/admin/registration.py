"""Registrations in the admin: one list, with actions through the services and exports of the
selection (or, with "select all", of the whole filtered list)."""

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from events.admin_tools import ActionSelectionMixin, IntegerListFilter
from events.models import Event, ProgrammeItem

from .. import services
from ..models import ProgrammeChoice, Registration
from ..selectors.overview import registrations_matching
from ..services.registration import DETAIL_FIELDS
from .exports import export_response
from .forms import RegistrationChangeForm, StaffRegistrationForm
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


PERSONAL_FIELDS = {
    "is_representative",
    "salutation",
    "academic_title",
    "first_name",
    "last_name",
    "email",
    "function",
    "language",
}


DETAIL_CHANGES = {"programme_items", *DETAIL_FIELDS}


@admin.register(Registration)
class RegistrationAdmin(ActionSelectionMixin, HistoryAdmin):
    # Status early, so that it stays in view on a 1280 px screen.
    list_display = [
        "name",
        "status",
        "organisation",
        "event",
        "is_representative",
        "created_at",
    ]
    list_filter = [
        "event",
        "status",
        "participation",
        "organisation__kind",
        ProgrammeItemFilter,
        "is_representative",
    ]
    search_fields = ["search_name", "organisation__name"]
    search_help_text = _("Name, e-mail or organisation; accents and case do not matter.")
    list_select_related = ["event", "organisation"]
    date_hierarchy = "created_at"
    inlines = [ProgrammeChoiceInline]
    form = RegistrationChangeForm
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
        "participation",
        "programme_items",
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
        "change_reason",
    ]

    @admin.display(description=_("name"), ordering="last_name")
    def name(self, obj):
        return obj.full_name

    def has_add_permission(self, request):
        # Staff register people by phone through the same service as the public form (see
        # add_view); whoever may change registrations may do that.
        return self.has_change_permission(request)

    def get_search_results(self, request, queryset, search_term):
        # Accents and case folded on both sides (search_name), on every database.
        return registrations_matching(queryset, search_term), False

    def add_view(self, request, form_url="", extra_context=None):
        """Register someone by phone or at the desk: services.registration_create, its rules."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        event = Event.objects.filter(pk=request.GET.get("event", "0")).first()
        form = StaffRegistrationForm(request.POST or None, event=event, initial={"event": event})
        person = form.fields["registered_by"]
        person.widget = AutocompleteSelect(
            Registration._meta.get_field("registered_by"), self.admin_site
        )
        person.widget.choices = person.choices
        if request.method == "POST" and form.is_valid():
            try:
                registration = services.registration_create(**form.service_kwargs())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.log_addition(request, registration, [{"added": {}}])
                self.message_user(
                    request,
                    gettext("%(name)s is registered (%(status)s); the confirmation is queued.")
                    % {
                        "name": registration.full_name,
                        "status": registration.get_status_display(),
                    },
                    messages.SUCCESS,
                )
                return redirect(
                    reverse("admin:registrations_registration_change", args=[registration.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Add registration"),
            "form": form,
            "media": self.media + form.media,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/registrations/registration_add.html", context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (
            ValidationError
        ) as exc:  # refused by the service; the admin's transaction rolled back
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect(request.path)

    def save_model(self, request, obj, form, change):
        """Details and side programme through services.registration_update (places, waiting
        lists and their mails); how the person takes part through
        services.registration_participation_change (the places of each mode); names and
        addresses as typed."""
        if "participation" in form.changed_data:
            services.registration_participation_change(
                registration=obj,
                participation=form.cleaned_data["participation"],
                reason=form.cleaned_data.get("change_reason", ""),
            )
        if DETAIL_CHANGES.intersection(form.changed_data):
            services.registration_update(
                registration=obj,
                details=form.details(),
                by_staff=True,
                reason=form.cleaned_data.get("change_reason", ""),
            )
        personal = [name for name in form.changed_data if name in PERSONAL_FIELDS]
        if personal:
            obj._change_reason = form.cleaned_data.get("change_reason") or None
            obj.save(update_fields=personal)

    @admin.action(description=_("Confirm from the waiting list"), permissions=["change"])
    def confirm_from_waiting_list(self, request, queryset):
        self.run_each(
            request,
            queryset.select_related("event"),
            lambda r: services.registration_confirm_from_waiting_list(
                registration=r, reason=gettext("Confirmed from the waiting list by staff")
            ),
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
