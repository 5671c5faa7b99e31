"""The event admin as staff use it: lifecycle steps that tell registrants, capacity and days
that obey the registration rules, and the registration pages of an event.

The events app's admin knows nothing of registrations; this module re-registers it with the
registrations services behind its hooks. Its extra pages are in `event_views`.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from events.admin import EventAdmin as BaseEventAdmin
from events.admin import (
    EventChangeInline,
    EventDayInline,
    MaterialInline,
    OrganiserContactInline,
    ProgrammeItemInline,
)
from events.admin_tools import object_pages
from events.models import Event

from .. import services
from ..models import Registration
from ..selectors import capacity, overview
from .certificates import CertificateSending
from .event_views import EventRegistrationViews
from .forms import AnswerDeadlineForm, InviteForm
from .invitation_views import EventInvitationViews
from .mixins import can_export, can_mail


class EventCapacityForm(forms.ModelForm):
    """A capacity below the places already confirmed is refused: nobody loses a place by an
    edit (cancel registrations first, which tells the people). The admin validates and saves
    in one transaction, so the event's lock taken by the check holds until the save."""

    def clean_capacity(self):
        value = self.cleaned_data.get("capacity")
        if self.instance.pk:
            try:
                services.event_capacity_check(event=self.instance, capacity_value=value)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
        return value

    def clean_online_capacity(self):
        value = self.cleaned_data.get("online_capacity")
        if self.instance.pk:
            try:
                services.event_capacity_check(
                    event=self.instance,
                    capacity_value=value,
                    participation=Registration.Participation.ONLINE,
                )
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
        return value

    def clean_attendance_mode(self):
        value = self.cleaned_data.get("attendance_mode")
        if self.instance.pk:
            refusal = capacity.attendance_mode_refusal(event=self.instance, new_mode=value)
            if refusal:
                raise forms.ValidationError(refusal)
        return value


class ItemCapacityForm(forms.ModelForm):
    def clean_capacity(self):
        value = self.cleaned_data.get("capacity")
        if self.instance.pk:
            try:
                services.event_capacity_check(
                    event=self.instance.event, item=self.instance, capacity_value=value
                )
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
        return value


class CapacityProgrammeItemInline(ProgrammeItemInline):
    form = ItemCapacityForm


class GuardedDayFormSet(BaseInlineFormSet):
    """Once people are registered, the days change only through "Reschedule", which keeps the
    date history, raises the calendar version and tells everyone; here they are refused."""

    def clean(self):
        super().clean()
        event = self.instance
        if not event.pk or not overview.has_registrants(event):
            return
        changed = any(
            form.has_changed() or self._should_delete_form(form)
            for form in self.forms
            if form.instance.pk or form.has_changed()
        )
        if changed:
            raise forms.ValidationError(
                _(
                    "People are registered for this event, so its days cannot be changed "
                    "here. Use “Reschedule” (above, under “Change status or dates”): it "
                    "tells every registrant, asks them to confirm and keeps the history."
                ),
                code="registered",
            )


class GuardedEventDayInline(EventDayInline):
    formset = GuardedDayFormSet


admin.site.unregister(Event)


