"""The invitation pages of an event in the admin: invite (filtered, with a preview of the
mail and the count from the sending itself), remind, the reminder schedule, and the overview
of answers with its XLSX export."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from events.models import Event

from .. import services
from ..exports.invitations import invitations_xlsx
from ..models import InvitationSchedule
from ..selectors import invitations as selectors
from .forms import InvitationScheduleForm, InvitationSendForm
from .mixins import CustomViewMixin, can_export, can_mail, can_see_figures

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class EventInvitationViews(CustomViewMixin):
    def invitations_view(self, request, pk):
        """Invite, remind, set the reminder schedule; each mailing previewed before sending."""
        if not can_mail(request):
            raise PermissionDenied
        event = get_object_or_404(Event.objects.prefetch_related("days"), pk=pk)
        action = request.POST.get("action") if request.method == "POST" else None
        form = InvitationSendForm(request.POST if action == "invite" else None, prefix="f")
        schedule = InvitationSchedule.objects.filter(event=event).first()
        schedule_form = InvitationScheduleForm(
            request.POST if action == "schedule" else None,
            prefix="s",
            initial={
                "reminder_days_before_close": getattr(schedule, "reminder_days_before_close", None)
            },
        )
        run = None
        if action == "invite" and form.is_valid():
            chosen = form.chosen()
            run = lambda: services.invitations_send(event=event, chosen=chosen)  # noqa: E731
        elif action == "remind":
            run = lambda: services.invitation_reminders_send(event=event)  # noqa: E731
        elif action == "schedule" and schedule_form.is_valid():
            services.invitation_schedule_set(
                event=event,
                reminder_days_before_close=schedule_form.cleaned_data["reminder_days_before_close"],
            )
            self.message_user(request, gettext("The reminder schedule is saved."), messages.SUCCESS)
            return redirect(reverse("admin:events_event_invitations", args=[event.pk]))
        context = {}
        if run is not None:
            if request.POST.get("confirm") == "yes":
                return self._send(request, event, run)
            context = {"preview": services.mails_preview(run), "confirming": action}
        return TemplateResponse(
            request,
            "admin/registrations/event_invitations.html",
            self.view_context(
                request,
                event,
                gettext("Invitations"),
                form=form,
                schedule_form=schedule_form,
                totals=selectors.invitation_overview(event=event)["totals"],
                to_remind=selectors.reminder_recipients(event).count(),
                **context,
            ),
        )

    def _send(self, request, event, run):
        try:
            count = run()
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                ngettext("%d mail queued.", "%d mails queued.", count) % count,
                messages.SUCCESS,
            )
        return redirect(reverse("admin:events_event_invitations", args=[event.pk]))

    def invitation_overview_view(self, request, pk):
        """Who answered, per organisation, kind and federal state; `?format=xlsx` downloads."""
        if not can_see_figures(request):
            raise PermissionDenied
        event = get_object_or_404(Event, pk=pk)
        if request.GET.get("format") == "xlsx":
            if not can_export(request):
                raise PermissionDenied
            response = HttpResponse(invitations_xlsx(event), content_type=XLSX)
            response["Content-Disposition"] = (
                f'attachment; filename="{event.slug}-einladungen.xlsx"'
            )
            response["Cache-Control"] = "no-store"  # personal data: no copies in caches
            return response
        return TemplateResponse(
            request,
            "admin/registrations/event_invitation_overview.html",
            self.view_context(
                request,
                event,
                gettext("Invitations: who answered"),
                can_export=can_export(request),
                can_mail=can_mail(request),
                **selectors.invitation_overview(event=event),
            ),
        )
