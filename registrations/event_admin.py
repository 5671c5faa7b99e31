"""The event admin as staff use it: lifecycle steps that tell registrants, messages, answers.

The events app's admin knows nothing of registrations; this module re-registers it with the
registrations services behind its lifecycle hooks, plus the outbox.
"""

from datetime import date

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from events.admin import EventAdmin as BaseEventAdmin
from events.models import Event

from . import emails, exports, selectors, services
from .admin import RegistrationAdmin as BaseRegistrationAdmin
from .charts import bar_chart
from .forms import AnswerDeadlineForm, ExportForm, InviteForm, StaffMessageForm
from .models import AccessRequest, OutboxMessage, Registration


class _Rollback(Exception):
    pass


def preview_after(change, recipients, kind: str, payload: dict | None = None) -> dict:
    """Recipients count, and the first recipient's mail as it will be after `change` runs.

    The change is carried out inside a transaction that is rolled back, so the preview shows
    the real new dates, status and calendar data without anything being stored or sent.
    """
    context: dict = {}
    try:
        with transaction.atomic():
            change()
            rows = list(recipients())
            context["recipient_count"] = len(rows)
            if rows:
                message = emails.for_registration(rows[0], kind, **(payload or {}))
                subject, text, _html, attachments = emails.render(message)
                context.update(
                    preview_to=rows[0].email,
                    preview_subject=subject,
                    preview_text=text,
                    preview_attachments=[a[0] for a in attachments],
                )
            raise _Rollback
    except _Rollback:
        pass
    except ValidationError as exc:
        context["preview_error"] = " ".join(exc.messages)
    return context


EXPORT_FILES = {
    "xlsx": ("teilnehmende", "xlsx"),
    "csv": ("teilnehmende", "csv"),
    "pdf-list": ("teilnehmendenliste", "pdf"),
    "pdf-signin": ("unterschriftenliste", "pdf"),
    "pdf-badges": ("namensschilder", "pdf"),
}
PDF_WRITERS = {
    "pdf-list": exports.pdf_participant_list,
    "pdf-signin": exports.pdf_sign_in_sheet,
    "pdf-badges": exports.pdf_badges,
}


