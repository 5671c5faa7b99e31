from collections.abc import Callable
from dataclasses import replace
from functools import partial

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.urls import reverse_lazy
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .form_html import SharedHTMLMixin
from .models import Registration, Salutation
from .models.directory import NON_ASCII_MAILBOX
from .services import Attendee, Details
from .text import has_ascii_mailbox, has_control_characters, normalise_email


class NormalisedEmailField(forms.EmailField):
    """An address in the one form the app stores and compares (see `text.normalise_email`)."""

    def to_python(self, value):
        return normalise_email(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value and not has_ascii_mailbox(value):
            raise forms.ValidationError(NON_ASCII_MAILBOX, code="non_ascii_mailbox")


class SiteForm(SharedHTMLMixin, forms.Form):
    """Forms render with crispy-forms; every field says what it is for."""

    submit_label = _("Send")

    @cached_property
    def helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_method = "post"
        helper.attrs = {"novalidate": ""}
        # Without a layout, crispy-forms hands the form's attributes to radio and checkbox
        # groups too, and `novalidate` on a <div> is invalid HTML. Built on first use, when
        # __init__ has settled which fields the form has.
        helper.layout = Layout(*self.fields)
        helper.add_input(Submit("submit", self.submit_label))
        return helper

    def clean(self):
        """No control characters in any text (they break mails and exports); line breaks
        only where the field is a text area."""
        data = super().clean()
        for name, value in list(data.items()):
            if not isinstance(value, str):
                continue
            multiline = isinstance(self.fields[name].widget, forms.Textarea)
            if has_control_characters(value, allow_line_breaks=multiline):
                self.add_error(name, _("Please remove control characters from this field."))
        return data


class SignInForm(SiteForm):
    submit_label = _("Send sign-in link")

    email = NormalisedEmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("The address under which Difu knows you as a contact person."),
    )


def clean_text(value: str) -> str:
    """No control characters in stored text (they break mails and exports)."""
    value = value or ""
    if has_control_characters(value, allow_line_breaks=True):
        raise forms.ValidationError(_("Please remove control characters from this field."))
    return value.strip()


