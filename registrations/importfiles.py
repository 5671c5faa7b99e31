"""Directory files as German offices save them: read with limits, written for German Excel.

django-import-export reads a CSV as UTF-8 with `,` and hands an XLSX straight to openpyxl.
German Excel saves `;`-separated CSV in Windows-1252 (or UTF-8 with a BOM), and an XLSX is a
zip archive whose rows can expand a few kilobytes into millions of rows. These formats detect
encoding and separator, skip blank lines, stop reading past the row limit and refuse an
archive whose content is too large before opening it. Each dataset remembers the spreadsheet
row (header = row 1) of each of its rows, so that the preview names rows as Excel shows them.
"""

import csv
import io
import zipfile

import openpyxl
import tablib
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext
from import_export.formats import base_formats

# A directory row has about ten columns; a sheet with thousands of columns is a wrong file.
MAX_COLUMNS = 50
# The uncompressed content of an XLSX archive (sheets, styles, strings). 10,000 directory rows
# take about 3 MB; a zip bomb expands to gigabytes.
MAX_XLSX_UNCOMPRESSED = 50 * 2**20
# Blank lines are skipped, but each costs reading time: a sheet may hold as many blank lines as
# the row limit, no more.
BLANK_LINE_ALLOWANCE = 1


class ImportFileRefused(ValueError):
    """A file that is not read at all; the message says why, for staff."""


def max_rows() -> int:
    return settings.DIRECTORY_IMPORT_MAX_ROWS


def _too_many_rows() -> ImportFileRefused:
    return ImportFileRefused(
        gettext("The file has more than %(limit)s rows. Please split it into smaller files.")
        % {"limit": number_format(max_rows(), force_grouping=True)}
    )


def _is_blank(values) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def build_dataset(rows) -> tablib.Dataset:
    """A dataset from (spreadsheet row, values) pairs: the first non-blank pair is the header;
    blank rows are dropped; more than the row limit refuses the file."""
    dataset = tablib.Dataset()
    dataset.spreadsheet_rows = []
    limit, scanned = max_rows(), 0
    header = None
    for number, values in rows:
        scanned += 1
        if scanned > (limit + 1) * (1 + BLANK_LINE_ALLOWANCE):
            raise _too_many_rows()
        if _is_blank(values):
            continue
        if header is None:
            header = [str(v).strip() if v is not None else "" for v in values]
            while header and not header[-1]:
                header.pop()
            dataset.headers = header
            continue
        if len(dataset) >= limit:
            raise _too_many_rows()
        values = list(values[: len(header)]) + [None] * (len(header) - len(values))
        dataset.append(values)
        dataset.spreadsheet_rows.append(number)
    if header is None:
        raise ImportFileRefused(gettext("The file is empty."))
    if not len(dataset):
        raise ImportFileRefused(gettext("The file holds no rows below the column heads."))
    return dataset


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) if it is valid UTF-8, else Windows-1252 (German Excel)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def detect_delimiter(text: str) -> str:
    """`;` or `,`: whichever the header line holds more of (outside quotes)."""
    first_line = next(csv.reader(io.StringIO(text), delimiter="\0"), [""])
    line = first_line[0] if first_line else ""
    return ";" if line.count(";") > line.count(",") else ","


class DirectoryCSV(base_formats.CSV):
    """CSV read from bytes (so any encoding), written `;`-separated with a BOM, like the
    attendee exports."""

    def get_title(self):
        return "csv"

    def is_binary(self):
        # Read and written as bytes: the encoding is detected here, not assumed by the library.
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        text = decode(in_stream) if isinstance(in_stream, bytes) else in_stream
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
        try:
            return build_dataset(enumerate(reader, 1))
        except csv.Error as error:
            raise ImportFileRefused(
                gettext("The file could not be read as CSV (%(error)s).") % {"error": error}
            ) from None

    def export_data(self, dataset, **kwargs):
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(dataset.headers)
        writer.writerows(dataset)
        return ("\ufeff" + out.getvalue()).encode("utf-8")


class DirectoryXLSX(base_formats.XLSX):
    """XLSX whose archive size is checked before openpyxl opens it; the first sheet, up to
    `MAX_COLUMNS` columns and the row limit."""

    def get_title(self):
        return "xlsx"

    def create_dataset(self, in_stream):
        try:
            archive = zipfile.ZipFile(io.BytesIO(in_stream))
            size = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile:
            raise ImportFileRefused(gettext("This is not an Excel file (XLSX).")) from None
        if size > MAX_XLSX_UNCOMPRESSED:
            raise ImportFileRefused(
                gettext("The Excel file unpacks to more than %(limit)s MB and is not read.")
                % {"limit": MAX_XLSX_UNCOMPRESSED // 2**20}
            )
        try:
            book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        except Exception:  # a damaged archive: openpyxl raises many kinds of error
            raise ImportFileRefused(gettext("The Excel file could not be read.")) from None
        try:
            rows = book.active.iter_rows(max_col=MAX_COLUMNS, values_only=True)
            return build_dataset(enumerate(rows, 1))
        finally:
            book.close()
