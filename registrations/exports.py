"""Attendee lists for organisers: one row generator, small writers for CSV, XLSX and PDF.

Rows are read in chunks (`iterator(chunk_size=…)` with prefetching per chunk), so a large list
never holds every registration in memory; CSV streams, XLSX is written in openpyxl's
write-only mode. Cell values a spreadsheet would run as a formula are neutralised.
"""

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice

from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from events.models import Event, ProgrammeItem

from .models import Attendance, ProgrammeChoice, Registration

CHUNK = 2000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text a spreadsheet would evaluate ("=HYPERLINK(…)") gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


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
]


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
        from .models import FederalState, MemberOrganisation

        def labels(choices):
            return {value: str(label) for value, label in choices}

        self.status = labels(Registration.Status.choices)
        self.salutation = {**labels(Registration._meta.get_field("salutation").choices), "": ""}
        self.diet = {**labels(Registration.Diet.choices), Registration.Diet.NONE: ""}
        self.visibility = labels(Registration.Visibility.choices)
        self.kind = labels(MemberOrganisation.Kind.choices)
        self.state = {**labels(FederalState.choices), "": ""}
        self.choice_status = labels(ProgrammeChoice.Status.choices)
        self.yes = _("yes")


@dataclass
class Row:
    """One registration as spreadsheet values (in `columns()` order), plus what the summary
    sheets need from it."""

    values: list
    item_ids: set
    organisation: tuple
    status: str
    diet: str


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
            org_name, org_kind, org_state,
        ) in chunk:  # fmt: skip
            number += 1
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
                created_at.astimezone(tz).replace(tzinfo=None),
            ]
            values += [labels.yes if d in days_present else "" for d in days]
            yield Row(
                values=values,
                item_ids={item for item, _s, _t in mine},
                organisation=(org_name, kind, org_state),
                status=status,
                diet=diet,
            )


def event_days(event: Event) -> list[date]:
    return [d.date for d in event.days.order_by("date")]


# --- CSV ---------------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def csv_lines(queryset: QuerySet, days: list[date], *, delimiter: str = ";") -> Iterator[str]:
    """UTF-8 with BOM (so German Excel opens it right), `;` or `,` as delimiter."""
    writer = csv.writer(_Echo(), delimiter=delimiter, lineterminator="\r\n")
    cols = columns(days)
    yield "\ufeff" + writer.writerow([c.label for c in cols])
    for row in rows(queryset, days):
        yield writer.writerow([_csv_value(value) for value in row.values])


def _csv_value(value):
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    return neutralise(value)


# --- XLSX --------------------------------------------------------------------------------------

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="00507D")
DATE_FORMAT = "DD.MM.YYYY HH:MM"


def _sheet(workbook: Workbook, title: str, cols: list[Column]):
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for index, col in enumerate(cols, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = col.width
    header = []
    for col in cols:
        cell = WriteOnlyCell(sheet, value=col.label)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        header.append(cell)
    sheet.append(header)
    return sheet


def _cells(sheet, values: list) -> list:
    """Plain values where openpyxl writes them as they are; a cell object only where a date
    needs its format or a text would otherwise be stored as a formula."""
    out = []
    for value in values:
        if isinstance(value, datetime):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = DATE_FORMAT
            value = cell
        elif isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            # Stored as a text cell, never as a formula: Excel shows it and runs nothing.
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            value = cell
        out.append(value)
    return out


def _append(sheet, values: list) -> None:
    """Every data row of every sheet goes through here (the benchmark records them)."""
    sheet.append(_cells(sheet, values))


def _finish(sheet, cols: list[Column], count: int) -> None:
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(count + 1, 1)}"


def _write_dicts(sheet, cols, dict_rows) -> None:
    count = 0
    for row in dict_rows:
        _append(sheet, [row[c.key] for c in cols])
        count += 1
    _finish(sheet, cols, count)


