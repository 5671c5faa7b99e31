"""Admin helpers shared by the registrations admin (the action helper lives in events.admin_tools,
which cannot import from here)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from events.admin_tools import ReadOnlyHistoryAdmin


class HistoryAdmin(ReadOnlyHistoryAdmin):
    """The history page with a column saying through whom each change came.

    Staff show under "changed by"; registrants have no user account, so this column names
    the signed-in contact person, or says the registration's personal link was used.
    """

    history_list_display = ["via"]

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        return (
            super()
            .get_history_queryset(request, history_manager, pk_name, object_id)
            .select_related("history_contact_person")
        )

    @admin.display(description=_("via"))
    def via(self, record):
        label = record.get_history_changed_by_display()
        if record.history_contact_person is not None:
            return f"{label}: {record.history_contact_person.full_name}"
        return label


class CustomViewMixin:
    """Context for the extra pages of a model admin (breadcrumbs, title, permissions)."""

    def view_context(self, request, obj, title, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "event": obj,
            "title": title,
            "has_view_permission": True,
            **extra,
        }


def can_export(request) -> bool:
    return request.user.has_perm("registrations.export_registrations")


def can_mail(request) -> bool:
    """Changing an event's status or dates, and writing to its registrants, send mails."""
    return request.user.has_perms(["events.change_event", "registrations.send_mail_to_registrants"])


def can_check_in(request) -> bool:
    return request.user.has_perm("registrations.check_in")


def can_see_figures(request) -> bool:
    return request.user.has_perm("registrations.view_registration")
