"""Directory import and export (CSV, XLSX) through django-import-export in the admin."""

import html
from datetime import datetime

from diff_match_patch import diff_match_patch
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.safestring import mark_safe
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
    """A member organisation by its exact name; an unknown name refuses the row.

    The import loads all organisations once (`by_name`) instead of a query per row."""

    by_name: dict[str, MemberOrganisation] | None = None

    def __init__(self):
        super().__init__(MemberOrganisation, field="name")

    def clean(self, value, row=None, **kwargs):
        name = str(value).strip() if value else value
        if self.by_name is not None and name:
            if name in self.by_name:
                return self.by_name[name]
            raise ValueError(
                _("There is no member organisation named “%(name)s”.") % {"name": name}
            )
        try:
            return super().clean(name, row=row, **kwargs)
        except MemberOrganisation.DoesNotExist:
            # A ValueError becomes a validation error on the row, not a crash with traceback.
            raise ValueError(
                _("There is no member organisation named “%(name)s”.") % {"name": value}
            ) from None


class PreviewDiff(resources.Diff):
    """The preview's cells: what a new row brings, or what changes in an existing one.

    The library's version colours insertions and deletions with style attributes, which the
    Content-Security-Policy blocks (staff.css colours `ins` and `del` instead), and runs a text
    diff even for a new row, where everything is new: a third of a 5,000-row preview."""

    def as_html(self):
        return [
            self._cell(force_str(old), force_str(new))
            for old, new in zip(self.left, self.right, strict=False)
        ]

    def _cell(self, old: str, new: str) -> str:
        if old == new:
            return mark_safe(f"<span>{self._text(new)}</span>")
        if self.new:
            return mark_safe(f"<ins>{self._text(new)}</ins>")
        dmp = diff_match_patch()
        parts = dmp.diff_main(old, new)
        dmp.diff_cleanupSemantic(parts)
        tags = {dmp.DIFF_INSERT: "ins", dmp.DIFF_DELETE: "del", dmp.DIFF_EQUAL: "span"}
        return mark_safe(
            "".join(f"<{tags[op]}>{self._text(text)}</{tags[op]}>" for op, text in parts)
        )

    @staticmethod
    def _text(value: str) -> str:
        # What django.utils.html.escape does, without its lazy-string wrapper on every cell.
        return html.escape(value).replace("\n", "&para;<br>")


# Column heads German offices type besides the field's own name and label.
EXTRA_HEADERS = {
    "email": ["E-Mail-Adresse", "Mail", "E-Mail Adresse"],
    "organisation": ["Organisation", "Zuwender", "Mitglied"],
    "academic_title": ["Titel"],
    "last_name": ["Name"],
    "phone": ["Telefonnummer", "Tel."],
    "federal_state": ["Land"],
    "kind": ["Art", "Typ"],
    "default_participants": ["Teilnehmende"],
    "member_since": ["Mitglied seit"],
    "member_until": ["Mitglied bis"],
}
# Values German offices type besides the codes and the labels.
EXTRA_VALUES = {
    "role": {
        "contact": ["Ansprechpartner", "Ansprechpartnerin", "Ansprechperson"],
        "deputy": ["Vertreter", "Vertreterin", "Stellvertretung"],
    },
    "kind": {"city": ["Stadt", "Gemeinde"], "district": ["Kreis"]},
}
TRUE_WORDS = {"ja", "j", "x", "wahr", "yes", "y", "true", "1", "aktiv"}
FALSE_WORDS = {"nein", "n", "falsch", "no", "false", "0", "inaktiv"}


def _fold(value) -> str:
    return " ".join(str(value).split()).casefold()


def _in_both_languages(label) -> list[str]:
    names = []
    for language in ("de", "en"):
        with translation.override(language):
            names.append(str(label))
    return names