def xlsx_bytes(event: Event, queryset: QuerySet) -> bytes:
    """The attendee workbook: all registrations, one sheet per side programme item, a summary
    per organisation and the catering summary (confirmed by diet per day).

    One pass over the registrations fills every sheet: write-only sheets each stream to their
    own file, so rows can go to several of them as they come.
    """
    days = event_days(event)
    cols = columns(days)
    workbook = Workbook(write_only=True)
    main = _sheet(workbook, _("Registrations"), cols)
    items = list(event.programme_items.all())
    item_sheets = {
        item.pk: _sheet(workbook, _unique_title(item.title, workbook), cols) for item in items
    }
    item_counts = dict.fromkeys(item_sheets, 0)

    count = 0
    organisations: dict = defaultdict(Counter)
    diets: Counter = Counter()
    for row in rows(queryset, days):
        count += 1
        _append(main, row.values)
        for item_id in row.item_ids & item_sheets.keys():
            item_counts[item_id] += 1
            _append(item_sheets[item_id], [item_counts[item_id], *row.values[1:]])
        organisations[row.organisation][row.status] += 1
        if row.status == Registration.Status.CONFIRMED:
            diets[row.diet] += 1
    _finish(main, cols, count)
    for item_id, sheet in item_sheets.items():
        _finish(sheet, cols, item_counts[item_id])

    summary_cols = [
        Column("organisation", _("Organisation"), 40),
        Column("kind", _("Kind of member"), 20),
        Column("state", _("Federal state"), 20),
        Column("confirmed", _("confirmed"), 12),
        Column("waiting", _("waiting list"), 12),
        Column("cancelled", pgettext("registration status", "cancelled"), 12),
    ]
    _write_dicts(
        _sheet(workbook, _("Organisations"), summary_cols),
        summary_cols,
        organisation_summary(organisations),
    )
    catering_cols, catering_rows = catering_summary(diets, days)
    _write_dicts(_sheet(workbook, _("Catering"), catering_cols), catering_cols, catering_rows)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _unique_title(title: str, workbook: Workbook) -> str:
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    base, n = title[:28], 2
    names = set(workbook.sheetnames)
    candidate = base
    while candidate in names:
        candidate, n = f"{base} {n}", n + 1
    return candidate


def organisation_summary(counts: dict) -> Iterator[dict]:
    """Registrations per organisation by status; `counts` maps (name, kind label, state) to a
    Counter of statuses."""
    from .models import FederalState

    states = dict(FederalState.choices)
    for (name, kind, state), c in sorted(counts.items()):
        yield {
            "organisation": name,
            "kind": kind,
            "state": states.get(state, state),
            "confirmed": c[Registration.Status.CONFIRMED],
            "waiting": c[Registration.Status.WAITING],
            "cancelled": c[Registration.Status.CANCELLED]
            + c[Registration.Status.CANCELLED_BY_ORGANISER],
        }


def catering_summary(diets: Counter, days: list[date]) -> tuple[list[Column], list[dict]]:
    """Confirmed participants by diet, per day (everyone confirmed is expected on every day)."""
    labels = dict(Registration.Diet.choices)
    cols = [Column("diet", _("Diet"), 28)] + [
        Column(d.isoformat(), d.strftime("%d.%m.%Y"), 14) for d in days
    ]
    out = []
    for diet in Registration.Diet.values:
        out.append({"diet": str(labels[diet]), **{d.isoformat(): diets[diet] for d in days}})
    out.append({"diet": _("Total"), **{d.isoformat(): sum(diets.values()) for d in days}})
    return cols, out


def item_participants(item: ProgrammeItem) -> QuerySet:
    return Registration.objects.filter(
        programme_choices__item=item,
        programme_choices__status=ProgrammeChoice.Status.CONFIRMED,
    )


# --- Filters -----------------------------------------------------------------------------------

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


# --- People: the participant list, sign-in sheet and badges ------------------------------------

