from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import DaySpec


class NoticeForm(forms.Form):
    notice = forms.CharField(
        label=_("Public notice"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Shown in the banner on the event page and in the mail to registrants."),
    )
    notice_en = forms.CharField(
        label=_("Public notice in English"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=_("Optional. Without it, English pages and mails show the German notice."),
    )


class OnlineDetailsForm(forms.Form):
    """Join details for the switch to online; kept private (see Event.join_url)."""

    join_url = forms.URLField(
        label=_("Join link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_(
            "Only confirmed online participants see it (personal page, reminder, calendar). "
            "Empty: keep the stored link."
        ),
    )
    dial_in = forms.CharField(
        label=_("Dial-in details"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Empty: keep the stored details."),
    )


class DayForm(forms.Form):
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("Start time"), initial=time(9, 0), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_("End time"), initial=time(17, 0), widget=forms.TimeInput(attrs={"type": "time"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            raise forms.ValidationError(_("The end time must be after the start time."))
        return data


class BaseDayFormSet(forms.BaseFormSet):
    def _kept_forms(self) -> list[forms.Form]:
        return [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]

    def clean(self):
        if any(self.errors):
            return
        dates = [f.cleaned_data["date"] for f in self._kept_forms()]
        if not dates:
            raise forms.ValidationError(_("Give at least one day."))
        if len(set(dates)) != len(dates):
            raise forms.ValidationError(_("Each day may appear only once."))

    def day_specs(self) -> list[DaySpec]:
        return sorted(
            (
                DaySpec(
                    f.cleaned_data["date"], f.cleaned_data["start_time"], f.cleaned_data["end_time"]
                )
                for f in self._kept_forms()
            ),
            key=lambda d: d.date,
        )


# Spare rows to add days, and a delete box to drop one: a new date need not keep the day count.
DayFormSet = forms.formset_factory(
    DayForm, formset=BaseDayFormSet, extra=2, min_num=1, max_num=10, can_delete=True
)


class ReplacementForm(NoticeForm):
    title = forms.CharField(label=_("Title of the replacement event"), max_length=200)
    publish = forms.BooleanField(label=_("Publish at once"), required=False)

    field_order = ["title", "notice", "notice_en", "publish"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notice"].required = False
