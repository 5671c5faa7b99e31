"""The programme in the admin: one page per event day with its sessions in time order, a
session page for its speakers, and the speakers themselves.

Days are added, moved and removed only on the event (and by "Reschedule"); here staff edit
what happens on a day. The event's change page links to each day's programme.
"""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from .models import Event, EventDay, Session, SessionSpeaker, Speaker

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["day", "start_time", "end_time", "kind", "title", "description", "room"]
        widgets = {
            "start_time": TIME_WIDGET,
            "end_time": TIME_WIDGET,
            "description": forms.Textarea(attrs={"rows": 2}),
        }


class SessionInline(TranslationStackedInline):
    model = Session
    form = SessionForm
    extra = 0
    show_change_link = True
    fields = [("start_time", "end_time"), ("kind", "title"), "description", "room", "speaker_list"]
    readonly_fields = ["speaker_list"]
    ordering = ["start_time", "end_time", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("session_speakers__speaker")

    @admin.display(description=_("speakers"))
    def speaker_list(self, obj):
        if not obj or not obj.pk:
            return gettext("Save first, then add speakers on the session's page.")
        names = ", ".join(str(s) for s in obj.ordered_speakers) or "–"
        url = reverse("admin:events_session_change", args=[obj.pk])
        return format_html('{} · <a href="{}">{}</a>', names, url, gettext("Edit speakers"))


@admin.register(EventDay)
class EventDayAdmin(admin.ModelAdmin):
    """A day's programme ("Tagesordnung"). The date is set on the event, not here."""

    list_display = ["__str__", "event", "session_count"]
    list_filter = ["event"]
    list_select_related = ["event"]
    search_fields = ["event__title"]
    ordering = ["-date", "start_time"]
    fields = ["event", "date", ("start_time", "end_time")]
    readonly_fields = fields[:2] + ["start_time", "end_time"]
    inlines = [SessionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_sessions=Count("sessions"))

    @admin.display(description=_("sessions"), ordering="_sessions")
    def session_count(self, obj):
        return obj._sessions

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SessionSpeakerInline(admin.TabularInline):
    model = SessionSpeaker
    extra = 1
    autocomplete_fields = ["speaker"]
    fields = ["speaker", "position"]


class DayChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.event.title}: {obj.date:%d.%m.%Y}"


@admin.register(Session)
class SessionAdmin(TranslationAdmin):
    form = SessionForm
    list_display = ["title", "day_date", "start_time", "end_time", "kind", "room", "event"]
    list_filter = ["kind", ("day__event", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["day__event"]
    search_fields = ["title", "room", "speakers__name", "speakers__organisation"]
    ordering = ["-day__date", "start_time", "pk"]
    inlines = [SessionSpeakerInline]

    @admin.display(description=_("day"), ordering="day__date")
    def day_date(self, obj):
        return obj.day.date

    @admin.display(description=_("event"), ordering="day__event__title")
    def event(self, obj):
        return obj.day.event

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "day":
            days = EventDay.objects.select_related("event").order_by("-date")
            # A session moves between the days of its own event only.
            obj_id = request.resolver_match.kwargs.get("object_id")
            session = Session.objects.filter(pk=obj_id).first() if obj_id else None
            if session:
                days = days.filter(event_id=session.day.event_id)
            return DayChoiceField(queryset=days, label=_("day"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def response_change(self, request, obj):
        """Back to the day's programme after saving, where staff came from."""
        response = super().response_change(request, obj)
        if isinstance(response, HttpResponseRedirect) and "_save" in request.POST:
            return HttpResponseRedirect(reverse("admin:events_eventday_change", args=[obj.day_id]))
        return response


@admin.register(Speaker)
class SpeakerAdmin(TranslationAdmin):
    list_display = ["name", "organisation", "role"]
    search_fields = ["name", "organisation", "role"]


def day_programme_links(event: Event) -> str:
    """For the event's change page: each day with its number of sessions and a link to edit
    its programme."""
    days = event.days.annotate(_sessions=Count("sessions")).order_by("date", "start_time")
    return format_html_join(
        "",
        '<p><a href="{}">{}</a> ({})</p>',
        (
            (
                reverse("admin:events_eventday_change", args=[day.pk]),
                gettext("Programme of %(date)s") % {"date": f"{day.date:%d.%m.%Y}"},
                ngettext("%(count)d session", "%(count)d sessions", day._sessions)
                % {"count": day._sessions},
            )
            for day in days
        ),
    )
