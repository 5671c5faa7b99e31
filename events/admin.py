from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Min
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import (
    TranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)

from . import online, services
from .admin_agenda import day_programme_links
from .admin_tools import (
    URL_FIELD_OVERRIDES,
    IntegerListFilter,
    ReadOnlyHistoryAdmin,
    object_pages,
)
from .forms import DayFormSet, NoticeForm, OnlineDetailsForm, ReplacementForm
from .models import (
    Event,
    EventChange,
    EventDay,
    Material,
    OrganiserContact,
    ProgrammeItem,
    Series,
    Session,
    Topic,
    TopicLink,
)


class EventDayInline(admin.TabularInline):
    model = EventDay
    extra = 0
    min_num = 1


# Texts with a German and an English field (events/translation.py) use modeltranslation's
# admin classes: each such field appears as "… [de]" (required where the field is) and
# "… [en]" (optional). Not its tabbed variant: that loads jQuery UI from a CDN.


class ProgrammeItemInline(TranslationStackedInline):
    model = ProgrammeItem
    extra = 0
    fields = [
        ("kind", "title"),
        "description",
        ("starts_at", "ends_at"),
        "place",
        ("capacity", "position"),
    ]


class OrganiserContactInline(admin.TabularInline):
    model = OrganiserContact
    extra = 0


