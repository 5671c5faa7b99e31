"""The measurements of `make bench` that need no HTTP server; each prints one JSON line.

    python -m bench.offline ceiling | xlsx | csv | enqueue | mail-prepare N | mail-result | submits
                            | import-preview N | warm-sessions FILE

Run by bench/run.py with DJANGO_SETTINGS_MODULE=bench.settings against the bench database.
Parts whose product code does not exist yet answer {"missing": "<reason>"}.
"""

import importlib
import io
import json
import os
import resource
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.http import StreamingHttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from bench import import_preview  # noqa: E402
from bench.management.commands.load_bench_data import (  # noqa: E402
    DETAIL_SLUG,
    SUBMIT_SLUGS,
)
from events.models import Event, EventDay, ProgrammeItem  # noqa: E402
from registrations.models import (  # noqa: E402
    ContactPerson,
    ProgrammeChoice,
    Registration,
)

ROUNDS = 3
XLSX_ROWS = 10_000
CSV_ROWS = 100_000
ENQUEUE_ROWS = 5_000


def emit(data: dict) -> None:
    print("BENCH " + json.dumps(data), flush=True)


def timed(fn, rounds=ROUNDS) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


# --- ceiling template ------------------------------------------------------------------------


def ceiling() -> None:
    """Render the event detail page once and keep it as the ceiling view's template."""
    response = Client().get(
        f"/veranstaltungen/{DETAIL_SLUG}/", secure=True, headers={"host": "127.0.0.1"}
    )
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    target = settings.OUT_DIR / "templates" / "bench" / "ceiling.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("{% verbatim %}" + html + "{% endverbatim %}", encoding="utf-8")
    emit({"bytes": len(response.content)})


# --- volume for the exports ------------------------------------------------------------------


def export_event(slug: str, rows: int) -> Event:
    """An unpublished event with `rows` registrations and a side programme (made once).

    The rows are copies of one registration made through the ORM, varied per row in SQL: a
    hundred thousand in seconds, whatever columns the model has grown meanwhile.
    """
    event = Event.objects.filter(slug=slug).first()
    if event is not None:
        return event
    with transaction.atomic():
        return _export_event_create(slug, rows)


def _export_event_create(slug: str, rows: int) -> Event:
    template = Event.objects.get(slug=DETAIL_SLUG)
    event = Event.objects.create(
        title=f"Export {rows}",
        slug=slug,
        venue_city="Berlin",
        published=False,
        registration_opens_at=template.registration_opens_at,
    )
    first = timezone.localdate() + timedelta(days=120)
    EventDay.objects.bulk_create(
        EventDay(event=event, date=first + timedelta(days=d)) for d in (0, 1)
    )
    items = ProgrammeItem.objects.bulk_create(
        ProgrammeItem(event=event, title=title, position=j)
        for j, title in enumerate(["Abendempfang", "Lokaltermin Hafen"])
    )
    person = ContactPerson.objects.order_by("pk").first()
    seed = Registration.objects.create(
        event=event,
        registered_by=person,
        organisation_id=person.organisation_id,
        first_name="Vorname",
        last_name="Nachname",
        email=f"export0@{slug}.bench.example.org",
        function="Leitung Stadtplanungsamt",
        privacy_acknowledged_at=timezone.now(),
    )
    varied = {
        "first_name": "'Vorname' || g",
        "last_name": "'Nachname' || (g %% 997)",
        "email": f"'export' || g || '@{slug}.bench.example.org'",
        "manage_nonce": "left(md5(random()::text || g::text), 32)",
        "diet": "CASE WHEN g %% 3 = 0 THEN 'vegetarian' ELSE 'none' END",
        "salutation": "CASE WHEN g %% 2 = 0 THEN 'frau' ELSE 'herr' END",
        "is_representative": "g %% 5 = 0",
        "created_at": "created_at - g * interval '1 second'",
        "organisation_id": "(SELECT id FROM registrations_memberorganisation "
        "ORDER BY id OFFSET g %% 300 LIMIT 1)",
    }
    columns = [f.column for f in Registration._meta.concrete_fields if f.column != "id"]
    table = Registration._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(varied.get(c, c) for c in columns)} "
            f"FROM {table}, generate_series(1, %s) AS g WHERE id = %s",
            [rows - 1, seed.pk],
        )
        # Two in three registrants chose a side programme item.
        cursor.execute(
            f"INSERT INTO {ProgrammeChoice._meta.db_table} "
            "(registration_id, item_id, status, created_at) "
            f"SELECT id, CASE WHEN id %% 3 = 1 THEN %s ELSE %s END, 'confirmed', now() "
            f"FROM {table} WHERE event_id = %s AND id %% 3 <> 0",
            [items[0].pk, items[1].pk, event.pk],
        )
        cursor.execute(f"ANALYZE {table}")
    return event


