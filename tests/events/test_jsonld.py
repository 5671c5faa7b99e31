"""schema.org JSON-LD on the event page: the offer follows the registration state, the image
is named where the event has one."""

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from events.jsonld import event_jsonld, with_offer
from events.models import RegistrationState
from events.services import event_cancel, event_postpone
from tests.factories import EventFactory, RegistrationFactory

URL = "https://jahrestreffen.example.org/veranstaltungen/x/"


def _jsonld(response) -> dict:
    (found,) = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(found)


@pytest.mark.parametrize(
    ("state", "availability"),
    [
        (RegistrationState.OPEN, "https://schema.org/InStock"),
        (RegistrationState.WAITING_LIST, "https://schema.org/SoldOut"),
        (RegistrationState.FULL, "https://schema.org/SoldOut"),
        (RegistrationState.NOT_YET_OPEN, "https://schema.org/PreOrder"),
        (RegistrationState.CLOSED, "https://schema.org/OutOfStock"),
        (RegistrationState.POSTPONED, "https://schema.org/OutOfStock"),
    ],
)
def test_offer_availability_follows_the_registration_state(state, availability):
    opens = timezone.make_aware(timezone.datetime(2030, 2, 1, 9, 0))
    event = EventFactory.build(registration_opens_at=opens)

    data = with_offer({"url": URL}, event=event, state=state)

    assert data["offers"] == {
        "@type": "Offer",
        "price": 0,
        "priceCurrency": "EUR",
        "availability": availability,
        "validFrom": "2030-02-01T09:00:00+01:00",
        "url": URL,
    }


@pytest.mark.parametrize("state", [RegistrationState.NOT_OFFERED, RegistrationState.CANCELLED])
def test_nothing_is_offered_without_registration_or_after_cancellation(state):
    event = EventFactory.build()

    assert "offers" not in with_offer({"url": URL}, event=event, state=state)


def test_an_event_with_a_fee_gets_no_offer_with_a_wrong_price():
    event = EventFactory.build(is_free=False)

    assert "offers" not in with_offer({"url": URL}, event=event, state=RegistrationState.OPEN)


@pytest.mark.django_db
def test_image_is_named_only_where_there_is_one():
    event = EventFactory()

    assert "image" not in event_jsonld(event, url=URL, changes=[])
    assert event_jsonld(event, url=URL, changes=[], image_url="https://x/b.png")["image"] == [
        "https://x/b.png"
    ]


@pytest.mark.django_db
def test_event_page_offers_free_places_while_registration_is_open(client):
    event = EventFactory(capacity=2)

    offer = _jsonld(client.get(event.get_absolute_url()))["offers"]

    assert offer["availability"] == "https://schema.org/InStock"
    assert offer["price"] == 0
    assert offer["priceCurrency"] == "EUR"
    assert offer["url"] == f"{settings.SITE_URL}{event.get_absolute_url()}"
    opens = timezone.localtime(event.registration_opens_at).replace(microsecond=0)
    assert offer["validFrom"][:19] == opens.isoformat()[:19]


@pytest.mark.django_db
def test_event_page_says_sold_out_when_full_and_preorder_before_opening(client):
    full = EventFactory(capacity=1)
    RegistrationFactory(event=full)
    later = EventFactory(registration_opens_at=timezone.now() + timedelta(days=3))

    assert (
        _jsonld(client.get(full.get_absolute_url()))["offers"]["availability"]
        == "https://schema.org/SoldOut"
    )
    assert (
        _jsonld(client.get(later.get_absolute_url()))["offers"]["availability"]
        == "https://schema.org/PreOrder"
    )


@pytest.mark.django_db
def test_event_page_of_postponed_and_cancelled_events(client):
    postponed = EventFactory()
    event_postpone(event=postponed, notice="")
    cancelled = EventFactory()
    event_cancel(event=cancelled, notice="")

    assert (
        _jsonld(client.get(postponed.get_absolute_url()))["offers"]["availability"]
        == "https://schema.org/OutOfStock"
    )
    assert "offers" not in _jsonld(client.get(cancelled.get_absolute_url()))


@pytest.mark.django_db
def test_event_page_names_the_image(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    gif = (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
        b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )
    event = EventFactory(
        image=SimpleUploadedFile("bild.gif", gif, content_type="image/gif"), image_alt="Ein Bild"
    )

    data = _jsonld(client.get(event.get_absolute_url()))

    assert data["image"] == [f"{settings.SITE_URL}{event.image.url}"]
