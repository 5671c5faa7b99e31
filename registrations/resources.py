"""Directory import and export (CSV, XLSX) through django-import-export in the admin."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export.widgets import DateWidget, ForeignKeyWidget

from .models import ContactPerson, MemberOrganisation
from .text import (
    has_control_characters,
    neutralise_formula,
    normalise_email,
    restore_formula_text,
)


class DayWidget(DateWidget):
    """ISO dates as exported, German dates as typed, and spreadsheet date cells."""

    def __init__(self):
        super().__init__()
        self.formats = ("%Y-%m-%d", "%d.%m.%Y")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):  # openpyxl reads date cells as datetimes
            return value.date()
        if isinstance(value, str):
            value = value.strip()
        return super().clean(value, row=row, **kwargs)


class OrganisationWidget(ForeignKeyWidget):
    """A member organisation by its exact name; an unknown name refuses the row."""

    def __init__(self):
        super().__init__(MemberOrganisation, field="name")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(str(value).strip() if value else value, row=row, **kwargs)
        except MemberOrganisation.DoesNotExist:
            # A ValueError becomes a validation error on the row, not a crash with traceback.
            raise ValueError(
                _("There is no member organisation named “%(name)s”.") % {"name": value}
            ) from None


class DirectoryResource(resources.ModelResource):
    """Refuses a row whose key (name, e-mail) already came up earlier in the same file.

    Without this, the later row would silently update the earlier one.
    """

    key_field: str

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._seen_keys = {}

    def normalise_key(self, value):
        return str(value).strip()

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        for column, value in row.items():
            if isinstance(value, str):
                row[column] = restore_formula_text(value)  # our own exports, re-imported
        controls = [
            column
            for column, value in row.items()
            if isinstance(value, str) and has_control_characters(value)
        ]
        if controls:
            raise ValidationError(
                {
                    column: _("Contains control characters; please remove them.")
                    for column in controls
                }
            )
        if not row.get(self.key_field):
            return
        row[self.key_field] = key = self.normalise_key(row[self.key_field])
        first = self._seen_keys.setdefault(key.lower(), kwargs["row_number"])
        if first != kwargs["row_number"]:
            raise ValidationError(
                {
                    self.key_field: _("“%(key)s” already appears in row %(row)s of this file.")
                    % {"key": key, "row": first}
                }
            )

    def export_field(self, field, instance, **kwargs):
        # Names and functions typed by people must never run as a formula in a spreadsheet.
        return neutralise_formula(super().export_field(field, instance, **kwargs))

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        # The preview lists valid rows with their number, as it does refused rows.
        row_result.number = kwargs["row_number"]


class MemberOrganisationResource(DirectoryResource):
    key_field = "name"
    member_since = fields.Field(
        attribute="member_since", column_name="member_since", widget=DayWidget()
    )
    member_until = fields.Field(
        attribute="member_until", column_name="member_until", widget=DayWidget()
    )

    class Meta:
        model = MemberOrganisation
        import_id_fields = ["name"]
        fields = [
            "name",
            "kind",
            "federal_state",
            "member_since",
            "member_until",
            "email_domains",
            "default_participants",
        ]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


class ContactPersonResource(DirectoryResource):
    key_field = "email"
    organisation = fields.Field(
        column_name="organisation", attribute="organisation", widget=OrganisationWidget()
    )

    class Meta:
        model = ContactPerson
        import_id_fields = ["email"]
        fields = [
            "email",
            "organisation",
            "salutation",
            "academic_title",
            "first_name",
            "last_name",
            "function",
            "phone",
            "role",
            "is_active",
        ]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def normalise_key(self, value):
        return normalise_email(str(value))