def _exports():
    """registrations/exports.py, or the reason it cannot be measured."""
    try:
        exports = importlib.import_module("registrations.exports.xlsx")
        csv_export = importlib.import_module("registrations.exports.csv")
        rows = importlib.import_module("registrations.exports.rows")
    except ImportError as exc:
        return None, f"registrations/exports/ is incomplete ({exc})"
    # One namespace for the measurements: the XLSX writer (whose _append is recorded), the
    # CSV writer and the row helpers.
    exports.csv_lines = csv_export.csv_lines
    exports.event_days = rows.event_days
    return exports, ""


class _Recorder:
    """Stands in for exports._append: keeps the values of every row of every sheet."""

    def __init__(self, append):
        self.append = append
        self.sheets = {}

    def __call__(self, sheet, values):
        values = list(values)
        self.sheets.setdefault(sheet.title, []).append(values)
        self.append(sheet, values)


def xlsx() -> None:
    """The attendee workbook of 10,000 registrations against openpyxl writing the same cells."""
    exports, reason = _exports()
    if exports is None:
        emit({"missing": reason})
        return
    event = export_event("export-bench-10k", XLSX_ROWS)
    queryset = Registration.objects.filter(event=event)
    recorder = _Recorder(exports._append)

    def product():
        exports.xlsx_bytes(event, queryset)

    # The first round records the cells (a list append per row), the next ones run unobserved.
    exports._append = recorder
    try:
        product_s = timed(product, rounds=1)
    finally:
        exports._append = recorder.append
    product_s += timed(product, rounds=ROUNDS - 1)
    sheets = recorder.sheets  # the data rows of every sheet (headers are left out)

    def openpyxl_alone():
        workbook = Workbook(write_only=True)
        for title, rows in sheets.items():
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(row)
        workbook.save(io.BytesIO())

    cells = sum(len(row) for rows in sheets.values() for row in rows)
    emit(
        {
            "rows": len(sheets[next(iter(sheets))]),
            "sheets": len(sheets),
            "cells": cells,
            "openpyxl_s": timed(openpyxl_alone),
            "product_s": product_s,
            "product": "registrations.exports.xlsx_bytes",
        }
    )


# --- CSV streaming ---------------------------------------------------------------------------


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def csv_stream() -> None:
    """Stream 100,000 rows as the export view would; memory must not grow with the rows."""
    exports, reason = _exports()
    if exports is None:
        emit({"missing": reason})
        return
    event = export_event("export-bench-100k", CSV_ROWS)
    connection.close()  # the creation's memory is not the stream's
    response = StreamingHttpResponse(
        exports.csv_lines(Registration.objects.filter(event=event), exports.event_days(event)),
        content_type="text/csv; charset=utf-8",
    )
    rss = []
    rows = 0
    size = 0
    start = time.perf_counter()
    for chunk in response.streaming_content:
        size += len(chunk)
        rows += 1
        if rows % 10_000 == 0:
            rss.append(_rss_kib())
    elapsed = time.perf_counter() - start
    emit(
        {
            "rows": rows - 1,
            "bytes": size,
            "seconds": elapsed,
            "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "rss_kib": rss,
            "product": "registrations.exports.csv_lines in a StreamingHttpResponse",
        }
    )