@admin.register(Event)
class EventAdmin(CertificateSending, EventInvitationViews, EventRegistrationViews, BaseEventAdmin):
    form = EventCapacityForm
    list_display = [*BaseEventAdmin.list_display, "confirmed_count", "waiting_count"]
    readonly_fields = [*BaseEventAdmin.readonly_fields, "exports"]
    actions = ["send_certificates"]
    inlines = [
        GuardedEventDayInline,
        CapacityProgrammeItemInline,
        OrganiserContactInline,
        MaterialInline,
        EventChangeInline,
    ]

    def get_queryset(self, request):
        return overview.with_registration_counts(super().get_queryset(request))

    @admin.display(description=_("confirmed"), ordering="_confirmed")
    def confirmed_count(self, obj):
        return obj._confirmed

    @admin.display(description=_("waiting list"), ordering="_waiting")
    def waiting_count(self, obj):
        return obj._waiting

    def save_related(self, request, form, formsets, change):
        """After the event and its items are saved (a capacity raised in the form or in the
        items inline): whoever waits moves up, in order, with their mail."""
        super().save_related(request, form, formsets, change)
        promoted = services.places_refill(event=form.instance)
        if promoted:
            count = len(promoted)
            self.message_user(
                request,
                ngettext(
                    "%d person moved up from the waiting list.",
                    "%d people moved up from the waiting list.",
                    count,
                )
                % count,
                messages.SUCCESS,
            )

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if not can_mail(request):
            # The lifecycle buttons lead to pages that would refuse this user.
            fieldsets = [
                (name, {**opts, "fields": [f for f in opts["fields"] if f != "lifecycle"]})
                for name, opts in fieldsets
            ]
        if obj is not None and obj.pk and can_export(request):
            fieldsets.append((_("Exports"), {"fields": ["exports"]}))
        return fieldsets

    @admin.display(description=_("Lists for the event"))
    def exports(self, obj):
        if not obj or not obj.pk:
            return "–"
        url = reverse("admin:events_event_export", args=[obj.pk])
        links = [
            ({"format": "xlsx"}, gettext("Attendee list (XLSX)")),
            ({"format": "csv", "delimiter": ";"}, gettext("CSV (;)")),
            ({"format": "csv", "delimiter": ","}, gettext("CSV (,)")),
            ({"format": "pdf-list"}, gettext("List of participants (PDF)")),
            ({"format": "pdf-signin"}, gettext("Sign-in sheets (PDF)")),
            ({"format": "pdf-badges"}, gettext("Name badges (PDF)")),
        ]
        buttons = format_html_join(
            " ",
            '<a class="button" href="{}">{}</a>',
            ((f"{url}?{urlencode(params)}", label) for params, label in links),
        )
        return format_html(
            '{}<br><br><a href="{}">{}</a> · <a href="{}">{}</a>',
            buttons,
            url,
            gettext("Filter by status or side programme item …"),
            reverse("admin:events_event_invitation_overview", args=[obj.pk]),
            gettext("Invitations: who answered"),
        )

    def _lifecycle(self, request, pk, action):
        # Every lifecycle step tells the registrants.
        if not can_mail(request):
            raise PermissionDenied
        return super()._lifecycle(request, pk, action)

    def lifecycle_forms(self, action, data, event):
        forms = super().lifecycle_forms(action, data, event)
        if action == "reschedule":
            forms.append(AnswerDeadlineForm(data, prefix="a"))
        if action == "replacement":
            forms.append(InviteForm(data, prefix="i"))
        return forms

    def lifecycle_run(self, action, event, forms):
        notice = {name: forms[0].cleaned_data[name] for name in ("notice", "notice_en")}
        if action == "postpone":
            return services.event_postpone_notify(event=event, **notice)
        if action == "reschedule":
            answer = forms[2].cleaned_data
            return services.event_reschedule_notify(
                event=event,
                new_days=forms[1].day_specs(),
                **notice,
                answer_deadline=answer["answer_deadline"],
                release_unanswered=answer["release_unanswered"],
                move_registration_window=answer["move_registration_window"],
            )
        if action == "cancel":
            return services.event_cancel_notify(event=event, **notice)
        if action == "online":
            return services.event_move_online_notify(event=event, **notice, **forms[1].cleaned_data)
        data = forms[0].cleaned_data
        return services.event_create_replacement_notify(
            event=event,
            days=forms[1].day_specs(),
            title=data["title"],
            **notice,
            publish=data["publish"],
            invite=forms[2].cleaned_data["invite"],
        )

    def lifecycle_preview(self, request, action, event, forms):
        """The confirmation page's preview: the service itself runs in a rolled-back
        transaction, and what it queued is counted and shown. It runs on a copy of the event:
        the services bring the instance they are given up to date, and the page must still
        show the status and days as they are until staff confirm."""
        copy = Event.objects.get(pk=event.pk)
        preview = services.mails_preview(lambda: self.lifecycle_run(action, copy, forms))
        return {"preview": preview, "preview_template": "admin/registrations/_preview.html"}

    @admin.display(description=_("Change status or dates"))
    def lifecycle(self, obj):
        buttons = super().lifecycle(obj)
        if not obj or not obj.pk:
            return buttons
        extra = format_html_join(
            " ",
            '<a class="button" href="{}">{}</a>',
            [
                (
                    reverse("admin:events_event_message", args=[obj.pk]),
                    gettext("Message to registrants"),
                ),
                (
                    reverse("admin:events_event_answers", args=[obj.pk]),
                    gettext("Answers to the new dates"),
                ),
                (
                    reverse("admin:events_event_invitations", args=[obj.pk]),
                    gettext("Invitations"),
                ),
                (
                    reverse("admin:registrations_outboxmessage_changelist")
                    + f"?event__id__exact={obj.pk}",
                    gettext("Outbox"),
                ),
                (
                    reverse("admin:registrations_registration_changelist")
                    + f"?event__id__exact={obj.pk}",
                    gettext("Registrations"),
                ),
            ],
        )
        return format_html("{}<br><br>{}", buttons, extra)

    def get_urls(self):
        pages = {
            "message/": ("message", self.message_view),
            "answers/": ("answers", self.answers_view),
            "export/": ("export", self.export_view),
            "checkin/": ("checkin", self.checkin_view),
            "invitations/": ("invitations", self.invitations_view),
            "invitations/overview/": ("invitation_overview", self.invitation_overview_view),
            "overview/": ("overview", self.overview_view),
        }
        return object_pages(self, pages) + super().get_urls()
