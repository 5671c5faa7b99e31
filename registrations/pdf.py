"""HTML templates to PDF with WeasyPrint, loading nothing from elsewhere. Used by the exports
and by the certificate of attendance (which a mail attaches, hence this low layer)."""

from django.template.loader import render_to_string
from django.utils import timezone


def _no_fetch(url, *args, **kwargs):
    # Templates carry their CSS inline and use system fonts: nothing is loaded from elsewhere,
    # whatever a registrant typed.
    raise ValueError(f"PDF exports load no external resources ({url})")


def _pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # imported on use: loading pango costs time at startup

    html = render_to_string(template, {"generated_at": timezone.localtime(), **context})
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def render_pdf(template: str, context: dict) -> bytes:
    return _pdf(template, context)
