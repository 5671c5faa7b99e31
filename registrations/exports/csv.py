"""CSV for spreadsheets: UTF-8 with BOM (so German Excel opens it right), streamed."""

import csv
from collections.abc import Iterator
from datetime import date, datetime

from django.db.models import QuerySet

from ..text import neutralise_formula
from .rows import columns, rows


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
    return neutralise_formula(value)
