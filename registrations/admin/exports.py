"""Downloads of attendee lists from the admin: CSV streams, XLSX and PDF are built in one piece."""

from django.http import HttpResponse, StreamingHttpResponse

from ..exports import csv as csv_export
from ..exports import pdf as pdf_export
from ..exports import rows as export_rows
from ..exports import xlsx as xlsx_export

EXPORT_FILES = {
    "xlsx": ("teilnehmende", "xlsx"),
    "csv": ("teilnehmende", "csv"),
    "pdf-list": ("teilnehmendenliste", "pdf"),
    "pdf-signin": ("unterschriftenliste", "pdf"),
    "pdf-badges": ("namensschilder", "pdf"),
}
PDF_WRITERS = {
    "pdf-list": pdf_export.pdf_participant_list,
    "pdf-signin": pdf_export.pdf_sign_in_sheet,
    "pdf-badges": pdf_export.pdf_badges,
}


def export_response(event, queryset, fmt: str, *, delimiter: str = ";"):
    """The export as a download: CSV streams, XLSX and PDF are built in one piece."""
    stem, ext = EXPORT_FILES[fmt]
    filename = f"{event.slug}-{stem}.{ext}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_export.csv_lines(queryset, export_rows.event_days(event), delimiter=delimiter),
            content_type="text/csv; charset=utf-8",
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            xlsx_export.xlsx_bytes(event, queryset),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(PDF_WRITERS[fmt](event, queryset), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # personal data: no copies in caches
    return response
