"""Reads for staff pages that span several models, each in a fixed number of queries."""

from datetime import date, timedelta

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext as _

from events.models import Event

from ..models import Attendance, FederalState, MemberOrganisation, ProgrammeChoice, Registration
from ..text import fold_for_search

# Up to six weeks of registrations are shown per day; a longer period per week.
DAILY_SPAN = 42


def checkin_list(*, event: Event, day: date, query: str = ""):
    """Confirmed registrants of the event and, after them, those waiting (staff may admit them
    on site), each with `present` for the day, found by name or organisation: every word of
    the query must match one of them, ignoring accents and case."""
    registrations = (
        Registration.objects.filter(
            event=event,
            status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITING],
        )
        .select_related("organisation", "event")
        .annotate(present=Exists(Attendance.objects.filter(registration=OuterRef("pk"), day=day)))
        .order_by(
            Case(When(status=Registration.Status.WAITING, then=1), default=0),
            "last_name",
            "first_name",
            "pk",
        )
    )
    return registrations_matching(registrations, query)


def registrations_matching(registrations, query: str):
    """Every word of the query in the name, the address or the organisation, whatever the
    accents and case (the organisation's name is matched as typed, case-insensitively)."""
    for word in query.split():
        registrations = registrations.filter(
            Q(search_name__contains=fold_for_search(word)) | Q(organisation__name__icontains=word)
        )
    return registrations


def checkin_counts(*, event: Event, day: date) -> dict[str, int]:
    return Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED).aggregate(
        expected=Count("pk", distinct=True),
        present=Count("attendances", filter=Q(attendances__day=day), distinct=True),
    )


def _over_time(per_day: dict[date, int]) -> tuple[str, list[tuple[str, int]]]:
    if not per_day:
        return "day", []
    first, last = min(per_day), max(per_day)
    if (last - first).days < DAILY_SPAN:
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        return "day", [(d.strftime("%d.%m.%Y"), per_day.get(d, 0)) for d in days]
    weeks: dict[date, int] = {}
    monday = first - timedelta(days=first.weekday())
    while monday <= last:
        weeks[monday] = 0
        monday += timedelta(days=7)
    for d, n in per_day.items():
        weeks[d - timedelta(days=d.weekday())] += n
    return "week", [
        (_("week of %(day)s") % {"day": w.strftime("%d.%m.%Y")}, n) for w, n in weeks.items()
    ]


def _status_counts(registrations) -> dict[str, int]:
    status = Registration.Status
    return registrations.aggregate(
        confirmed=Count("pk", filter=Q(status=status.CONFIRMED)),
        waiting=Count("pk", filter=Q(status=status.WAITING)),
        cancelled=Count("pk", filter=Q(status=status.CANCELLED)),
        cancelled_by_organiser=Count("pk", filter=Q(status=status.CANCELLED_BY_ORGANISER)),
        awaiting_reconfirmation=Count(
            "pk",
            filter=Q(
                reconfirmation=Registration.Reconfirmation.PENDING,
                status__in=Registration.ACTIVE,
            ),
        ),
        total=Count("pk"),
    )


def _per(registrations, field: str) -> dict[str, dict[str, int]]:
    rows = (
        registrations.filter(status__in=Registration.ACTIVE)
        .values(field)
        .annotate(
            confirmed=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)),
            waiting=Count("pk", filter=Q(status=Registration.Status.WAITING)),
        )
        .order_by()
    )
    return {row[field]: row for row in rows}


def _kinds(registrations) -> list[dict]:
    by_kind = _per(registrations, "organisation__kind")
    return [
        {
            "label": label,
            "confirmed": by_kind.get(value, {}).get("confirmed", 0),
            "waiting": by_kind.get(value, {}).get("waiting", 0),
        }
        for value, label in MemberOrganisation.Kind.choices
    ]


def _states(registrations) -> list[dict]:
    state_labels = dict(FederalState.choices)
    rows = (
        {
            "label": state_labels.get(value) or _("not given"),
            "confirmed": row["confirmed"],
            "waiting": row["waiting"],
        }
        for value, row in _per(registrations, "organisation__federal_state").items()
    )
    return sorted(rows, key=lambda s: (-(s["confirmed"] + s["waiting"]), s["label"]))


def _attendance(event: Event, confirmed: int) -> list[dict]:
    present = dict(
        Attendance.objects.filter(registration__event=event)
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return [
        {"day": d.date, "present": present.get(d.date, 0), "expected": confirmed}
        for d in event.sorted_days
    ]


def _received(registrations) -> tuple[str, list[tuple[str, int, int]]]:
    per_day = dict(
        registrations.annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    step, over_time = _over_time(per_day)
    running, cumulative = 0, []
    for label, n in over_time:
        running += n
        cumulative.append((label, n, running))
    return step, cumulative


def event_overview(*, event: Event) -> dict:
    """The figures of one event for staff, in seven queries however many registrations."""
    registrations = Registration.objects.filter(event=event)
    counts = _status_counts(registrations)
    choice = ProgrammeChoice.Status
    items = list(
        event.programme_items.annotate(
            confirmed=Count("choices", filter=Q(choices__status=choice.CONFIRMED)),
            waiting=Count("choices", filter=Q(choices__status=choice.WAITING)),
        ).order_by("position", "starts_at", "pk")
    )
    step, over_time = _received(registrations)
    return {
        "counts": counts,
        "items": items,
        "kinds": _kinds(registrations),
        "states": _states(registrations),
        "attendance": _attendance(event, counts["confirmed"]),
        "over_time_step": step,
        "over_time": over_time,
    }


def reconfirmation_answers(event: Event):
    """Who was asked to confirm new dates, and the answers counted."""
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
    return registrations, counts


def has_registrants(event: Event) -> bool:
    """Whether anyone holds or waits for a place, or was checked in."""
    return (
        Registration.objects.active().filter(event=event).exists()
        or Attendance.objects.filter(registration__event=event).exists()
    )


def with_registration_counts(events):
    """Events annotated with `_confirmed` and `_waiting`: the confirmed count as everywhere
    (`Registration.objects.confirmed()`), counted per event in the list's one query."""
    confirmed = Registration.objects.confirmed().filter(event=OuterRef("pk"))
    waiting = Registration.objects.waiting().filter(event=OuterRef("pk"))
    return events.annotate(_confirmed=_count(confirmed), _waiting=_count(waiting))


def _count(queryset):
    return Coalesce(
        Subquery(
            queryset.order_by().values("event").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )
