"""Event materials: what may be uploaded, where it is stored, who gets it from the public
URL, and the pages that list it (event page after the event, series page)."""

import io
import zipfile
from datetime import date, time, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.forms import modelform_factory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from events.admin import MaterialInline
from events.models import Material
from tests.factories import (
    PDF_BYTES,
    EventFactory,
    MaterialFactory,
    SeriesFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

PAST = [date(2019, 6, 12), date(2019, 6, 13)]

# The form the event admin's materials inline uses: the door staff upload through.
MaterialForm = modelform_factory(Material, fields=MaterialInline.fields)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


PPTX = _zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"})
ODP = _zip({"mimetype": b"application/vnd.oasis.opendocument.presentation", "content.xml": b""})
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32
WEBP = b"RIFF\x10\0\0\0WEBPVP8 " + b"\0" * 16


def _form(event, name: str, content: bytes):
    return MaterialForm(
        data={"title": "Vortrag", "visibility": "public", "position": 0, "event": event.pk},
        files={"file": SimpleUploadedFile(name, content)},
        instance=Material(event=event),
    )


def test_a_file_stored_first_gets_its_size_too():
    """The demo stores the file through the field (`file.save`), which commits it before the
    model saves; the listed size must still be the file's."""
    material = Material(event=EventFactory(), title="Dokumentation", visibility="public")
    material.file.save("doku.pdf", ContentFile(PDF_BYTES))
    material.refresh_from_db()
    assert material.size == len(PDF_BYTES)


@pytest.mark.parametrize(
    "name, content",
    [
        ("talk.pdf", PDF_BYTES),
        ("slides.pptx", PPTX),
        ("slides.odp", ODP),
        ("photo.png", PNG),
        ("photo.JPG", JPEG),
        ("photo.jpeg", JPEG),
        ("photo.webp", WEBP),
    ],
)
def test_allowed_types_are_accepted_and_stored_through_the_storage(name, content):
    form = _form(EventFactory(), name, content)
    assert form.is_valid(), form.errors
    material = form.save()
    assert material.size == len(content)
    assert storages["materials"].exists(material.file.name)
    assert material.file.name.startswith(f"materials/{material.key}/")


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("page.html", b"<html><script>alert(1)</script>", "können nicht hochgeladen werden"),
        ("tool.exe", b"MZ\x90\x00", "können nicht hochgeladen werden"),
        ("noextension", PDF_BYTES, "können nicht hochgeladen werden"),
        ("fake.pdf", b"<html>not a pdf</html>", "keine PDF-Datei"),
        ("fake.png", JPEG, "keine PNG-Datei"),
        ("fake.pptx", _zip({"word/document.xml": b""}), "keine PowerPoint-Datei"),
        ("fake.odp", _zip({"mimetype": b"application/vnd.oasis.opendocument.text"}), "ODP"),
        ("broken.pptx", b"PK\x03\x04 broken", "keine PowerPoint-Datei"),
    ],
)
def test_other_types_and_disguised_content_are_refused_with_a_message(name, content, message):
    form = _form(EventFactory(), name, content)
    assert not form.is_valid()
    assert message in " ".join(form.errors["file"])
    assert not Material.objects.exists()


def test_a_file_over_the_size_limit_is_refused_in_german_and_english(settings):
    settings.MATERIAL_MAX_UPLOAD_MB = 1
    big = PDF_BYTES + b"0" * (1024 * 1024)
    with translation.override("de"):
        form = _form(EventFactory(), "big.pdf", big)
        assert not form.is_valid()
        assert "größer als 1 MB" in form.errors["file"][0]
    with translation.override("en"):
        form = _form(EventFactory(), "big.pdf", big)
        assert not form.is_valid()
        assert "larger than 1 MB" in form.errors["file"][0]