PEOPLE_COLUMNS = [
    Column("name", _("Name")),
    Column("function", _("Function")),
    Column("organisation", _("Organisation")),
]


def people(queryset: QuerySet, *, visibilities: Iterable[str] | None = None) -> Iterator[dict]:
    """Name, function and organisation per registration, sorted by last name.

    With `visibilities`, only the people whose chosen visibility is one of them: what a
    registrant agreed to decides who appears on a list others see. No e-mail, no needs.
    """
    if visibilities is not None:
        queryset = queryset.filter(visibility__in=list(visibilities))
    fields = ("academic_title", "first_name", "last_name", "function", "organisation__name")
    for title, first, last, function, organisation in (
        queryset.order_by("last_name", "first_name", "pk")
        .values_list(*fields)
        .iterator(chunk_size=CHUNK)
    ):
        yield {
            "name": " ".join(p for p in (title, first, last) if p),
            "last_name": last,
            "function": function,
            "organisation": organisation,
        }


def public_people(queryset: QuerySet) -> Iterator[dict]:
    """Those who agreed to be printed on the list handed out at the event."""
    return people(queryset, visibilities=[Registration.Visibility.PUBLIC])


def participant_directory(event: Event) -> list[dict]:
    """The confirmed participants other participants of the event may see."""
    return list(
        people(
            Registration.objects.confirmed().filter(event=event),
            visibilities=[Registration.Visibility.PARTICIPANTS, Registration.Visibility.PUBLIC],
        )
    )


def can_see_participants(event: Event, person) -> bool:
    """A signed-in contact person confirmed for the event, as attendee or as the one who
    registered someone, may see the other participants."""
    if not person:
        return False
    return (
        Registration.objects.confirmed()
        .filter(event=event)
        .filter(Q(registered_by=person) | Q(email=person.email.lower()))
        .exists()
    )


# --- PDF ---------------------------------------------------------------------------------------


def _no_fetch(url, *args, **kwargs):
    # Templates carry their CSS inline and use system fonts: nothing is loaded from elsewhere,
    # whatever a registrant typed.
    raise ValueError(f"PDF exports load no external resources ({url})")


def _pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # imported on use: loading pango costs time at startup

    html = render_to_string(template, {"generated_at": timezone.localtime(), **context})
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def _event_context(event: Event) -> dict:
    days = list(event.days.order_by("date", "start_time"))
    place = ", ".join(p for p in (event.venue_name, event.venue_city) if p)
    return {"event": event, "days": days, "place": place}


def pdf_participant_list(event: Event, queryset: QuerySet) -> bytes:
    """The list handed out at the event: only people who chose "public"."""
    return _pdf(
        "registrations/pdf/participant_list.html",
        {**_event_context(event), "people": list(public_people(queryset))},
    )


def pdf_sign_in_sheet(event: Event, queryset: QuerySet, *, blank_rows: int = 5) -> bytes:
    """One sign-in sheet per event day: name, organisation, a column to sign."""
    context = _event_context(event)
    return _pdf(
        "registrations/pdf/sign_in_sheet.html",
        {
            **context,
            # An event without days yet still gets one (undated) sheet.
            "sheet_days": context["days"] or [None],
            "people": list(people(queryset)),
            "blank_rows": range(blank_rows),
        },
    )


BADGES_PER_PAGE = 8
BADGES_PER_ROW = 2


def pdf_badges(event: Event, queryset: QuerySet) -> bytes:
    """Name badges, 2 × 4 on an A4 page (90 × 55 mm each), with cut lines."""
    listed = list(people(queryset))
    pages = [
        [
            listed[start + row : start + row + BADGES_PER_ROW]
            for row in range(0, BADGES_PER_PAGE, BADGES_PER_ROW)
            if start + row < len(listed)
        ]
        for start in range(0, len(listed), BADGES_PER_PAGE)
    ]
    return _pdf("registrations/pdf/badges.html", {**_event_context(event), "pages": pages})