class MaterialInline(TranslationTabularInline):
    """Documents of the event; the file's type and size are checked by the field's validator,
    so this door and any other refuse the same files."""

    model = Material
    extra = 0
    fields = ["title", "session", "session_title", "file", "visibility", "position"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """A material belongs to a session of its own event's programme."""
        if db_field.name == "session":
            event_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Session.objects.filter(day__event_id=event_id or 0).order_by(
                "day__date", "start_time"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EventChangeInline(TranslationTabularInline):
    model = EventChange
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "previous_status", "previous_days", "new_days", "notice"]
    readonly_fields = fields
    verbose_name_plural = _("history of status and date changes")

    def has_add_permission(self, request, obj=None):
        return False


# Django 6 will assume https for scheme-less URLs; opt in now (and avoid its deprecation warning).
class YearListFilter(IntegerListFilter):
    title = _("year")
    parameter_name = "year"
    minimum, maximum = 1, 9999  # what a date can hold

    def lookups(self, request, model_admin):
        years = EventDay.objects.dates("date", "year", order="DESC")
        return [(d.year, str(d.year)) for d in years]

    lookup = "days__date__year"


# What a new event's fee note says until staff change it, per language.
FEE_NOTE_PROPOSAL = {
    "fee_note_de": "Die Teilnahme ist gebührenfrei.",
    "fee_note_en": "Participation is free of charge.",
}


@admin.register(Event)
class EventAdmin(TranslationAdmin, ReadOnlyHistoryAdmin):
    list_display = [
        "title",
        "series",
        "status",
        "first_date",
        "last_date",
        "published",
    ]
    formfield_overrides = URL_FIELD_OVERRIDES
    list_filter = ["status", "attendance_mode", YearListFilter, "series", "published"]
    # Both languages, whichever the staff member's admin is in.
    search_fields = [
        "title_de",
        "title_en",
        "subtitle_de",
        "subtitle_en",
        "lead_theme_de",
        "venue_city",
    ]
    date_hierarchy = "created_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["topics", "replaces"]
    readonly_fields = [
        "status",
        "status_notice",
        "status_changed_at",
        "sequence",
        "uid",
        "lifecycle",
        "programme",
    ]
    inlines = [
        EventDayInline,
        ProgrammeItemInline,
        OrganiserContactInline,
        MaterialInline,
        EventChangeInline,
    ]
    fieldsets = [
        (None, {"fields": ["series", "title", "slug", "subtitle", "lead_theme", "published"]}),
        (
            _("Text"),
            {
                "fields": [
                    "teaser",
                    "description",
                    ("image", "image_alt"),
                    "audience",
                    "fee_note",
                    "is_free",
                ]
            },
        ),
        (_("Organiser"), {"fields": ["organiser", "organiser_url"]}),
        (
            _("Venue and online participation"),
            {
                "fields": [
                    "attendance_mode",
                    "join_url",
                    "dial_in",
                    "venue_name",
                    "venue_address",
                    "venue_postcode",
                    "venue_city",
                ]
            },
        ),
        (
            _("Registration"),
            {
                "fields": [
                    ("registration_opens_at", "registration_closes_at"),
                    "changes_close_at",
                    ("capacity", "waiting_list_enabled"),
                    "online_capacity",
                    "participants_per_organisation",
                    "reminder_days_before",
                ]
            },
        ),
        (_("Programme"), {"fields": ["programme"]}),
        (_("Topics"), {"fields": ["topics"]}),
        (
            _("Status"),
            {
                "fields": [
                    "lifecycle",
                    ("status", "status_changed_at"),
                    "status_notice",
                    "replaces",
                    ("uid", "sequence"),
                ]
            },
        ),
    ]

    def get_changeform_initial_data(self, request):
        return {**FEE_NOTE_PROPOSAL, **super().get_changeform_initial_data(request)}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("series")
            .annotate(_first=Min("days__date"), _last=Max("days__date"))
        )

    @admin.display(description=_("first day"), ordering="_first")
    def first_date(self, obj):
        return obj._first

    @admin.display(description=_("last day"), ordering="_last")
    def last_date(self, obj):
        return obj._last

    @admin.display(description=_("Programme by day"))
    def programme(self, obj):
        if not obj or not obj.pk:
            return gettext("Save the event with its days first.")
        return day_programme_links(obj) or "–"

    @admin.display(description=_("Change status or dates"))
    def lifecycle(self, obj):
        if not obj or not obj.pk:
            return "–"
        links = [
            ("postpone", gettext("Postpone")),
            ("reschedule", gettext("Reschedule")),
            ("cancel", gettext("Cancel event")),
            ("replacement", gettext("Create replacement event")),
            ("online", gettext("Switch to online")),
        ]
        return format_html_join(
            " ",
            '<a class="button" href="{}">{}</a>',
            (
                (reverse(f"admin:events_event_{name}", args=[obj.pk]), label)
                for name, label in links
            ),
        )

    def get_urls(self):
        lifecycle = {
            f"{name}/": (name, getattr(self, f"{name}_view"))
            for name in ("postpone", "reschedule", "cancel", "replacement", "online")
        }
        return object_pages(self, lifecycle) + super().get_urls()

    # Lifecycle views: a form, then a confirmation page listing what will happen, then the
    # service call. The confirmation is a second POST carrying the same data plus "confirm".
    # The registrations app extends the three hooks below to tell registrants.

    LIFECYCLE_TITLES = {
        "postpone": _("Postpone event"),
        "reschedule": _("Reschedule event"),
        "cancel": _("Cancel event"),
        "replacement": _("Create replacement event"),
        "online": _("Switch to online"),
    }

    def lifecycle_forms(self, action, data, event) -> list:
        if action == "reschedule":
            initial = [
                {"date": d.date, "start_time": d.start_time, "end_time": d.end_time}
                for d in event.days.all()
            ]
            return [NoticeForm(data, prefix="n"), DayFormSet(data, initial=initial, prefix="days")]
        if action == "replacement":
            with translation.override("de"):  # proposed for the German title field
                title = gettext("%(title)s – replacement event") % {"title": event.title}
            return [
                ReplacementForm(data, prefix="n", initial={"title": title}),
                DayFormSet(data, prefix="days"),
            ]
        if action == "online":
            return [NoticeForm(data, prefix="n"), OnlineDetailsForm(data, prefix="o")]
        return [NoticeForm(data, prefix="n")]

    def lifecycle_run(self, action, event, forms):
        notice = {name: forms[0].cleaned_data[name] for name in ("notice", "notice_en")}
        if action == "postpone":
            return services.event_postpone(event=event, **notice)
        if action == "reschedule":
            return services.event_reschedule(event=event, new_days=forms[1].day_specs(), **notice)
        if action == "cancel":
            return services.event_cancel(event=event, **notice)
        if action == "online":
            return online.event_move_online(event=event, **notice, **forms[1].cleaned_data)
        data = forms[0].cleaned_data
        return services.event_create_replacement(
            event=event,
            days=forms[1].day_specs(),
            title=data["title"],
            **notice,
            publish=data["publish"],
        )

    def lifecycle_preview(self, request, action, event, forms) -> dict:
        """Extra context for the confirmation page (recipients and mail preview)."""
        return {}

    def _lifecycle(self, request, pk, action):
        event = get_object_or_404(Event, pk=pk)
        if not self.has_change_permission(request, event):
            raise PermissionDenied
        forms = self.lifecycle_forms(
            action, request.POST if request.method == "POST" else None, event
        )
        valid = request.method == "POST" and all(f.is_valid() for f in forms)
        if valid and request.POST.get("confirm") == "yes":
            try:
                result = self.lifecycle_run(action, event, forms)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                target = result if isinstance(result, Event) else event
                self.message_user(request, self._lifecycle_done(action, target), messages.SUCCESS)
                return redirect(reverse("admin:events_event_change", args=[target.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": event,
            "event": event,
            "title": self.LIFECYCLE_TITLES[action],
            "action": action,
            "forms": forms,
            "confirming": valid,
            "has_view_permission": True,
            **(self.lifecycle_preview(request, action, event, forms) if valid else {}),
        }
        return TemplateResponse(request, "admin/events/event/lifecycle.html", context)

    @staticmethod
    def _lifecycle_done(action, event) -> str:
        return {
            "postpone": gettext("“%(event)s” is now postponed."),
            "reschedule": gettext("“%(event)s” has new dates."),
            "cancel": gettext("“%(event)s” is now cancelled."),
            "replacement": gettext("Replacement event “%(event)s” created."),
            "online": gettext("“%(event)s” now takes place online."),
        }[action] % {"event": event}

    def postpone_view(self, request, pk):
        return self._lifecycle(request, pk, "postpone")

    def reschedule_view(self, request, pk):
        return self._lifecycle(request, pk, "reschedule")

    def cancel_view(self, request, pk):
        return self._lifecycle(request, pk, "cancel")

    def replacement_view(self, request, pk):
        return self._lifecycle(request, pk, "replacement")

    def online_view(self, request, pk):
        return self._lifecycle(request, pk, "online")


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class TopicLinkInline(TranslationTabularInline):
    model = TopicLink
    extra = 0
    formfield_overrides = URL_FIELD_OVERRIDES


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TopicLinkInline]
