"""The registration pages of an event in the admin: message to registrants, answers to new
dates, exports, check-in on site, overview."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext

from events.models import Event

from .. import services
from ..charts import bar_chart
from ..exports import rows as export_rows
from ..models import Registration
from ..selectors import overview
from .exports import export_response
from .forms import ExportForm, StaffMessageForm
from .mixins import CustomViewMixin, can_check_in, can_export, can_mail, can_see_figures


class EventRegistrationViews(CustomViewMixin):
    def message_view(self, request, pk):
        """Staff write to a group of registrants: form, preview for one recipient, send."""
        if not can_mail(request):
            raise PermissionDenied
        event = get_object_or_404(Event.objects.prefetch_related("days"), pk=pk)
        form = StaffMessageForm(request.POST or None, event=event)
        context = {}
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data

            def send() -> int:
                return services.staff_message_send(
                    event=event,
                    group=data["group"],
                    subject=data["subject"],
                    body=data["body"],
                    item=data["item"],
                )

            if "edit" in request.POST:  # back to the form, with the typed text
                pass
            elif request.POST.get("confirm") == "yes":
                try:
                    count = send()
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    self.message_user(
                        request,
                        ngettext("%d message queued.", "%d messages queued.", count) % count,
                        messages.SUCCESS,
                    )
                    return redirect(reverse("admin:events_event_change", args=[event.pk]))
            else:
                context = {"preview": services.mails_preview(send), "confirming": True}
        title = gettext("Message to registrants")
        return TemplateResponse(
            request,
            "admin/registrations/event_message.html",
            self.view_context(request, event, title, form=form, **context),
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
        registrations, counts = overview.reconfirmation_answers(event)
        return TemplateResponse(
            request,
            "admin/registrations/event_answers.html",
            self.view_context(
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
            queryset = export_rows.filter_registrations(
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
            self.view_context(request, event, gettext("Export lists"), form=form),
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
        registrations = overview.checkin_list(event=event, day=day, query=query) if day else []
        counts = overview.checkin_counts(event=event, day=day) if day else {}
        return TemplateResponse(
            request,
            "admin/registrations/event_checkin.html",
            self.view_context(
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
        if action not in ("present", "undo", "admit") or day is None:
            return HttpResponse(status=400)
        try:
            if action == "admit":
                text = self._admit_on_site(request, registration, day)
            elif action == "present":
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

    @staticmethod
    def _admit_on_site(request, registration, day):
        """Someone from the waiting list is let in at the door: a place (beyond capacity if need
        be, with the reason in the history), then the check-in."""
        services.registration_confirm_from_waiting_list(
            registration=registration,
            reason=gettext("Admitted on site from the waiting list by %(user)s")
            % {"user": request.user.get_username()},
        )
        services.attendance_check_in(registration=registration, day=day, user=request.user)
        return gettext("%(name)s was admitted from the waiting list and is checked in for %(day)s.")

    def overview_view(self, request, pk):
        """The event's figures for staff, as tables and as bar charts drawn on the server."""
        if not can_see_figures(request):
            raise PermissionDenied
        event = get_object_or_404(Event.objects.prefetch_related("days"), pk=pk)
        figures = overview.event_overview(event=event)
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
            self.view_context(request, event, gettext("Overview"), charts=charts, **figures),
        )
