"""Admin building blocks the events app and the registrations app share (the registrations
admin builds on these; events imports nothing from registrations)."""

import re
from collections.abc import Callable
from datetime import date, datetime

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper


class ActionSelectionMixin:
    """Admin actions get only ids a primary key can hold, and run services one object at a time.

    A browser sends checkbox values, but a forged id beyond 64 bits would otherwise reach
    SQLite as an integer it cannot bind (a server error instead of "nothing selected").
    """

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        usable = [v for v in selected if v.isdigit() and int(v) < 2**63]
        if usable != selected:
            request.POST = request.POST.copy()
            request.POST.setlist(helpers.ACTION_CHECKBOX_NAME, usable)
        return super().response_action(request, queryset)

    def run_each(self, request, objects, run, done_message) -> int:
        """Run a service for each selected object; refusals are reported per object, the
        successes counted in one message."""
        done = 0
        for obj in objects:
            try:
                run(obj)
            except ValidationError as exc:
                self.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        return done


def shown_value(field, value) -> str:
    """A stored value as the change form shows it: choice labels, "yes"/"no", local times,
    the related object's name, "–" for nothing; not the codes, ids, "True" or UTC."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if field.many_to_one:
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else "–"
    return value


class WordsHistoryHelper(HistoricalRecordContextHelper):
    """History in words and local time; a change that reads the same before and after (a
    time saved again without its microseconds) is left out."""

    def context_for_delta_changes(self, delta):
        return [
            change
            for change in super().context_for_delta_changes(delta)
            if change["old"] != change["new"]
        ]

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.many_to_many:
            return super().prepare_delta_change_value(change, value)
        return shown_value(field, value)


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """History pages that show past versions and never restore one.

    SIMPLE_HISTORY_REVERT_DISABLED only hides the button: the version page still saves a
    posted form, writing every field of the old version (a status, a capacity) past the
    services that guard them. Refused here.
    """

    def get_historical_record_context_helper(self, request, historical_record):
        return WordsHistoryHelper(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and self.revert_disabled(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


URL_FIELD_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}


class IntegerListFilter(admin.SimpleListFilter):
    """A list filter whose value is a whole number between `minimum` and `maximum`.

    The value comes from the URL, so it can be anything: text the database cannot compare, or
    a number too large for a database integer or a date. Anything else than a number in range
    is refused the way Django's own filters refuse a wrong lookup (IncorrectLookupParameters:
    the list redirects to "?e=1" and says the filter was invalid) instead of a server error.
    Subclasses set `title`, `parameter_name`, `lookups()`, the bounds and the `lookup` the
    number filters by (or override `filter_number()`).
    """

    lookup = "pk"

    minimum = 0
    maximum = 2**63 - 1  # the largest primary key a 64-bit integer column holds
    NUMBER = re.compile(r"-?[0-9]{1,20}")

    def number(self) -> int | None:
        """The filter's value as a number, None when the filter is not in use."""
        value = self.value()
        if value is None or value == "":
            return None
        if not self.NUMBER.fullmatch(value) or not self.minimum <= int(value) <= self.maximum:
            raise IncorrectLookupParameters(f"{self.parameter_name}={value!r}")
        return int(value)

    def queryset(self, request, queryset):
        number = self.number()
        return queryset if number is None else self.filter_number(queryset, number)

    def filter_number(self, queryset, number: int):
        # A subquery, not a join: an object matched through several rows appears once.
        matching = queryset.model._default_manager.filter(**{self.lookup: number})
        return queryset.filter(pk__in=matching.values("pk"))


def object_pages(model_admin, pages: dict[str, tuple[str, Callable]]) -> list:
    """Extra pages of one object at `<pk>/<route>`, behind the admin's login and permission
    checks, named `<app>_<model>_<name>` like the admin's own URLs."""
    opts = model_admin.model._meta
    return [
        path(
            f"<int:pk>/{route}",
            model_admin.admin_site.admin_view(view),
            name=f"{opts.app_label}_{opts.model_name}_{name}",
        )
        for route, (name, view) in pages.items()
    ]