# --- mail ------------------------------------------------------------------------------------


def _clear_mail() -> None:
    from django_tasks_db.models import DBTaskResult

    from registrations.models import OutboxMessage

    DBTaskResult.objects.all().delete()
    OutboxMessage.objects.all().delete()


def enqueue() -> None:
    """A message from staff to the 5,000 registrants of an event: outbox rows and their tasks."""
    try:
        from registrations.services import staff_message_send
    except ImportError as exc:
        emit({"missing": f"no outbox service registrations.services.staff_message_send ({exc})"})
        return
    event = export_event("mail-bench-5k", ENQUEUE_ROWS)
    recipients = []

    def send():
        recipients.append(
            staff_message_send(
                event=event,
                group="all",
                subject="Hinweis zur Anreise",
                body="Guten Tag {first_name} {last_name}, bitte beachten Sie die Baustelle.",
            )
        )

    times = timed(send)
    _clear_mail()
    emit(
        {
            "recipients": recipients[0],
            "seconds": times,
            "how": "registrations.services.staff_message_send (outbox rows + delivery tasks)",
        }
    )


def mail_prepare(n: int) -> None:
    """Empty the queue, then queue `n` registration confirmations (text, HTML, .ics)."""
    try:
        from registrations.mail import outbox as emails
        from registrations.models import OutboxMessage
    except ImportError as exc:
        emit({"missing": f"no outbox yet ({exc})"})
        return
    _clear_mail()
    event = export_event("mail-bench-worker", n)
    with transaction.atomic():
        queued = emails.queue(
            emails.for_registration(r, OutboxMessage.Kind.CONFIRMATION)
            for r in Registration.objects.filter(event=event).select_related("event")
        )
    emit({"enqueued": len(queued)})


def mail_result() -> None:
    from django_tasks_db.models import DBTaskResult

    from registrations.models import OutboxMessage

    start = DBTaskResult.objects.aggregate(start=Min("started_at"))["start"]
    end = OutboxMessage.objects.aggregate(end=Max("sent_at"))["end"]
    counts = {}
    for status in OutboxMessage.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    seconds = (end - start).total_seconds() if start and end else None
    emit({"statuses": counts, "seconds": seconds})


def submits() -> None:
    emit({slug: Registration.objects.filter(event__slug=slug).count() for slug in SUBMIT_SLUGS})


def warm_sessions(name: str) -> None:
    """Put the signed-in sessions of a bench/out file and their contact persons into the
    shared cache, where a real sign-in leaves them (the cached_db engine writes both; the
    person is remembered at sign-in): the bench writes them to the database only and empties
    the cache at the start, so without this the first thousand requests of a signed-in page
    would read every session and person from the database."""
    from registrations.middleware import SESSION_KEY
    from registrations.selectors.viewer import signed_in_person

    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore
    keys = [line.split()[0] for line in (settings.OUT_DIR / name).read_text().splitlines()]
    people = 0
    for key in keys:
        data = store(session_key=key).load().get(SESSION_KEY) or {}
        # Signing in also leaves the person in the cache (registrations.middleware.sign_in).
        people += signed_in_person(pk=data.get("id"), epoch=data.get("epoch")) is not None
    emit({"sessions": len(keys), "people": people, "engine": settings.SESSION_ENGINE})


def main(argv):
    command = argv[1]
    if command == "ceiling":
        ceiling()
    elif command == "xlsx":
        xlsx()
    elif command == "csv":
        csv_stream()
    elif command == "enqueue":
        enqueue()
    elif command == "mail-prepare":
        mail_prepare(int(argv[2]))
    elif command == "mail-result":
        mail_result()
    elif command == "submits":
        submits()
    elif command == "import-preview":
        emit(import_preview.measure(int(argv[2]), ROUNDS))
    elif command == "warm-sessions":
        warm_sessions(argv[2])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