def export_response(event, queryset, fmt: str, *, delimiter: str = ";"):
    """The export as a download: CSV streams, XLSX and PDF are built in one piece."""
    stem, ext = EXPORT_FILES[fmt]
    filename = f"{event.slug}-{stem}.{ext}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_lines(queryset, exports.event_days(event), delimiter=delimiter),
            content_type="text/csv; charset=utf-8",
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            exports.xlsx_bytes(event, queryset),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(PDF_WRITERS[fmt](event, queryset), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # personal data: no copies in caches
    return response


def can_export(request) -> bool:
    return request.user.has_perm("registrations.export_registrations")


def can_mail(request) -> bool:
    """Changing an event's status or dates, and writing to its registrants, send mails."""
    return request.user.has_perms(["events.change_event", "registrations.send_mail_to_registrants"])


def can_check_in(request) -> bool:
    return request.user.has_perm("registrations.check_in")


def can_see_figures(request) -> bool:
    return request.user.has_perm("registrations.view_registration")


admin.site.unregister(Event)


@admin.register(Event)
class EventAdmin(BaseEventAdmin):
    list_display = [*BaseEventAdmin.list_display]
    readonly_fields = [*BaseEventAdmin.readonly_fields, "exports"]

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
            '{}<br><br><a href="{}">{}</a>',
            buttons,
            url,
            gettext("Filter by status or side programme item …"),
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
        notice = forms[0].cleaned_data["notice"]
        if action == "postpone":
            return services.event_postpone_notify(event=event, notice=notice)
        if action == "reschedule":
            answer = forms[2].cleaned_data
            return services.event_reschedule_notify(
                event=event,
                new_days=forms[1].day_specs(),
                notice=notice,
                answer_deadline=answer["answer_deadline"],
                release_unanswered=answer["release_unanswered"],
            )
        if action == "cancel":
            return services.event_cancel_notify(event=event, notice=notice)
        data = forms[0].cleaned_data
        return services.event_create_replacement_notify(
            event=event,
            days=forms[1].day_specs(),
            title=data["title"],
            notice=notice,
            publish=data["publish"],
            invite=forms[2].cleaned_data["invite"],
        )

    def lifecycle_preview(self, request, action, event, forms):
        kind = {
            "postpone": OutboxMessage.Kind.EVENT_POSTPONED,
            "reschedule": OutboxMessage.Kind.EVENT_RESCHEDULED,
            "cancel": OutboxMessage.Kind.EVENT_CANCELLED,
            "replacement": OutboxMessage.Kind.REPLACEMENT_INVITATION,
        }[action]
        if action == "replacement" and not forms[2].cleaned_data["invite"]:
            return {"recipient_count": 0, "preview_template": "admin/registrations/_preview.html"}
        state: dict = {}

        def change():
            state["result"] = self.lifecycle_run(action, event, forms)

        def recipients():
            statuses = [*Registration.ACTIVE]
            if action in ("cancel", "replacement"):
                statuses.append(Registration.Status.CANCELLED_BY_ORGANISER)
            return Registration.objects.filter(event=event, status__in=statuses).order_by("pk")

        payload = {}
        if action == "replacement":
            # Only known once the change has run inside the preview transaction.
            def recipients_with_payload():
                payload["replacement_id"] = state["result"].pk
                return recipients()

            context = preview_after(change, recipients_with_payload, kind, payload)
        else:
            context = preview_after(change, recipients, kind)
        context["preview_template"] = "admin/registrations/_preview.html"
        if action == "cancel":
            context["extra_recipients"] = AccessRequest.objects.filter(
                status=AccessRequest.Status.PENDING
            ).count()
        return context

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
        return [
            path(
                "<int:pk>/message/",
                self.admin_site.admin_view(self.message_view),
                name="events_event_message",
            ),
            path(
                "<int:pk>/answers/",
                self.admin_site.admin_view(self.answers_view),
                name="events_event_answers",
            ),
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="events_event_export",
            ),
            path(
                "<int:pk>/checkin/",
                self.admin_site.admin_view(self.checkin_view),
                name="events_event_checkin",
            ),
            path(
                "<int:pk>/overview/",
                self.admin_site.admin_view(self.overview_view),
                name="events_event_overview",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, event, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": event,
            "event": event,
            "title": title,
            "has_view_permission": True,
            **extra,
        }

    def message_view(self, request, pk):
        """Staff write to a group of registrants: form, preview for one recipient, send."""
        if not can_mail(request):
            raise PermissionDenied
        event = get_object_or_404(Event.objects.prefetch_related("days"), pk=pk)
        form = StaffMessageForm(request.POST or None, event=event)
        context = {}
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                recipients = services.message_recipients(
                    event=event, group=data["group"], item=data["item"]
                )
                if request.POST.get("confirm") == "yes":
                    count = services.staff_message_send(
                        event=event,
                        group=data["group"],
                        subject=data["subject"],
                        body=data["body"],
                        item=data["item"],
                    )
                    self.message_user(
                        request,
                        ngettext("%d message queued.", "%d messages queued.", count) % count,
                        messages.SUCCESS,
                    )
                    return redirect(reverse("admin:events_event_change", args=[event.pk]))
                context = preview_after(
                    lambda: None,
                    lambda: recipients,
                    OutboxMessage.Kind.STAFF_MESSAGE,
                    {"subject": data["subject"], "body": data["body"]},
                )
                context["confirming"] = True
            except ValidationError as exc:
                form.add_error(None, exc)
        return TemplateResponse(
            request,
            "admin/registrations/event_message.html",
            self._context(request, event, gettext("Message to registrants"), form=form, **context),
        )

    def answers_view(self, request, pk):
        """Who confirmed the new dates, who withdrew, who has not answered; remind the latter."""
        event = get_object_or_404(Event.objects.prefetch_related("days"), pk=pk)
        if not self.has_view_permission(request, event):
            raise PermissionDenied
        if request.method == "POST":
            if not can_mail(request):
                raise PermissionDenied
            count = services.reconfirmation_remind(event=event)
            self.message_user(
                request,
                ngettext("%d reminder queued.", "%d reminders queued.", count) % count,
                messages.SUCCESS,
            )
            return redirect(reverse("admin:events_event_answers", args=[event.pk]))
        registrations = (
            Registration.objects.filter(event=event)
            .exclude(reconfirmation=Registration.Reconfirmation.NONE)
            .select_related("organisation")
            .order_by("reconfirmation", "last_name")
        )
        counts = registrations.aggregate(
            confirmed=Count("pk", filter=Q(reconfirmation="confirmed")),
            withdrawn=Count("pk", filter=Q(reconfirmation="withdrawn")),
            pending=Count("pk", filter=Q(reconfirmation="pending", status__in=Registration.ACTIVE)),
        )
        return TemplateResponse(
            request,
            "admin/registrations/event_answers.html",
            self._context(
                request,
                event,
                gettext("Answers to the new dates"),
                registrations=registrations,
                counts=counts,
                can_remind=can_mail(request),
            ),
        )

    def export_view(self, request, pk):
        """With `format`, the export as a download; without, the form to choose filters."""
        if not can_export(request):
            raise PermissionDenied
        event = get_object_or_404(Event, pk=pk)
        form = ExportForm(request.GET or None, event=event)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            queryset = exports.filter_registrations(
                Registration.objects.filter(event=event),
                statuses=form.statuses(),
                item=data["item"],
            )
            return export_response(
                event, queryset, data["format"], delimiter=data["delimiter"] or ";"
            )
        return TemplateResponse(
            request,
            "admin/registrations/event_export.html",
            self._context(request, event, gettext("Export lists"), form=form),
            status=400 if form.is_bound else 200,
        )

    @staticmethod
    def _parse_day(value) -> date | None:
        try:
            return parse_date(value or "")
        except ValueError:  # well-formed but impossible, e.g. 2026-02-30
            return None

    def checkin_view(self, request, pk):
        """On site, on a phone: find a registrant, mark them present for the day, or undo."""
        if not can_check_in(request):
            raise PermissionDenied
        event = get_object_or_404(Event.objects.prefetch_related("days"), pk=pk)
        days = [d.date for d in event.sorted_days]
        today = timezone.localdate()
        day = self._parse_day(request.GET.get("day"))
        if day not in days:
            day = today if today in days else (days[0] if days else None)
        query = request.GET.get("q", "").strip()[:100]
        if request.method == "POST":
            return self._checkin_post(request, event)
        registrations = selectors.checkin_list(event=event, day=day, query=query) if day else []
        counts = selectors.checkin_counts(event=event, day=day) if day else {}
        return TemplateResponse(
            request,
            "admin/registrations/event_checkin.html",
            self._context(
                request,
                event,
                gettext("Check-in"),
                days=days,
                day=day,
                query=query,
                registrations=registrations,
                counts=counts,
            ),
        )

    def _checkin_post(self, request, event):
        try:
            registration = Registration.objects.get(
                event=event, pk=int(request.POST.get("registration", ""))
            )
        except (ValueError, Registration.DoesNotExist):
            return HttpResponse(status=400)
        action = request.POST.get("action")
        day = self._parse_day(request.POST.get("day"))
        if action not in ("present", "undo") or day is None:
            return HttpResponse(status=400)
        try:
            if action == "present":
                services.attendance_check_in(registration=registration, day=day, user=request.user)
                text = gettext("%(name)s is checked in for %(day)s.")
            else:
                services.attendance_undo(registration=registration, day=day)
                text = gettext("Check-in of %(name)s on %(day)s taken back.")
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            params = {"name": registration.full_name, "day": day.strftime("%d.%m.%Y")}
            self.message_user(request, text % params, messages.SUCCESS)
        url = reverse("admin:events_event_checkin", args=[event.pk])
        params = {"day": day.isoformat()}
        if request.POST.get("q"):
            params["q"] = request.POST["q"][:100]
        return redirect(f"{url}?{urlencode(params)}#r{registration.pk}")

    def overview_view(self, request, pk):
        """The event's figures for staff, as tables and as bar charts drawn on the server."""
        if not can_see_figures(request):
            raise PermissionDenied
        event = get_object_or_404(Event.objects.prefetch_related("days"), pk=pk)
        figures = selectors.event_overview(event=event)
        counts = figures["counts"]
        charts = {
            "status": bar_chart(
                title=gettext("Registrations by status"),
                rows=[
                    (gettext("confirmed"), counts["confirmed"]),
                    (gettext("waiting list"), counts["waiting"]),
                    (gettext("cancelled by the registrant"), counts["cancelled"]),
                    (gettext("cancelled by the organiser"), counts["cancelled_by_organiser"]),
                ],
            ),
            "items": bar_chart(
                title=gettext("Confirmed places per side programme item"),
                rows=[(item.title, item.confirmed) for item in figures["items"]],
            ),
            "kinds": bar_chart(
                title=gettext("Registrations per kind of organisation"),
                rows=[(k["label"], k["confirmed"] + k["waiting"]) for k in figures["kinds"]],
            ),
            "states": bar_chart(
                title=gettext("Registrations per federal state"),
                rows=[(s["label"], s["confirmed"] + s["waiting"]) for s in figures["states"]],
            ),
            "attendance": bar_chart(
                title=gettext("Present per day"),
                rows=[(a["day"].strftime("%d.%m.%Y"), a["present"]) for a in figures["attendance"]],
            ),
            "over_time": bar_chart(
                title=gettext("Registrations received over time"),
                rows=[(label, n) for label, n, _total in figures["over_time"]],
            ),
        }
        return TemplateResponse(
            request,
            "admin/registrations/event_overview.html",
            self._context(request, event, gettext("Overview"), charts=charts, **figures),
        )


admin.site.unregister(Registration)


@admin.register(Registration)
class RegistrationAdmin(BaseRegistrationAdmin):
    """The registration list with exports of the selection (or, with "select all", of the
    whole filtered list)."""

    actions = [
        *BaseRegistrationAdmin.actions,
        "export_xlsx",
        "export_csv",
        "export_csv_comma",
        "export_pdf",
        "export_pdf_sign_in",
        "export_pdf_badges",
    ]

    def has_export_list_permission(self, request):
        return can_export(request)

    def _export(self, request, queryset, fmt, **kwargs):
        # The changelist's queryset may carry joins from its filters; re-select by key.
        selected = Registration.objects.filter(pk__in=queryset.values("pk"))
        events = list(Event.objects.filter(pk__in=selected.values("event_id"))[:2])
        if len(events) != 1:
            self.message_user(
                request,
                gettext("Choose registrations of one event to export (filter by event)."),
                messages.WARNING,
            )
            return None
        return export_response(events[0], selected, fmt, **kwargs)

    @admin.action(description=_("Export as Excel (XLSX)"), permissions=["export_list"])
    def export_xlsx(self, request, queryset):
        return self._export(request, queryset, "xlsx")

    @admin.action(description=_("Export as CSV (;)"), permissions=["export_list"])
    def export_csv(self, request, queryset):
        return self._export(request, queryset, "csv", delimiter=";")

    @admin.action(description=_("Export as CSV (,)"), permissions=["export_list"])
    def export_csv_comma(self, request, queryset):
        return self._export(request, queryset, "csv", delimiter=",")

    @admin.action(
        description=_("Export the list of participants (PDF)"), permissions=["export_list"]
    )
    def export_pdf(self, request, queryset):
        return self._export(request, queryset, "pdf-list")

    @admin.action(description=_("Export sign-in sheets (PDF)"), permissions=["export_list"])
    def export_pdf_sign_in(self, request, queryset):
        return self._export(request, queryset, "pdf-signin")

    @admin.action(description=_("Export name badges (PDF)"), permissions=["export_list"])
    def export_pdf_badges(self, request, queryset):
        return self._export(request, queryset, "pdf-badges")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only view of what was and will be sent; failures stand out; staff can retry."""

    list_display = [
        "created_at",
        "kind",
        "recipient",
        "event",
        "status_badge",
        "attempts",
        "sent_at",
        "last_error_short",
    ]
    list_filter = ["status", "kind", "event"]
    search_fields = ["recipient"]
    list_select_related = ["event"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [
        "kind",
        "recipient",
        "language",
        "event",
        "registration",
        "access_request",
        "contact_person",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ]
    exclude = ["payload"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        colour = {"failed": "#a4161a", "pending": "#8a4b00", "sent": "#1f6f43"}[obj.status]
        weight = "bold" if obj.status == OutboxMessage.Status.FAILED else "normal"
        return format_html(
            '<span style="color: {}; font-weight: {}">{}</span>',
            colour,
            weight,
            obj.get_status_display(),
        )

    @admin.display(description=_("last error"))
    def last_error_short(self, obj):
        return obj.last_error[:80]

    @admin.action(description=_("Retry sending"), permissions=["retry"])
    def retry(self, request, queryset):
        count = emails.retry(queryset)
        self.message_user(
            request,
            ngettext("%d message queued again.", "%d messages queued again.", count) % count,
            messages.SUCCESS,
        )

    def has_retry_permission(self, request):
        return request.user.has_perm("registrations.send_mail_to_registrants")
