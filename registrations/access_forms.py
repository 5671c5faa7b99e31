"""Forms of people on their way in: asking for access to the directory, declining an
invitation (with a colleague to invite instead)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import NormalisedEmailField, SiteForm
from .models import MemberOrganisation, Salutation


class InvitationDeclineForm(SiteForm):
    """ "I cannot attend", with a colleague the person may name; the colleague gets no mail
    from this (staff decide whether to add them to the directory)."""

    submit_label = _("I cannot attend")

    colleague_name = forms.CharField(
        label=_("Colleague we may invite instead (optional)"), max_length=200, required=False
    )
    colleague_email = NormalisedEmailField(
        label=_("E-mail address of the colleague"), max_length=254, required=False
    )
    colleague_note = forms.CharField(
        label=_("Note to the organisers (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "We do not write to your colleague before we have added them to our directory."
        ),
    )


class AccessRequestForm(SiteForm):
    submit_label = _("Request access")

    salutation = forms.ChoiceField(
        label=_("Salutation"), choices=Salutation.choices, required=False
    )
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
    email = NormalisedEmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    organisation = forms.ModelChoiceField(
        label=_("Member organisation"),
        queryset=MemberOrganisation.objects.none(),
        empty_label=_("Please choose"),
    )
    function = forms.CharField(
        label=_("Function"),
        max_length=200,
        help_text=_("E.g. head of the urban planning office, or representative of …"),
    )
    message = forms.CharField(
        label=_("Message to the organisers (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = MemberOrganisation.objects.current()