def test_a_public_material_downloads_from_the_event_and_may_be_cached(client):
    material = MaterialFactory(visibility=Material.Visibility.PUBLIC)
    response = client.get(material.get_public_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "public" in response["Cache-Control"]


def test_a_participants_only_material_is_not_found_at_the_public_address(client):
    material = MaterialFactory(visibility=Material.Visibility.PARTICIPANTS)
    assert client.get(material.get_public_url()).status_code == 404


def test_a_wrong_key_or_another_events_slug_finds_nothing(client):
    material = MaterialFactory(visibility=Material.Visibility.PUBLIC)
    other = EventFactory()
    url = material.get_public_url()
    assert client.get(url.replace(material.key, material.key[:-1] + "x")).status_code == 404
    assert client.get(url.replace(material.event.slug, other.slug)).status_code == 404


def test_materials_live_in_whatever_storage_the_setting_names(client, settings):
    """Nothing reads a path: an in-memory backend (like an S3 one) serves the same."""
    settings.STORAGES = {
        **settings.STORAGES,
        "materials": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    material = Material(event=EventFactory(), title="Folien", visibility="public")
    material.file.save("folien.pdf", ContentFile(PDF_BYTES))
    assert type(storages["materials"]).__name__ == "InMemoryStorage"
    assert storages["materials"].exists(material.file.name)
    response = client.get(material.get_public_url())
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_material_is_stored_outside_media_root(settings):
    material = MaterialFactory()
    assert not material.file.path.startswith(str(settings.MEDIA_ROOT))


def test_the_event_page_lists_public_materials_only_after_the_event(client):
    upcoming = EventFactory()
    MaterialFactory(event=upcoming, title="Anfahrt", visibility="public")
    assert "Anfahrt" not in client.get(upcoming.get_absolute_url()).content.decode()

    past = EventFactory(days=PAST)
    public = MaterialFactory(event=past, title="Dokumentation", visibility="public")
    MaterialFactory(event=past, title="Interne Folien", visibility="participants")
    page = client.get(past.get_absolute_url()).content.decode()
    assert "Dokumentation" in page
    assert public.get_public_url() in page
    assert "Interne Folien" not in page
    assert "Teilnehmende finden weitere Unterlagen" in page


def test_a_talks_slides_show_under_its_session_after_the_event(
    client, django_assert_max_num_queries
):
    past = EventFactory(days=PAST)
    session = SessionFactory(day=past.days.first(), title="Smart City Leipzig")
    other = SessionFactory(
        day=past.days.first(), title="Podium", start_time=time(14), end_time=time(15)
    )
    slides = MaterialFactory(event=past, session=session, title="Folien", visibility="public")
    MaterialFactory(event=past, session=other, title="Intern", visibility="participants")

    with django_assert_max_num_queries(12):
        page = client.get(past.get_absolute_url()).content.decode()

    agenda = page[page.index('id="agenda-heading"') :]
    smart_city = agenda[agenda.index("Smart City Leipzig") : agenda.index("Podium")]
    assert slides.get_public_url() in smart_city
    assert "Intern" not in page
    materials = page[page.index('id="materials-heading"') :]
    assert "Smart City Leipzig" in materials  # the materials list names the session too


def test_the_admin_offers_only_the_events_own_sessions(admin_client):
    event = EventFactory()
    own = SessionFactory(day=event.days.first())
    SessionFactory()  # another event's

    page = admin_client.get(f"/admin/events/event/{event.pk}/change/")

    formsets = [f for f in page.context["inline_admin_formsets"] if f.opts.model is Material]
    field = formsets[0].formset.empty_form.fields["session"]
    assert list(field.queryset) == [own]


def test_the_series_page_lists_every_year_with_its_theme_and_public_materials(
    client, django_assert_max_num_queries
):
    series = SeriesFactory()
    old = EventFactory(series=series, days=[date(2018, 6, 1)], lead_theme="Wohnen")
    new = EventFactory(series=series, days=PAST, lead_theme="Klimaanpassung")
    MaterialFactory(event=new, title="Ergebnisse", visibility="public")
    MaterialFactory(event=new, title="Teilnehmerliste", visibility="participants")
    EventFactory(series=series, published=False, title="Entwurf 2031")
    with django_assert_max_num_queries(4):
        response = client.get(series.get_absolute_url())
    page = response.content.decode()
    assert page.index(new.title) < page.index(old.title)
    assert "Klimaanpassung" in page and "Wohnen" in page
    assert "Ergebnisse" in page
    assert "Teilnehmerliste" not in page
    assert "Entwurf 2031" not in page
    # The event page links to its series.
    assert series.get_absolute_url() in client.get(new.get_absolute_url()).content.decode()


def test_the_series_page_query_count_does_not_grow_with_years(client):
    series = SeriesFactory()
    EventFactory(series=series, days=PAST)

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(series.get_absolute_url())
        return len(queries)

    few = count()
    for year in range(5):
        event = EventFactory(series=series, days=[date(2010 + year, 6, 1)])
        MaterialFactory(event=event, visibility="public")
    assert count() == few


def test_the_series_page_in_english_and_unknown_series(client):
    series = SeriesFactory()
    EventFactory(series=series, days=[timezone.localdate() + timedelta(days=30)])
    response = client.get("/en" + series.get_absolute_url())
    assert "Every meeting of the series" in response.content.decode()
    assert client.get("/reihen/999999/").status_code == 404


def test_deleting_a_material_removes_its_file_from_the_storage(
    django_capture_on_commit_callbacks,
):
    material = MaterialFactory()
    name = material.file.name
    assert storages["materials"].exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        material.delete()
    assert not storages["materials"].exists(name)


def test_the_admins_link_to_a_file_opens_it_for_staff_only(admin_client, client):
    """The inline shows each material's current file as a link (the storage's URL): it leads
    to a staff-only view, for participants-only files too, never to a public route."""
    material = MaterialFactory(visibility=Material.Visibility.PARTICIPANTS)
    url = material.file.url
    page = admin_client.get(f"/admin/events/event/{material.event_id}/change/").content.decode()

    assert f'href="{url}"' in page
    response = admin_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert "no-store" in response["Cache-Control"]
    assert client.get(url).status_code == 302  # to the admin login
    assert admin_client.get(url.replace(material.key, "x" * 24)).status_code == 404


def test_the_event_admin_offers_the_materials_inline(admin_client):
    event = EventFactory()
    page = admin_client.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    assert 'id="materials-group"' in page
    assert 'enctype="multipart/form-data"' in page
