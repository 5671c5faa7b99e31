"""The member directory in the admin: organisations, contact persons (import, export, data
protection), access requests."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ConfirmImportForm, ImportForm

from events.admin_tools import ActionSelectionMixin

from .. import services
from ..exports import person as person_export
from ..importfiles import DirectoryCSV, DirectoryXLSX, ImportFileRefused
from ..models import AccessRequest, ContactPerson, MemberOrganisation
from ..resources import ContactPersonResource, MemberOrganisationResource
from ..selectors import privacy as privacy_selectors
from .mixins import HistoryAdmin


class DirectoryImportForm(ImportForm):
    skip_invalid_rows = forms.BooleanField(
        label=_("Import only the valid rows and skip the refused ones"),
        required=False,
        help_text=_(
            "Without this, a file with a refused row imports nothing: correct the file and "
            "upload it again."
        ),
    )

    # The whole directory is well under 1 MB; a much larger file is a wrong one, and parsing
    # it would hold a server process for minutes.
    max_file_size = 5 * 2**20

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > self.max_file_size:
            raise forms.ValidationError(
                _("This file is too large (%(size)s). Files up to %(limit)s can be imported.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(self.max_file_size)}
            )
        return upload


class DirectoryConfirmImportForm(ConfirmImportForm):
    skip_invalid_rows = forms.BooleanField(required=False, widget=forms.HiddenInput())


class DirectoryImportMixin:
    """The library's upload, preview, confirm; plus the explicit choice to skip refused rows.

    By default django-import-export offers no confirmation while any row is refused. When staff
    tick `skip_invalid_rows`, the preview offers it anyway and the import saves the valid rows
    only. Without the tick the confirmed import is rolled back on any refused row, so nothing
    is written even if the data changed between preview and confirmation.
    """

    import_form_class = DirectoryImportForm
    confirm_form_class = DirectoryConfirmImportForm
    import_template_name = "admin/registrations/directory_import.html"
    # Read: any encoding and separator German Excel saves, with limits. Written: `;` and BOM.
    import_formats = [DirectoryCSV, DirectoryXLSX]
    export_formats = [DirectoryCSV, DirectoryXLSX]
    export_file_stem: str

    def get_export_filename(self, request, queryset, file_format):
        today = timezone.localdate().isoformat()
        return f"{self.export_file_stem}-{today}.{file_format.get_extension()}"

    def add_data_read_fail_error_to_form(self, form, e):
        # The library's message names the exception and suggests the wrong format; staff need
        # the reason in their words, and never a server path.
        if isinstance(e, ImportFileRefused):
            message = str(e)
        else:
            message = gettext(
                "The file could not be read. Please save it from Excel as "
                "“CSV (Trennzeichen-getrennt)” or “Excel-Arbeitsmappe (.xlsx)” and upload it again."
            )
        form.add_error("import_file", message)

    # django-import-export lets every staff user import and export unless told otherwise.
    # Importing creates and changes rows; exporting hands out the directory's personal data.
    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request) and request.user.has_perm(
            "registrations.export_registrations"
        )

    @staticmethod
    def _skips_invalid_rows(form) -> bool:
        return bool(form is not None and form.is_valid() and form.cleaned_data["skip_invalid_rows"])

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["skip_invalid_rows"] = import_form.cleaned_data["skip_invalid_rows"]
        return initial

    def get_import_data_kwargs(self, **kwargs):
        skip = self._skips_invalid_rows(kwargs.get("form"))
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.setdefault("rollback_on_validation_errors", not skip)
        return kwargs

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        result, form = context.get("result"), context.get("form")
        if (
            result is not None
            and "confirm_form" not in context
            and not result.has_errors()
            and result.valid_rows()
            and self._skips_invalid_rows(form)
        ):
            context["confirm_form"] = self.create_confirm_form(request, import_form=form)
        return response

    def process_result(self, result, request):
        if result.has_validation_errors():
            rows = ", ".join(str(row.number) for row in result.invalid_rows)
            if not self._skips_invalid_rows(self.create_confirm_form(request)):
                messages.error(
                    request,
                    _("Nothing was imported. Refused rows: %(rows)s.") % {"rows": rows},
                )
                app_label, model_name = self.get_model_info()
                return redirect(reverse(f"admin:{app_label}_{model_name}_import"))
            messages.warning(request, _("Refused rows skipped: %(rows)s.") % {"rows": rows})
        return super().process_result(result, request)


class CurrentMemberFilter(admin.SimpleListFilter):
    title = _("current member")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("yes")), ("no", _("no"))]

    def queryset(self, request, queryset):
        current = MemberOrganisation.objects.current().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=current)
        if self.value() == "no":
            return queryset.exclude(pk__in=current)
        return queryset


class ContactPersonInline(admin.TabularInline):
    model = ContactPerson
    extra = 0
    fields = [
        "salutation",
        "academic_title",
        "first_name",
        "last_name",
        "function",
        "email",
        "phone",
        "role",
        "is_active",
    ]
    show_change_link = True


@admin.register(MemberOrganisation)
class MemberOrganisationAdmin(
    ActionSelectionMixin, DirectoryImportMixin, ImportExportModelAdmin, HistoryAdmin
):
    resource_classes = [MemberOrganisationResource]
    export_file_stem = "mitgliedsorganisationen"
    list_display = [
        "name",
        "kind",
        "federal_state",
        "member_since",
        "member_until",
        "is_current",
        "contacts",
    ]
    list_filter = ["kind", "federal_state", CurrentMemberFilter]
    search_fields = [
        "name",
        "contact_persons__email",
        "contact_persons__last_name",
        "email_domains",
    ]
    inlines = [ContactPersonInline]

    def get_queryset(self, request):
        # The annotation drops Meta.ordering; autocomplete pagination needs a stable order.
        return (
            super()
            .get_queryset(request)
            .annotate(_contacts=Count("contact_persons"))
            .order_by("name")
        )

    @admin.display(description=_("contact persons"), ordering="_contacts")
    def contacts(self, obj):
        return obj._contacts


ERASURE_ITEMS = {
    "registrations": _(
        "registrations of this person: anonymised, so that the statistics still count them; "
        "active ones for events still ahead are cancelled first, without a mail"
    ),
    "registrations_for_others": _(
        "registrations this person made for colleagues: kept, as they are the colleagues' "
        "data; the directory entry is then anonymised instead of deleted"
    ),
    "access_requests": _("access requests: deleted"),
    "mails": _("mails to this person: deleted"),
    "history": _("history entries holding this person's data: deleted"),
}


@admin.register(ContactPerson)
class ContactPersonAdmin(
    ActionSelectionMixin, DirectoryImportMixin, ImportExportModelAdmin, HistoryAdmin
):
    resource_classes = [ContactPersonResource]
    export_file_stem = "ansprechpersonen"
    list_display = [
        "last_name",
        "first_name",
        "email",
        "organisation",
        "role",
        "is_active",
        "last_login",
    ]
    list_filter = ["role", "is_active", "organisation__kind", "organisation__federal_state"]
    search_fields = ["first_name", "last_name", "email", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["last_login", "created_at", "anonymised_at"]
    actions = ["export_data_json", "export_data_xlsx", "erase_data", "make_speakers"]

    # Data protection (DSGVO Art. 15 and 17): one person at a time, so that nobody's data is
    # exported or erased by a stray tick in the list.

    def _one_person(self, request, queryset) -> ContactPerson | None:
        if queryset.count() != 1:
            self.message_user(
                request, gettext("Please choose exactly one person."), messages.WARNING
            )
            return None
        return queryset.select_related("organisation").get()

    def _data_download(self, request, queryset, fmt: str):
        person = self._one_person(request, queryset)
        if person is None:
            return None
        data = privacy_selectors.person_data_export(person=person)
        if fmt == "json":
            body, content_type = person_export.person_data_json(data), "application/json"
        else:
            body = person_export.person_data_xlsx(data)
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="personendaten-{person.pk}.{fmt}"'
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Export all data about this person (JSON)"), permissions=["change"])
    def export_data_json(self, request, queryset):
        return self._data_download(request, queryset, "json")

    @admin.action(description=_("Export all data about this person (XLSX)"), permissions=["change"])
    def export_data_xlsx(self, request, queryset):
        return self._data_download(request, queryset, "xlsx")

    def has_add_speaker_permission(self, request) -> bool:
        return request.user.has_perm("events.add_speaker")

    @admin.action(description=_("Add as speakers for the programme"), permissions=["add_speaker"])
    def make_speakers(self, request, queryset):
        """Copy name, organisation and function into speaker records of the programme."""
        persons = queryset.select_related("organisation")
        self.run_each(
            request,
            persons,
            lambda person: services.speaker_create_from_contact(person=person),
            lambda n: (
                ngettext(
                    "%(count)d person is now available as a speaker in the programme.",
                    "%(count)d people are now available as speakers in the programme.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Erase this person's data"), permissions=["delete"])
    def erase_data(self, request, queryset):
        person = self._one_person(request, queryset)
        if person is None:
            return None
        if request.POST.get("confirm") == "yes":
            log = services.person_erase(person=person, user=request.user)
            self.message_user(
                request,
                gettext("The data was erased. Reference for the person who asked: %(reference)s")
                % {"reference": log.reference},
                messages.SUCCESS,
            )
            return None
        counts = privacy_selectors.person_erasure_preview(person=person)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Erase this person's data"),
            "person": person,
            "items": [(label, counts[key]) for key, label in ERASURE_ITEMS.items()],
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/registrations/contactperson/erase_confirmation.html", context
        )


@admin.register(AccessRequest)
class AccessRequestAdmin(ActionSelectionMixin, admin.ModelAdmin):
    list_display = [
        "last_name",
        "first_name",
        "email",
        "organisation",
        "function",
        "status",
        "created_at",
    ]
    list_filter = ["status", "organisation__kind"]
    search_fields = ["first_name", "last_name", "email", "organisation__name"]
    list_select_related = ["organisation"]
    readonly_fields = ["status", "created_at", "decided_at", "decided_by", "contact_person"]
    actions = ["approve", "reject"]

    def get_ordering(self, request):
        # Open requests first: this is the queue staff work through. (An order_by() in
        # get_queryset would come after Meta.ordering in the changelist, and so never count.)
        pending_first = Case(
            When(status=AccessRequest.Status.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [pending_first.asc(), "-created_at"]

    @admin.action(description=_("Approve and send a sign-in link"), permissions=["change"])
    def approve(self, request, queryset):
        self.run_each(
            request,
            queryset,
            lambda r: services.access_request_approve(access_request=r, user=request.user),
            lambda n: ngettext("%d request approved.", "%d requests approved.", n) % n,
        )

    @admin.action(description=_("Reject with a polite mail"), permissions=["change"])
    def reject(self, request, queryset):
        self.run_each(
            request,
            queryset,
            lambda r: services.access_request_reject(access_request=r, user=request.user),
            lambda n: ngettext("%d request rejected.", "%d requests rejected.", n) % n,
        )
