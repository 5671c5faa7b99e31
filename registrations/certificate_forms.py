"""The public check of a certificate's verification code."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import SiteForm


class CertificateCheckForm(SiteForm):
    submit_label = _("Check")

    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("As printed at the bottom of the certificate, e.g. ABCDE-FGHJK."),
    )
