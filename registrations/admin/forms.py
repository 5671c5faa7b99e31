"""Forms of the registration pages in the admin: answers to new dates, invitations to a
replacement, staff messages, export filters."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from events.models import Event, ProgrammeItem

from ..forms import clean_text
from ..mail.render import PLACEHOLDER_RE, STAFF_PLACEHOLDERS
from ..models import ContactPerson, FederalState, MemberOrganisation, Registration, Salutation
from ..selectors.invitations import InvitationFilter
from ..selectors.recipients import MessageGroup
from ..services.registration import DETAIL_FIELDS, Attendee, Details


class AnswerDeadlineForm(forms.Form):
    """Added to the admin's reschedule form: how registrants answer the new dates."""

    answer_deadline = forms.DateTimeField(
        label=_("Answer deadline"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Registrants confirm or withdraw until then. Empty: no deadline."),
    )
    release_unanswered = forms.BooleanField(
        label=_("Release unanswered registrations after the deadline"),
        required=False,
        help_text=_("Otherwise they are kept."),
    )
    move_registration_window = forms.BooleanField(
        label=_("Move the registration period with the dates"),
        required=False,
        initial=True,
        help_text=_(
            "Opening and closing of registration move by as many days as the first day does."
        ),
    )


class InviteForm(forms.Form):
    invite = forms.BooleanField(
        label=_("Invite the registrants to carry their registration over"),
        required=False,
        help_text=_(
            "Requires “Publish at once”. Places and the waiting list of the replacement apply."
        ),
    )


def _known_placeholders_only(text: str) -> str:
    unknown = sorted({name for name in PLACEHOLDER_RE.findall(text)} - set(STAFF_PLACEHOLDERS))
    if unknown:
        raise forms.ValidationError(
            _("Unknown placeholders: %(unknown)s. Known are: %(known)s.")
            % {
                "unknown": ", ".join(f"{{{name}}}" for name in unknown),
                "known": ", ".join(f"{{{name}}}" for name in STAFF_PLACEHOLDERS),
            }
        )
    return text


class StaffMessageForm(forms.Form):
    group = forms.ChoiceField(label=_("Recipients"), choices=[])
    item = forms.ModelChoiceField(
        label=_("Side programme item"),
        queryset=None,
        required=False,
        help_text=_("Only for the group “participants of a side programme item”."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=10000,
        help_text=_(
            "Placeholders: {greeting} (e.g. “Sehr geehrte Frau Dr. Schmidt”), {salutation}, "
            "{first_name}, {last_name}, {event}, {dates}, {manage_url}. The signature is added "
            "unless the text ends with your own (“Mit freundlichen Grüßen …”)."
        ),
    )

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = MessageGroup.choices
        self.fields["item"].queryset = event.programme_items.all()

    def clean_subject(self):
        return _known_placeholders_only(clean_text(self.cleaned_data["subject"]).replace("\n", " "))

    def clean_body(self):
        return _known_placeholders_only(clean_text(self.cleaned_data["body"]))

    def clean(self):
        data = super().clean()
        if data.get("group") == MessageGroup.ITEM and not data.get("item"):
            self.add_error("item", _("Choose the side programme item."))
        return data


class ExportForm(forms.Form):
    """What staff choose for an attendee export: format and the filters every format offers."""

    FORMATS = [
        ("xlsx", _("Attendee list (Excel, XLSX)")),
        ("csv", _("Attendee list (CSV)")),
        ("pdf-list", _("List of participants to hand out (PDF)")),
        ("pdf-signin", _("Sign-in sheets, one per day (PDF)")),
        ("pdf-badges", _("Name badges (PDF)")),
    ]
    PDF_FORMATS = {"pdf-list", "pdf-signin", "pdf-badges"}

    format = forms.ChoiceField(label=_("Format"), choices=FORMATS)
    status = forms.MultipleChoiceField(
        label=_("Status"),
        choices=Registration.Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every status in spreadsheets, confirmed only in PDFs."),
    )
    item = forms.ModelChoiceField(
        label=_("Side programme item"),
        queryset=None,
        required=False,
        empty_label=_("all participants"),
        help_text=_("Only those with a place or on the waiting list for this item."),
    )
    delimiter = forms.ChoiceField(
        label=_("CSV delimiter"),
        choices=[(";", _("; (German Excel)")), (",", _(", (international)"))],
        initial=";",
        required=False,
    )

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = event.programme_items.all()

    def statuses(self) -> list[str]:
        chosen = self.cleaned_data["status"]
        if chosen:
            return chosen
        if self.cleaned_data["format"] in self.PDF_FORMATS:
            return [Registration.Status.CONFIRMED]
        return []


class InvitationSendForm(forms.Form):
    """Whom to invite: all eligible contact persons, or those the filters select. Whoever
    was invited to the event before is left out either way."""

    kinds = forms.MultipleChoiceField(
        label=_("Kind of organisation"),
        choices=MemberOrganisation.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: all kinds."),
    )
    states = forms.MultipleChoiceField(
        label=_("Federal state"),
        choices=FederalState.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: all federal states."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Role"),
        choices=ContactPerson.Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: contact persons and deputies."),
    )

    def chosen(self) -> InvitationFilter:
        data = self.cleaned_data
        return InvitationFilter(kinds=data["kinds"], states=data["states"], roles=data["roles"])


class InvitationScheduleForm(forms.Form):
    reminder_days_before_close = forms.IntegerField(
        label=_("Reminder days before registration closes"),
        min_value=1,
        max_value=60,
        required=False,
        help_text=_(
            "The reminder goes once to those invited who have neither registered nor "
            "declined (send_invitation_reminders, hourly). Empty: only by the button."
        ),
    )


class StaffRegistrationForm(forms.Form):
    """Staff register a contact person, or a representative they name, by phone or at the desk:
    the same service and rules as the public form, plus an explicit, reasoned override of the
    organisation's limit."""

    event = forms.ModelChoiceField(label=_("Event"), queryset=Event.objects.all())
    registered_by = forms.ModelChoiceField(
        label=_("Contact person"),
        queryset=ContactPerson.objects.select_related("organisation"),
        help_text=_("Registers for their organisation; attends unless a representative is named."),
    )
    salutation = forms.ChoiceField(
        label=_("Representative: salutation"), choices=Salutation.choices, required=False
    )
    academic_title = forms.CharField(label=_("academic title"), max_length=50, required=False)
    first_name = forms.CharField(label=_("first name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("last name"), max_length=100, required=False)
    email = forms.EmailField(
        label=_("Representative: e-mail"),
        required=False,
        help_text=_("Empty: the contact person attends themselves."),
    )
    function = forms.CharField(label=_("function"), max_length=200, required=False)
    programme_items = forms.ModelMultipleChoiceField(
        label=_("Side programme"),
        queryset=ProgrammeItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    participation = forms.ChoiceField(
        label=_("takes part"),
        choices=[("", "–"), *Registration.Participation.choices],
        required=False,
        help_text=_("Hybrid events only (required there); elsewhere the event's mode decides."),
    )
    diet = forms.ChoiceField(label=_("diet"), choices=Registration.Diet.choices, required=False)
    diet_notes = forms.CharField(label=_("dietary needs, details"), max_length=300, required=False)
    accessibility_needs = forms.CharField(
        label=_("accessibility needs"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    language = forms.ChoiceField(label=_("language"), choices=settings.LANGUAGES, initial="de")
    privacy_informed = forms.BooleanField(
        label=_("The person was told about the privacy notice"), required=True
    )
    override_limit = forms.BooleanField(
        label=_("Override the organisation's limit of participants"), required=False
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("Required with the override; kept in the registration's history."),
    )

    def __init__(self, *args, event=None, **kwargs):
        super().__init__(*args, **kwargs)
        items = ProgrammeItem.objects.select_related("event").order_by("event", "position")
        self.fields["programme_items"].queryset = items.filter(event=event) if event else items

    def clean(self):
        data = super().clean()
        if data.get("email") and not (data.get("first_name") and data.get("last_name")):
            self.add_error("last_name", _("Please give the representative's first and last name."))
        if data.get("override_limit") and not data.get("reason", "").strip():
            self.add_error("reason", _("Please give a reason for exceeding the limit."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        attendee = None
        if data["email"]:
            attendee = Attendee(
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                function=data["function"],
                salutation=data["salutation"],
                academic_title=data["academic_title"],
            )
        return {
            "event": data["event"],
            "registered_by": data["registered_by"],
            "attendee": attendee,
            "details": Details(
                programme_item_ids=[item.pk for item in data["programme_items"]],
                diet=data["diet"] or Registration.Diet.NONE,
                diet_notes=data["diet_notes"],
                accessibility_needs=data["accessibility_needs"],
                participation=data["participation"],
            ),
            "privacy_acknowledged": data["privacy_informed"],
            "language": data["language"],
            "override_limit": data["override_limit"],
            "reason": data["reason"],
        }


class RegistrationChangeForm(forms.ModelForm):
    """The admin's change form: side programme choices beside the details, all saved through
    services.registration_update (see RegistrationAdmin.save_model)."""

    programme_items = forms.ModelMultipleChoiceField(
        label=_("Side programme"),
        queryset=ProgrammeItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    change_reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=200,
        required=False,
        help_text=_("Optional; kept in the registration's history."),
    )

    class Meta:
        model = Registration
        fields = [
            "is_representative",
            "salutation",
            "academic_title",
            "first_name",
            "last_name",
            "email",
            "function",
            *DETAIL_FIELDS,
            "language",
            "participation",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["programme_items"].queryset = self.instance.event.programme_items.all()
            self.initial["programme_items"] = [
                choice.item_id for choice in self.instance.programme_choices.active()
            ]

    def details(self) -> Details:
        data = self.cleaned_data
        return Details(
            programme_item_ids=[item.pk for item in data["programme_items"]],
            **{name: data[name] for name in DETAIL_FIELDS},
        )
