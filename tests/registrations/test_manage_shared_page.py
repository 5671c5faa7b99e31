"""The manage page shared between registrations in the same state (registrations/manage_page.py):
byte for byte the page rendered in full, in every state and both languages; nothing of the
person's own in any cache entry or on another person's page; a change shows at once."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse, translate_url
from django.utils import timezone

from events.models import Event
from registrations.models import ProgrammeChoice, Registration
from registrations.services import registration_cancel
from tests.factories import (
    AttendanceFactory,
    ContactPersonFactory,
    EventFactory,
    MaterialFactory,
    OrganiserContactFactory,
    ProgrammeChoiceFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
    manage_url,
)

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=)"[^"]*"')
S = Registration.Status
P = Registration.Participation
JOIN_URL = "https://konferenz.example.org/j/geheim-4711?a=1&b=2"
DIAL_IN = "Telefon +49 30 123456\nKenncode <97531>"

WORDS = {
    "academic_title": "Dr. <Quirin>",
    "first_name": 'Annegret "Ä"',
    "last_name": "O'Brien & Söhne",
    "function": "Leiterin <Stadtplanung>",
    "email": "annegret.obrien@leipzig.example",
    "diet_notes": "Erdnussallergie <b>stark</b>",
    "accessibility_needs": "Rampe\nund Hörschleife",
    "message": "personal-value-slot-page_name- bitte nicht ersetzen",
}
OTHER = {  # the same fields filled in as in WORDS
    "academic_title": "Prof.",
    "first_name": "Bernd",
    "last_name": "Bauer",
    "function": "Kämmerer",
    "email": "bernd.bauer@leipzig.example",
    "diet_notes": "Laktose",
    "accessibility_needs": "Platz am Gang",
    "message": "Bis bald",
}
PERSONAL = ("Annegret", "Brien", "Quirin", "Stadtplanung", "annegret.obrien", "Erdnuss", "Hörschl")


def shared_keys() -> list:
    return [k for k in cache._cache if "manage-page:" in k]


def stored() -> bytes:
    return b"".join(v for v in cache._cache.values() if isinstance(v, bytes))


def get(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    assert set(response["Cache-Control"].replace(" ", "").split(",")) == {"private", "no-store"}
    return response.content.decode()


def full_and_shared(settings, registration, language="de") -> tuple[str, str, str]:
    """The page rendered in full, then from the shared page as first rendered (a miss) and
    as kept (a hit), CSRF tokens aside."""
    url = manage_url(registration)
    if language != "de":
        url = translate_url(url, language)
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    full = get(Client(), url)
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    cache.clear()
    miss = get(Client(), url)
    hit = get(Client(), url)
    return tuple(CSRF.sub(r"\1x", page) for page in (full, miss, hit))


def in_state(state: str) -> Registration:
    today = timezone.localdate()
    if state == "online":
        event = EventFactory(
            attendance_mode=Event.AttendanceMode.HYBRID,
            online_capacity=10,
            join_url=JOIN_URL,
            dial_in=DIAL_IN,
        )
    elif state == "certificate":
        event = EventFactory(days=[today - timedelta(days=3), today - timedelta(days=2)])
    elif state == "after_deadline":
        event = EventFactory(changes_close_at=timezone.now() - timedelta(hours=1))
        OrganiserContactFactory(event=event, name="Kontakt <Orga>")
    else:
        event = EventFactory()
    boat, walk = ProgrammeItemFactory.create_batch(2, event=event, capacity=3)
    extra = {}
    if state == "representative":
        extra = {"registered_by": ContactPersonFactory(), "is_representative": True}
    RegistrationFactory(event=event, status=S.WAITING)  # someone ahead on the list
    status = S.WAITING if state == "waiting" else S.CONFIRMED
    registration = RegistrationFactory(event=event, status=status, **WORDS, **extra)
    if state == "cancelled":
        registration.status = S.CANCELLED
        registration.save()
    elif state == "online":
        registration.participation = P.ONLINE
        registration.save()
    elif state == "certificate":
        AttendanceFactory(registration=registration)
        MaterialFactory(event=event, title="Folien <Vortrag>")
    elif state == "materials":
        MaterialFactory(event=event, title="Folien <Vortrag>")
    elif state == "reconfirm":
        registration.reconfirmation = Registration.Reconfirmation.PENDING
        registration.save()
    ProgrammeChoiceFactory(registration=registration, item=boat)
    return registration


STATES = (
    "confirmed",
    "waiting",
    "cancelled",
    "after_deadline",
    "online",
    "representative",
    "certificate",
    "materials",
    "reconfirm",
)


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("state", STATES)
def test_the_shared_page_is_the_page_rendered_in_full(settings, state, language):
    registration = in_state(state)

    full, miss, hit = full_and_shared(settings, registration, language)

    assert miss == full
    assert hit == full
    assert len(shared_keys()) == 1
    assert "Annegret" in hit
    if 'id="change-heading"' in hit:  # the details form, with the message as it was typed
        assert "personal-value-slot-page_name- bitte" in hit
    if state == "online":
        assert "geheim-4711?a=1&amp;b=2" in hit and "Kenncode &lt;97531&gt;" in hit
    if state == "waiting":
        assert ("place 2 on" if language == "en" else "Platz 2 auf") in hit


@pytest.mark.parametrize("state", STATES)
def test_no_cache_entry_holds_anything_of_the_persons_own(client, settings, state):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    registration = in_state(state)

    page = get(client, manage_url(registration))

    assert "Annegret" in page
    kept = stored()
    assert shared_keys() and kept
    for value in PERSONAL:
        assert value.encode() not in kept, value
    assert manage_url(registration).split("/")[-2].encode() not in kept
    assert registration.manage_nonce.encode() not in kept
    assert registration.organisation.name.encode() not in kept
    assert b"geheim-4711" not in kept and b"97531" not in kept
    assert client.cookies["csrftoken"].value.encode() not in kept


def test_two_people_in_the_same_state_share_the_page_and_nothing_else(client, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    event = EventFactory(attendance_mode=Event.AttendanceMode.HYBRID, join_url=JOIN_URL)
    first = RegistrationFactory(event=event, participation=P.ONLINE, **WORDS)
    # The same fields empty or not as the first's: the same shared page.
    second = RegistrationFactory(
        event=event,
        participation=P.ONLINE,
        **OTHER,
    )

    page_first = get(client, manage_url(first))
    page_second = get(Client(), manage_url(second))

    assert len(shared_keys()) == 1
    for value in PERSONAL:
        assert value not in page_second
    assert "Bernd" in page_second and "Platz am Gang" in page_second
    assert manage_url(first).split("/")[-2] in page_first
    assert manage_url(first).split("/")[-2] not in page_second
    assert manage_url(second).split("/")[-2] in page_second


def test_the_shared_page_needs_three_queries(client, settings, django_assert_max_num_queries):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    event = EventFactory()
    items = ProgrammeItemFactory.create_batch(3, event=event, capacity=20)
    MaterialFactory(event=event)
    first, second = RegistrationFactory.create_batch(2, event=event)
    for registration in (first, second):
        ProgrammeChoiceFactory(registration=registration, item=items[0])
    get(client, manage_url(first))

    # The registration (the link's check), its choices, the free places on the programme.
    with django_assert_max_num_queries(3):
        page = get(Client(), manage_url(second))
    assert second.last_name in page


def test_changes_show_on_the_next_request(settings, django_capture_on_commit_callbacks):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    event = EventFactory()
    item = ProgrammeItemFactory(event=event, capacity=2, title="Hafenrundfahrt")
    registration = RegistrationFactory(event=event)
    url = manage_url(registration)
    assert "2 Plätze frei" in get(Client(), url)

    # Free places follow every committed choice (the public version, as on the event page).
    with django_capture_on_commit_callbacks(execute=True):
        ProgrammeChoiceFactory(registration=RegistrationFactory(event=event), item=item)
    assert "1 Platz frei" in get(Client(), url)

    with django_capture_on_commit_callbacks(execute=True):
        MaterialFactory(event=event, title="Neue Folien")
        event.changes_close_at = timezone.now() - timedelta(minutes=1)
        event.save()
    page = get(Client(), url)
    assert "Neue Folien" in page
    assert 'id="change-heading"' not in page and 'id="contact-heading"' in page

    with django_capture_on_commit_callbacks(execute=True):
        event.changes_close_at = None
        event.status = Event.Status.CANCELLED
        event.save()
    assert 'id="change-heading"' not in get(Client(), url)

    with django_capture_on_commit_callbacks(execute=True):
        event.status = Event.Status.SCHEDULED
        event.save()
    assert 'id="change-heading"' in get(Client(), url)

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=registration)
    page = get(Client(), url)
    assert 'id="change-heading"' not in page and "Neue Folien" not in page
    assert str(S.CANCELLED.label) in page


def test_a_message_or_a_query_string_gets_the_page_in_full(client, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    registration = RegistrationFactory(event=EventFactory())

    get(client, manage_url(registration) + "?x=1")

    assert shared_keys() == []


def test_signed_in_the_shared_page_is_the_page_rendered_in_full(settings, sign_in):
    """The navigation then holds a sign-out form with the CSRF token."""
    registration = in_state("confirmed")

    def signed_in_page() -> str:
        client = sign_in(Client(), registration.registered_by)
        return CSRF.sub(r"\1x", get(client, manage_url(registration)))

    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    full = signed_in_page()
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    cache.clear()
    assert signed_in_page() == full  # rendered and filled in
    assert signed_in_page() == full  # from the shared copy
    assert f'action="{reverse("registrations:sign_out")}"' in full


C = ProgrammeChoice.Status
# Each person's own answers and which fields they left empty: none of it is part of the
# shared page's state, all of it is slots filled per request.
ANSWERS = (
    {"diet": "vegan", "visibility": "public", "salutation": "frau", "items": {0: C.CONFIRMED}},
    {
        "diet": "none",
        "visibility": "nobody",
        "salutation": "",
        "items": {},
        "academic_title": "",
        "function": "",
        "diet_notes": "",
        "accessibility_needs": "",
        "message": "",
    },
    {
        "diet": "other",
        "visibility": "participants",
        "salutation": "herr",
        "items": {0: C.CONFIRMED, 1: C.WAITING},
        "diet_notes": '"><script>alert(1)</script> personal-value-slot-page_csrf-',
        "function": "A & B <i>kursiv</i>",
        "message": "</textarea><b>fett</b>",
    },
    {"diet": "vegetarian", "visibility": "nobody", "salutation": "", "items": {1: C.CANCELLED}},
)


def answering(event, items, answers: dict) -> Registration:
    answers = dict(answers)
    chosen = answers.pop("items")
    words = {**WORDS, "email": f"{answers['diet']}@leipzig.example"}
    registration = RegistrationFactory(event=event, **{**words, **answers})
    for index, status in chosen.items():
        ProgrammeChoiceFactory(registration=registration, item=items[index], status=status)
    return registration


def test_people_with_different_answers_share_one_page_each_seeing_their_own(settings):
    event = EventFactory()
    items = ProgrammeItemFactory.create_batch(2, event=event, capacity=5)
    people = [answering(event, items, answers) for answers in ANSWERS]
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    full = [CSRF.sub(r"\1x", get(Client(), manage_url(p))) for p in people]

    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    cache.clear()
    for _round in range(2):  # the first person's request renders the page, then all share it
        for person, page in zip(people, full, strict=True):
            assert CSRF.sub(r"\1x", get(Client(), manage_url(person))) == page

    assert len(shared_keys()) == 1
    vegan, empty, other, vegetarian = full
    assert 'value="vegan" selected' in vegan and 'value="none" selected' in empty
    assert 'value="frau" selected' in vegan and 'value="herr" selected' in other
    assert re.search(r'value="public"[^>]* checked', vegan)
    assert re.search(r'value="participants"[^>]* checked', other)
    assert len(re.findall(r'name="programme_items"[^>]* checked', other)) == 2
    assert not re.search(r'name="programme_items"[^>]* checked', vegetarian)  # cancelled
    assert 'id="id_diet_notes"' in empty and 'name="diet_notes" value=' not in empty
    assert ", A &amp; B &lt;i&gt;kursiv&lt;/i&gt;<br>" in other
    assert ", Leiterin" not in empty and ", Leiterin &lt;Stadtplanung&gt;<br>" in vegan
    notes = "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; personal-value-slot-page_csrf-"
    assert f'name="diet_notes" value="{notes}"' in other
    assert "&lt;/textarea&gt;&lt;b&gt;fett&lt;/b&gt;</textarea>" in other
    assert "<script>alert" not in other and "<b>fett" not in other


def test_the_shared_page_holds_no_ones_answers(client, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    event = EventFactory()
    items = ProgrammeItemFactory.create_batch(2, event=event, capacity=5)
    registration = answering(event, items, ANSWERS[2])

    page = get(client, manage_url(registration))

    assert 'value="other" selected' in page and 'value="herr" selected' in page
    assert len(shared_keys()) == 1
    shared = stored()  # the page, the forms' HTML, the side programme as chosen
    assert b"personal-value-slot-page_choices-" in shared
    for value in ("none", "vegetarian", "vegan", "other", "frau", "herr"):
        assert f'value="{value}" selected'.encode() not in shared, value
    assert not re.search(rb"<input[^>]* checked", shared)
    assert b"alert(1)" not in shared and b"fett" not in shared and b"kursiv" not in shared
    for value in PERSONAL:
        assert value.encode() not in shared, value
