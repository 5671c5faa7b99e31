"""The manage page's forms for handing the place to a colleague and for correcting one's own
details: the same fields and checks as the registration form (`forms`), the rules in the
services they feed (`services.substitution`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import NormalisedEmailField, SiteForm, clean_text
from .models import Salutation
from .services import Attendee


def _salutation_field():
    return forms.ChoiceField(label=_("Salutation"), choices=Salutation.choices, required=False)


def _title_field():
    return forms.CharField(
        label=_("Academic title (optional)"),
        max_length=50,
        required=False,
        help_text=_("E.g. Dr. or Prof. Dr.; used in the greeting of our mails."),
    )


class _ManageForm(SiteForm):
    """One of several forms on the manage page: its prefix keeps field and button ids apart."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        button = self.helper.inputs[0]
        button.name, button.id = self.prefix, f"submit-id-{self.prefix}"

    def html_cache_key(self) -> str | None:
        return self.shared_html_key()


class _PersonForm(_ManageForm):
    """Name, title and function, checked as the registration form checks a representative's
    (no control characters; a text a spreadsheet would run stays text in every export)."""

    def clean(self):
        data = super().clean()
        for name in ("academic_title", "first_name", "last_name", "function"):
            if data.get(name) and name not in self.errors:
                try:
                    data[name] = clean_text(data[name])
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return data


class SubstituteForm(_PersonForm):
    """Who takes over the place: a colleague of the same organisation."""

    submit_label = _("Hand over the place")

    salutation = _salutation_field()
    academic_title = _title_field()
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = NormalisedEmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("Your colleague's work address: the confirmation and their link go there."),
    )
    function = forms.CharField(label=_("Function"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "sub")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["autocomplete"] = "off"  # another person than the one typing

    def attendee(self) -> Attendee:
        data = self.cleaned_data
        return Attendee(
            salutation=data["salutation"],
            academic_title=data["academic_title"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            function=data["function"],
        )


class CorrectDetailsForm(_PersonForm):
    """The registrant's own name, title, salutation and function."""

    submit_label = _("Save my details")
    personal_fields = ("academic_title", "first_name", "last_name", "function")
    personal_choice_fields = ("salutation",)

    salutation = _salutation_field()
    academic_title = _title_field()
    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    function = forms.CharField(
        label=_("Function"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "fix")
        super().__init__(*args, **kwargs)

    def values(self) -> dict:
        """The keyword arguments of `services.registration_correct`."""
        names = ("salutation", "academic_title", "first_name", "last_name", "function")
        return {name: self.cleaned_data[name] for name in names}


class EmailChangeForm(_ManageForm):
    submit_label = _("Send confirmation link")

    email = NormalisedEmailField(
        label=_("New e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We send a link to the new address; the address changes when you follow it."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "mail")
        super().__init__(*args, **kwargs)
