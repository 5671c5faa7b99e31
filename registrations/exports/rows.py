"""Attendee lists for organisers: one row generator; small writers turn it into CSV, XLSX, PDF.

Rows are read in chunks (`iterator(chunk_size=…)` with related rows fetched per chunk), so a
large list never holds every registration in memory.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, ProgrammeItem

from ..models import Attendance, FederalState, MemberOrganisation, ProgrammeChoice, Registration

CHUNK = 2000


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int = 18


def columns(days: list[date]) -> list[Column]:
    cols = [
        Column("number", _("No."), 6),
        Column("status", _("Status"), 14),
        Column("salutation", _("Salutation"), 8),
        Column("academic_title", _("Title"), 8),
        Column("first_name", _("First name"), 16),
        Column("last_name", _("Last name"), 18),
        Column("function", _("Function"), 28),
        Column("organisation", _("Organisation"), 32),
        Column("organisation_kind", _("Kind of member"), 18),
        Column("federal_state", _("Federal state"), 18),
        Column("email", _("E-mail"), 30),
        Column("representative", _("Representative"), 10),
        Column("programme", _("Side programme"), 30),
        Column("diet", _("Diet"), 14),
        Column("diet_notes", _("Dietary needs, details"), 24),
        Column("accessibility_needs", _("Accessibility needs"), 24),
        Column("visibility", _("Visible on the participant list to"), 16),
        Column("participation", _("Takes part"), 12),
        Column("registered_at", _("Registered at"), 18),
    ]
    cols += [
        Column(f"present_{d.isoformat()}", _("Present %(day)s") % {"day": d.strftime("%d.%m.")}, 12)
        for d in days
    ]
    return cols


ROW_FIELDS = [
    "pk",
    "status",
    "salutation",
    "academic_title",
    "first_name",
    "last_name",
    "function",
    "email",
    "is_representative",
    "diet",
    "diet_notes",
    "accessibility_needs",
    "visibility",
    "created_at",
    "organisation__name",
    "organisation__kind",
    "organisation__federal_state",
    "participation",
    "event__attendance_mode",
]


def _online(participation: str, mode: str) -> bool:
    """As `Registration.takes_part_online`, from plain values."""
    return mode == Event.AttendanceMode.ONLINE or (
        mode == Event.AttendanceMode.HYBRID and participation == Registration.Participation.ONLINE
    )


def _chunks(queryset: QuerySet) -> Iterator[list[tuple]]:
    """The registrations as plain tuples, `CHUNK` at a time (a server-side cursor on
    PostgreSQL), ordered by name."""
    values = queryset.order_by("last_name", "first_name", "pk").values_list(*ROW_FIELDS)
    iterator = values.iterator(chunk_size=CHUNK)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _related(ids: list[int]) -> tuple[dict, dict]:
    """Side programme choices (not cancelled) and attendance days of a chunk, by registration."""
    choices: dict = defaultdict(list)
    for registration_id, item_id, status, title in (
        ProgrammeChoice.objects.filter(registration_id__in=ids)
        .exclude(status=ProgrammeChoice.Status.CANCELLED)
        .order_by("created_at", "pk")
        .values_list("registration_id", "item_id", "status", "item__title")
    ):
        choices[registration_id].append((item_id, status, title))
    present: dict = defaultdict(set)
    for registration_id, day in Attendance.objects.filter(registration_id__in=ids).values_list(
        "registration_id", "day"
    ):
        present[registration_id].add(day)
    return choices, present


class _Labels:
    """Display labels of every choice, looked up once per export rather than once per cell."""

    def __init__(self):
        def labels(choices):
            return {value: str(label) for value, label in choices}

        self.status = labels(Registration.Status.choices)
        self.salutation = {**labels(Registration._meta.get_field("salutation").choices), "": ""}
        self.diet = {**labels(Registration.Diet.choices), Registration.Diet.NONE: ""}
        self.visibility = labels(Registration.Visibility.choices)
        self.kind = labels(MemberOrganisation.Kind.choices)
        self.state = {**labels(FederalState.choices), "": ""}
        self.choice_status = labels(ProgrammeChoice.Status.choices)
        self.participation = labels(Registration.Participation.choices)
        self.yes = _("yes")


@dataclass
class Row:
    """One registration as spreadsheet values (in `columns()` order), plus what the summary
    sheets need from it."""

    values: list
    item_ids: set
    item_statuses: dict  # item id -> the place status of this registration for that item
    organisation: tuple
    status: str
    diet: str
    online: bool = False  # takes part online: no catering, badge or sign-in line


def rows(queryset: QuerySet, days: list[date]) -> Iterator[Row]:
    """Every registration of `queryset` as a row; three queries per chunk of registrations,
    and no model instances (the export's cost is the spreadsheet, not the ORM)."""
    labels = _Labels()
    confirmed = ProgrammeChoice.Status.CONFIRMED
    tz = timezone.get_current_timezone()
    number = 0
    for chunk in _chunks(queryset):
        choices, present = _related([r[0] for r in chunk])
        for (
            pk, status, salutation, academic_title, first_name, last_name, function, email,
            is_representative, diet, diet_notes, accessibility_needs, visibility, created_at,
            org_name, org_kind, org_state, participation, mode,
        ) in chunk:  # fmt: skip
            number += 1
            online = _online(participation, mode)
            mine = choices.get(pk, ())
            days_present = present.get(pk, ())
            kind = labels.kind.get(org_kind, org_kind)
            values = [
                number,
                labels.status[status],
                labels.salutation.get(salutation, salutation),
                academic_title,
                first_name,
                last_name,
                function,
                org_name,
                kind,
                labels.state.get(org_state, org_state),
                email,
                labels.yes if is_representative else "",
                "; ".join(
                    title if s == confirmed else f"{title} ({labels.choice_status[s]})"
                    for _item, s, title in mine
                ),
                labels.diet.get(diet, diet),
                diet_notes,
                accessibility_needs,
                labels.visibility[visibility],
                labels.participation["online" if online else "in_person"],
                created_at.astimezone(tz).replace(tzinfo=None),
            ]
            values += [labels.yes if d in days_present else "" for d in days]
            yield Row(
                values=values,
                item_ids={item for item, _s, _t in mine},
                item_statuses={item: s for item, s, _t in mine},
                organisation=(org_name, kind, org_state),
                status=status,
                diet=diet,
                online=online,
            )


def event_days(event: Event) -> list[date]:
    return [d.date for d in event.days.order_by("date")]


ITEM_STATUSES = [ProgrammeChoice.Status.CONFIRMED, ProgrammeChoice.Status.WAITING]


def filter_registrations(
    queryset: QuerySet, *, statuses: Iterable[str] = (), item: ProgrammeItem | None = None
) -> QuerySet:
    """The filters every export offers: status (any of) and side programme item.

    The item filter is a subquery, not a join, so a registration never appears twice.
    """
    statuses = list(statuses)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    if item is not None:
        queryset = queryset.filter(
            pk__in=ProgrammeChoice.objects.filter(item=item, status__in=ITEM_STATUSES).values(
                "registration_id"
            )
        )
    return queryset
