"""The directory import preview of `make bench`: a 5,000-row contact person file through the
admin's own upload and preview (the request staff send), timed end to end.

Called by `python -m bench.offline import-preview N` (Django is set up there). The file holds
every contact person of the bench volume (updated rows) and new people of the same member
organisations, as the yearly directory file does; the preview writes nothing.
"""

import csv
import io
import time

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from bench.management.commands.load_bench_data import SUBMIT_PERSON_PREFIX
from registrations.models import ContactPerson, MemberOrganisation

HEADER = [
    "email",
    "organisation",
    "salutation",
    "academic_title",
    "first_name",
    "last_name",
    "function",
    "phone",
    "role",
    "is_active",
]
CSV_FORMAT = "0"  # position in settings.IMPORT_FORMATS


def directory_file(rows: int) -> bytes:
    organisations = list(MemberOrganisation.objects.order_by("pk").values_list("name", flat=True))
    known = list(
        ContactPerson.objects.select_related("organisation")
        .exclude(email__startswith=SUBMIT_PERSON_PREFIX)  # the submit's own, not the directory's
        .order_by("pk")
        .values_list("email", "organisation__name", "first_name", "last_name")[:rows]
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for i in range(rows):
        if i < len(known):
            email, organisation, first, last = known[i]
            function = "Leitung Stadtplanungsamt (neu)"
        else:
            organisation = organisations[i % len(organisations)]
            email = f"neu{i:05d}@org{i % len(organisations):03d}.bench.example.org"
            first, last, function = f"Neu{i:05d}", f"Person{i:05d}", "Stadtplanung"
        role = "deputy"
        writer.writerow([email, organisation, "frau", "", first, last, function, "", role, "1"])
    return out.getvalue().encode()


def measure(rows: int, rounds: int) -> dict:
    user, _ = get_user_model().objects.get_or_create(
        username="bench-import", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    data = directory_file(rows)
    url = reverse("admin:registrations_contactperson_import")
    seconds = []
    for _ in range(rounds):
        upload = SimpleUploadedFile("directory.csv", data, content_type="text/csv")
        start = time.perf_counter()
        response = client.post(
            url,
            {"resource": "0", "format": CSV_FORMAT, "import_file": upload},
            secure=True,
            headers={"host": "127.0.0.1"},
        )
        seconds.append(time.perf_counter() - start)
        if response.status_code != 200 or b"confirm" not in response.content.lower():
            return {"missing": f"the preview answered {response.status_code}, no confirm form"}
    return {
        "rows": rows,
        "seconds": seconds,
        "how": "admin upload and preview of ContactPersonAdmin, CSV, through the Django client",
    }
