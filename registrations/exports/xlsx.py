"""XLSX for organisers: all registrations, a sheet per side programme item, per organisation,
catering; written in openpyxl's write-only mode."""

import io
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from events.models import Event, ProgrammeItem

from ..models import FederalState, ProgrammeChoice, Registration
from ..text import looks_like_formula, neutralise_formula
from .rows import Column, columns, event_days, rows

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
        elif looks_like_formula(value):
            # A text cell with the same neutralised text as the CSV: Excel shows it and runs
            # nothing, even after someone edits the cell.
            cell = WriteOnlyCell(sheet, value=neutralise_formula(value))
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
    per organisation and the catering summary (confirmed by diet per day, on site only:
    online participants eat at home).

    One pass over the registrations fills every sheet: write-only sheets each stream to their
    own file, so rows can go to several of them as they come.
    """
    days = event_days(event)
    cols = columns(days)
    workbook = Workbook(write_only=True)
    main = _sheet(workbook, _("Registrations"), cols)
    item_sheets = _ItemSheets(workbook, list(event.programme_items.all()), cols)
    count = 0
    organisations: dict = defaultdict(Counter)
    diets: Counter = Counter()
    for row in rows(queryset, days):
        count += 1
        _append(main, row.values)
        item_sheets.add(row)
        organisations[row.organisation][row.status] += 1
        if row.status == Registration.Status.CONFIRMED and not row.online:
            diets[row.diet] += 1
    _finish(main, cols, count)
    item_sheets.finish()

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


class _ItemSheets:
    """One sheet per side programme item, each row with the person's place in it (confirmed
    or waiting), and the counts per item for the summary sheet."""

    def __init__(self, workbook: Workbook, items: list, cols: list[Column]):
        self.workbook, self.items = workbook, items
        self.cols = [cols[0], Column("place", _("Place in this item"), 16), *cols[1:]]
        self.sheets = {
            item.pk: _sheet(workbook, _unique_title(item.title, workbook), self.cols)
            for item in items
        }
        self.places: dict = {item.pk: Counter() for item in items}
        self.labels = dict(ProgrammeChoice.Status.choices)

    def add(self, row) -> None:
        for item_id in row.item_ids & self.sheets.keys():
            place = row.item_statuses[item_id]
            counts = self.places[item_id]
            counts[place] += 1
            if place == ProgrammeChoice.Status.CONFIRMED and not row.online:
                counts[f"diet:{row.diet}"] += 1
            counts["rows"] += 1
            number = counts["rows"]
            label = str(self.labels.get(place, place))
            _append(self.sheets[item_id], [number, label, *row.values[1:]])

    def finish(self) -> None:
        for item_id, sheet in self.sheets.items():
            _finish(sheet, self.cols, self.places[item_id]["rows"])
        _write_item_summary(self.workbook, self.items, self.places)


def _write_item_summary(workbook: Workbook, items: list, places: dict) -> None:
    """Per side programme item: places taken, waiting, and the diets of those with a place:
    the figures a caterer or a bus company asks for."""
    diets = Registration.Diet.choices
    cols = [
        Column("item", _("Side programme item"), 40),
        Column("confirmed", _("places taken"), 14),
        Column("waiting", _("waiting list"), 14),
        *[Column(f"diet:{code}", str(label), 14) for code, label in diets],
    ]
    confirmed, waiting = ProgrammeChoice.Status.CONFIRMED, ProgrammeChoice.Status.WAITING
    rows = (
        {
            "item": item.title,
            "confirmed": places[item.pk][confirmed],
            "waiting": places[item.pk][waiting],
            **{f"diet:{code}": places[item.pk][f"diet:{code}"] for code, _label in diets},
        }
        for item in items
    )
    if items:
        title = _unique_title(_("Side programme"), workbook)
        _write_dicts(_sheet(workbook, title, cols), cols, rows)


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
