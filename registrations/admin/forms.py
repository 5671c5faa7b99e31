"""Forms of the registration pages in the admin: answers to new dates, invitations to a
replacement, staff messages, export filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import clean_text
from ..models import ContactPerson, FederalState, MemberOrganisation, Registration
from ..selectors.invitations import InvitationFilter
from ..selectors.recipients import MessageGroup


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
            "Placeholders: {salutation}, {first_name}, {last_name}, {event}, {dates}, {manage_url}"
        ),
    )

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = MessageGroup.choices
        self.fields["item"].queryset = event.programme_items.all()

    def clean_subject(self):
        return clean_text(self.cleaned_data["subject"]).replace("\n", " ")

    def clean_body(self):
        return clean_text(self.cleaned_data["body"])

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
