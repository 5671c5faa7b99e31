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

from django.db.models import Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from events.models import Event, ProgrammeItem

from .models import ProgrammeChoice, Registration

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


def export_queryset(queryset: QuerySet) -> QuerySet:
    """The registrations with what a row needs, prefetched per chunk."""
    return (
        queryset.select_related("organisation", "event")
        .prefetch_related(
            Prefetch(
                "programme_choices",
                queryset=ProgrammeChoice.objects.exclude(
                    status=ProgrammeChoice.Status.CANCELLED
                ).select_related("item"),
            ),
            "attendances",
        )
        .order_by("last_name", "first_name", "pk")
    )


def rows(queryset: QuerySet, days: list[date]) -> Iterator[dict]:
    """One dict per registration, keyed like `columns()`; values typed for a spreadsheet."""
    for number, r in enumerate(export_queryset(queryset).iterator(chunk_size=CHUNK), start=1):
        choices = r.programme_choices.all()
        present = {a.day for a in r.attendances.all()}
        row = {
            "number": number,
            "status": r.get_status_display(),
            "salutation": r.get_salutation_display() if r.salutation else "",
            "academic_title": r.academic_title,
            "first_name": r.first_name,
            "last_name": r.last_name,
            "function": r.function,
            "organisation": r.organisation.name,
            "organisation_kind": r.organisation.get_kind_display(),
            "federal_state": r.organisation.get_federal_state_display(),
            "email": r.email,
            "representative": _("yes") if r.is_representative else "",
            "programme": "; ".join(
                f"{c.item.title}"
                + (
                    ""
                    if c.status == ProgrammeChoice.Status.CONFIRMED
                    else f" ({c.get_status_display()})"
                )
                for c in choices
            ),
            "diet": r.get_diet_display() if r.diet != Registration.Diet.NONE else "",
            "diet_notes": r.diet_notes,
            "accessibility_needs": r.accessibility_needs,
            "visibility": r.get_visibility_display(),
            "registered_at": timezone.localtime(r.created_at).replace(tzinfo=None),
        }
        for d in days:
            row[f"present_{d.isoformat()}"] = _("yes") if d in present else ""
        yield row


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
        yield writer.writerow([_csv_value(row[c.key]) for c in cols])


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


def _cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        # Stored as a text cell, never as a formula: Excel shows it and runs nothing.
        cell.data_type = "s"
    return cell


def _append(sheet, values: Iterable):
    sheet.append([_cell(sheet, v) for v in values])


def _finish(sheet, cols: list[Column], count: int) -> None:
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(count + 1, 1)}"


def _write_rows(sheet, cols, row_iter) -> int:
    count = 0
    for row in row_iter:
        _append(sheet, (row[c.key] for c in cols))
        count += 1
    _finish(sheet, cols, count)
    return count


def xlsx_bytes(event: Event, queryset: QuerySet) -> bytes:
    """The attendee workbook: all registrations, one sheet per side programme item, a summary
    per organisation and the catering summary (counts by diet per day)."""
    days = event_days(event)
    cols = columns(days)
    workbook = Workbook(write_only=True)

    sheet = _sheet(workbook, _("Registrations"), cols)
    _write_rows(sheet, cols, rows(queryset, days))

    items = list(event.programme_items.all())
    for item in items:
        item_sheet = _sheet(workbook, _unique_title(item.title, workbook), cols)
        _write_rows(
            item_sheet,
            cols,
            rows(
                queryset.filter(
                    programme_choices__item=item,
                    programme_choices__status__in=[
                        ProgrammeChoice.Status.CONFIRMED,
                        ProgrammeChoice.Status.WAITING,
                    ],
                ).distinct(),
                days,
            ),
        )

    summary_cols = [
        Column("organisation", _("Organisation"), 40),
        Column("kind", _("Kind of member"), 20),
        Column("state", _("Federal state"), 20),
        Column("confirmed", _("confirmed"), 12),
        Column("waiting", _("waiting list"), 12),
        Column("cancelled", pgettext("registration status", "cancelled"), 12),
    ]
    summary = _sheet(workbook, _("Organisations"), summary_cols)
    _write_rows(summary, summary_cols, organisation_summary(queryset))

    catering_cols, catering_rows = catering_summary(queryset, days)
    catering = _sheet(workbook, _("Catering"), catering_cols)
    _write_rows(catering, catering_cols, catering_rows)

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


def organisation_summary(queryset: QuerySet) -> Iterator[dict]:
    counts: dict = defaultdict(Counter)
    info = {}
    for org_id, name, kind, state, status in queryset.values_list(
        "organisation_id",
        "organisation__name",
        "organisation__kind",
        "organisation__federal_state",
        "status",
    ).iterator(chunk_size=CHUNK):
        counts[org_id][status] += 1
        info[org_id] = (name, kind, state)
    from .models import FederalState, MemberOrganisation

    kinds = dict(MemberOrganisation.Kind.choices)
    states = dict(FederalState.choices)
    for org_id, (name, kind, state) in sorted(info.items(), key=lambda kv: kv[1][0]):
        c = counts[org_id]
        yield {
            "organisation": name,
            "kind": str(kinds.get(kind, kind)),
            "state": states.get(state, state),
            "confirmed": c[Registration.Status.CONFIRMED],
            "waiting": c[Registration.Status.WAITING],
            "cancelled": c[Registration.Status.CANCELLED]
            + c[Registration.Status.CANCELLED_BY_ORGANISER],
        }


def catering_summary(queryset: QuerySet, days: list[date]) -> tuple[list[Column], list[dict]]:
    """Confirmed participants by diet, per day (everyone confirmed is expected on every day)."""
    diets = Counter(
        queryset.filter(status=Registration.Status.CONFIRMED).values_list("diet", flat=True)
    )
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