class RegistrationDetailsForm(SiteForm):
    """Side programme and needs: shared by the registration form and the manage page."""

    submit_label = _("Save changes")

    programme_items = forms.MultipleChoiceField(
        label=_("Side programme"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Where places are limited, you join the item's waiting list when it is full."),
    )
    diet = forms.ChoiceField(
        label=_("Dietary needs"), choices=Registration.Diet.choices, initial=Registration.Diet.NONE
    )
    diet_notes = forms.CharField(
        label=_("Dietary needs, details"),
        required=False,
        max_length=300,
        help_text=_("E.g. allergies. Only the catering team sees this."),
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. step-free access, sign language interpretation, induction loop."),
    )
    visibility = forms.ChoiceField(
        label=_("Who may see your name, function and organisation on the participant list?"),
        choices=Registration.Visibility.choices,
        initial=Registration.Visibility.NOBODY,
        widget=forms.RadioSelect,
        help_text=_(
            "The meeting is about exchange between cities: a visible name helps colleagues "
            "find you. Your e-mail address and needs are never shown. You can change this later."
        ),
    )
    message = forms.CharField(
        label=_("Message to the organisers (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # Someone's own words and answers: never in the shared HTML, filled in per request.
    personal_fields = ("diet_notes", "accessibility_needs", "message")
    personal_choice_fields = ("programme_items", "diet", "visibility")

    def html_cache_key(self) -> str | None:
        """Rendering the fields costs more than the rest of the page (crispy-forms' templates
        per field); the unbound form is shared per set of choices, labels and ticks."""
        return self.shared_html_key()

    def __init__(self, *args, event, free_places: dict | Callable[[], dict], **kwargs):
        """`free_places` per item for the labels, or a function that counts them, called only
        when a label is needed: a valid submit without side programme shows none."""
        super().__init__(*args, **kwargs)
        items = list(event.programme_items.all())
        if not items:
            del self.fields["programme_items"]
            return
        if callable(free_places):
            self.fields["programme_items"].choices = partial(self._item_choices, items, free_places)
        else:
            self.fields["programme_items"].choices = self._item_choices(items, lambda: free_places)

    @classmethod
    def _item_choices(cls, items, free_places) -> list:
        free = free_places()
        return [(str(item.pk), cls._item_label(item, free.get(item.pk))) for item in items]

    @staticmethod
    def _item_label(item, free):
        parts = []
        if item.starts_at:
            parts.append(date_format(localtime(item.starts_at), "SHORT_DATETIME_FORMAT"))
        if free == 0:
            parts.append(gettext("fully booked – waiting list"))
        elif free is not None:
            parts.append(ngettext("%(n)d place free", "%(n)d places free", free) % {"n": free})
        if not parts:
            return item.title
        return format_html(
            '{} <span class="text-body-secondary">({})</span>', item.title, ", ".join(parts)
        )

    def clean_diet_notes(self):
        return clean_text(self.cleaned_data["diet_notes"])

    def clean_accessibility_needs(self):
        return clean_text(self.cleaned_data["accessibility_needs"])

    def clean_message(self):
        return clean_text(self.cleaned_data["message"])

    def clean(self):
        data = super().clean()
        if data.get("diet") == Registration.Diet.OTHER and not data.get("diet_notes"):
            self.add_error("diet_notes", _("Please describe your dietary needs."))
        return data

    def details(self) -> Details:
        data = self.cleaned_data
        return Details(
            programme_item_ids=[int(pk) for pk in data.get("programme_items", [])],
            diet=data["diet"],
            diet_notes=data["diet_notes"],
            accessibility_needs=data["accessibility_needs"],
            visibility=data["visibility"],
            message=data["message"],
        )


REPRESENTATIVE_REQUIRED = ("rep_first_name", "rep_last_name", "rep_email")
NEEDS_FIELDS = ("participation", "programme_items", "diet", "diet_notes", "accessibility_needs")
# Where the signed-in person's details go into the form's HTML (`complete_html`).
PERSON_SLOT = "<!--registering-person-->"


class RegistrationForm(RegistrationDetailsForm):
    submit_label = _("Register now")
    # An empty form, the same for everyone: its choices are the defaults, marked as they are.
    personal_choice_fields = ()

    who = forms.ChoiceField(
        label=_("Who will attend?"),
        choices=[
            ("self", _("I will attend myself")),
            ("representative", _("A representative of my organisation")),
        ],
        initial="self",
        widget=forms.RadioSelect,
    )
    rep_salutation = forms.ChoiceField(
        label=_("Salutation"), choices=Salutation.choices, required=False
    )
    rep_first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    rep_last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    rep_email = NormalisedEmailField(label=_("E-mail address"), max_length=254, required=False)
    rep_function = forms.CharField(label=_("Function"), max_length=200, required=False)
    participation = forms.ChoiceField(
        label=_("How will you take part?"),
        choices=Registration.Participation.choices,
        widget=forms.RadioSelect,
        help_text=_("In person and online have their own places and waiting lists."),
    )
    privacy = forms.BooleanField(
        label=_("I have read the privacy notice."),
        required=True,
        error_messages={"required": _("Please confirm that you have read the privacy notice.")},
    )

    def __init__(self, *args, person, mode_places: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self._ask_participation(mode_places)
        for name in REPRESENTATIVE_REQUIRED:
            # Required only when a representative attends, so no HTML "required" (the browser
            # would refuse the form of someone attending in person); marked like required fields.
            field = self.fields[name]
            field.label = format_html('{} <span class="asteriskField">*</span>', field.label)
            field.widget.attrs["aria-required"] = "true"
        self.fields["privacy"].help_text = format_html(
            '<a href="{}">{}</a> – {}',
            reverse_lazy("events:privacy"),
            _("Privacy notice"),
            _("We store your registration to run the event and anonymise it 12 months after."),
        )
        self.helper.layout = Layout(
            Fieldset(
                _("Participant"),
                HTML(PERSON_SLOT),
                "who",
                Fieldset(
                    _("Representative"),
                    "rep_salutation",
                    "rep_first_name",
                    "rep_last_name",
                    "rep_email",
                    "rep_function",
                    css_id="representative-fields",
                ),
            ),
            Fieldset(
                _("Programme and needs"),
                *[f for f in NEEDS_FIELDS if f in self.fields],
            ),
            Fieldset(_("Participant list"), "visibility"),
            Fieldset(_("Message and privacy"), "message", "privacy"),
        )

    def complete_html(self, html: str) -> str:
        details = self.person_details(self.person) if self.person else PERSON_SLOT
        return html.replace(PERSON_SLOT, details, 1)

    @staticmethod
    def person_details(person) -> str:  # without a person: filled in by page_parts
        return format_html(
            "<p>{}: <strong>{}</strong>, {}<br>{}</p>",
            _("Your details from the member directory"),
            person.full_name,
            person.organisation.name,
            person.email,
        )

    def clean(self):
        data = super().clean()
        if data.get("who") == "representative":
            for name in REPRESENTATIVE_REQUIRED:
                # An address refused as invalid keeps its own message, not "please fill in".
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Please fill in this field for your representative."))
        for name in ("rep_first_name", "rep_last_name", "rep_function"):
            if data.get(name):
                try:
                    data[name] = clean_text(data[name])
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return data

    def _ask_participation(self, mode_places: dict | None) -> None:
        """`mode_places`: free places per way of taking part, given for a hybrid event only;
        without, nobody is asked (the event's mode decides)."""
        if not mode_places:
            del self.fields["participation"]
            return
        self.fields["participation"].choices = [
            (value, self._mode_label(label, mode_places.get(value)))
            for value, label in Registration.Participation.choices
        ]

    @staticmethod
    def _mode_label(label, free):
        if free is None:
            return label
        if free == 0:
            note = gettext("fully booked – waiting list")
        else:
            note = ngettext("%(n)d place free", "%(n)d places free", free) % {"n": free}
        return format_html('{} <span class="text-body-secondary">({})</span>', label, note)

    def details(self) -> Details:
        return replace(super().details(), participation=self.cleaned_data.get("participation", ""))

    def attendee(self) -> Attendee | None:
        data = self.cleaned_data
        if data["who"] != "representative":
            return None
        return Attendee(
            salutation=data["rep_salutation"],
            first_name=data["rep_first_name"],
            last_name=data["rep_last_name"],
            email=data["rep_email"],
            function=data["rep_function"],
        )


class ResendManageLinkForm(SiteForm):
    submit_label = _("Send me my link again")

    email = NormalisedEmailField(label=_("E-mail address of the registration"), max_length=254)