class DirectoryResource(resources.ModelResource):
    """Reads German column heads and values as well as the codes, in spreadsheet row numbers,
    with the existing rows looked up once for the whole file.

    Refuses a row whose key (name, e-mail) already came up earlier in the same file: without
    this, the later row would silently update the earlier one.
    """

    key_field: str
    # Foreign keys the import resolved from one look-up for the whole file: checked already.
    resolved_in_bulk: tuple[str, ...] = ()

    @classmethod
    def get_diff_class(cls):
        return PreviewDiff

    def get_import_fields(self):
        # Asked four times per row; the fields do not change during an import.
        if getattr(self, "_import_fields", None) is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._seen_keys = {}
        self._spreadsheet_rows = getattr(dataset, "spreadsheet_rows", None)
        if dataset.headers:
            aliases = self._header_aliases()
            dataset.headers = [aliases.get(_fold(h), h) for h in dataset.headers]
        self._choices = self._choice_aliases()
        self._existing = self.existing_by_key()

    def spreadsheet_row(self, number: int) -> int:
        """The row as the spreadsheet shows it (header = 1) for the dataset's n-th row."""
        if self._spreadsheet_rows and 0 < number <= len(self._spreadsheet_rows):
            return self._spreadsheet_rows[number - 1]
        return number + 1

    def _header_aliases(self) -> dict[str, str]:
        aliases = {}
        model_fields = {f.name: f for f in self._meta.model._meta.get_fields()}
        for name, field in self.fields.items():
            names = [name, field.column_name, *EXTRA_HEADERS.get(name, [])]
            if name in model_fields and hasattr(model_fields[name], "verbose_name"):
                names += _in_both_languages(model_fields[name].verbose_name)
            for alias in names:
                aliases.setdefault(_fold(alias), field.column_name)
        return aliases

    def _choice_aliases(self) -> dict[str, dict[str, str]]:
        """For each choice column: code, German and English label (folded) → code."""
        choices = {}
        for model_field in self._meta.model._meta.get_fields():
            if getattr(model_field, "choices", None) and model_field.name in self.fields:
                table = choices[self.fields[model_field.name].column_name] = {}
                extra = EXTRA_VALUES.get(model_field.name, {})
                for code, label in model_field.choices:
                    for alias in [code, *_in_both_languages(label), *extra.get(code, [])]:
                        table.setdefault(_fold(alias), code)
        return choices

    def _translate_values(self, row):
        for column, table in self._choices.items():
            value = row.get(column)
            if isinstance(value, str) and _fold(value) in table:
                row[column] = table[_fold(value)]
        value = row.get("is_active")
        if isinstance(value, str) and _fold(value) in TRUE_WORDS | FALSE_WORDS:
            row["is_active"] = "1" if _fold(value) in TRUE_WORDS else "0"

    def existing_by_key(self) -> dict:
        model = self._meta.model
        return {getattr(obj, self.key_field): obj for obj in model.objects.all()}

    def get_instance(self, instance_loader, row):
        key = row.get(self.key_field)
        return self._existing.get(key) if key else None

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Uniqueness of the key is settled by the look-up above (one query for the file, not
        # one per row); the check constraints repeat the choices that the fields validate.
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=[
                    *errors,
                    *(f for f in self.resolved_in_bulk if getattr(instance, f"{f}_id", None)),
                ],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        errors.update(self.constraint_errors(instance))
        if errors:
            raise ValidationError(errors)

    def constraint_errors(self, instance) -> dict:
        return {}

    def import_data_inner(self, dataset, dry_run, raise_errors, using_transactions, *args, **kw):
        # The preview writes nothing (see save_instance) and import_data rolls the whole run
        # back anyway: a savepoint around each row only cost two queries per row (10,000 for a
        # 5,000-row file). The rows go through the same checks either way.
        per_row_savepoints = using_transactions and not dry_run
        return super().import_data_inner(
            dataset, dry_run, raise_errors, per_row_savepoints, *args, **kw
        )

    def save_instance(self, instance, is_create, row, **kwargs):
        # The preview only shows what would change: saving each row (and its history row) in
        # a transaction that is rolled back anyway took most of its time.
        if kwargs.get("dry_run"):
            return
        super().save_instance(instance, is_create, row, **kwargs)

    def normalise_key(self, value):
        return str(value).strip()

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        for column, value in row.items():
            if isinstance(value, str):
                row[column] = restore_formula_text(value)  # our own exports, re-imported
        self._translate_values(row)
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
        number = self.spreadsheet_row(kwargs["row_number"])
        first = self._seen_keys.setdefault(key.lower(), number)
        if first != number:
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
        row_result.number = self.spreadsheet_row(kwargs["row_number"])

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        for row in [*result.invalid_rows, *result.error_rows]:
            row.number = self.spreadsheet_row(row.number)


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

    def constraint_errors(self, instance) -> dict:
        if instance.member_until and instance.member_since > instance.member_until:
            return {"member_until": [_("Membership cannot end before it starts.")]}
        return {}


class ContactPersonResource(DirectoryResource):
    key_field = "email"
    resolved_in_bulk = ("organisation",)
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

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.fields["organisation"].widget.by_name = {
            organisation.name: organisation for organisation in MemberOrganisation.objects.all()
        }

    def existing_by_key(self) -> dict:
        return {
            normalise_email(person.email): person
            for person in ContactPerson.objects.select_related("organisation")
        }
