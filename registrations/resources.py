"""Directory import and export (CSV, XLSX) through django-import-export in the admin."""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from .models import ContactPerson, MemberOrganisation


class MemberOrganisationResource(resources.ModelResource):
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


class ContactPersonResource(resources.ModelResource):
    organisation = fields.Field(
        column_name="organisation",
        attribute="organisation",
        widget=ForeignKeyWidget(MemberOrganisation, field="name"),
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

    def before_import_row(self, row, **kwargs):
        if row.get("email"):
            row["email"] = str(row["email"]).strip().lower()
