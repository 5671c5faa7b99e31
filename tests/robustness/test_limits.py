"""Rate limits and the sign-in link's lifetime hold under repeated requests."""

import re

import pytest
from django.core import signing

from registrations.middleware import SESSION_KEY
from tests.factories import ContactPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    from django.core.cache import cache

    cache.clear()
    settings.SIGN_IN_RATE_PER_ADDRESS = 5
    settings.SIGN_IN_RATE_PER_IP = 30
    settings.SIGN_IN_LINK_MAX_AGE = 30 * 60
    yield
    cache.clear()


def ask_for_link(client, email, django_capture_on_commit_callbacks, ip="10.0.0.1"):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/anmelden/", {"email": email}, REMOTE_ADDR=ip)


def link_path(mail) -> str:
    return re.search(r"https?://[^/\s]+(/(?:en/)?anmelden/link/[^/\s]+/)", mail.body).group(1)


def test_repeated_requests_for_one_address_are_limited(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    ContactPersonFactory(email="anna@stadt.example.org")

    statuses = [
        ask_for_link(
            client, "Anna@Stadt.example.org ", django_capture_on_commit_callbacks
        ).status_code
        for _ in range(12)
    ]

    # Beyond five, the same neutral answer and no mail: a stranger cannot lock Anna out.
    assert statuses == [200] * 12
    assert len(mailoutbox) == 5


def test_many_addresses_from_one_client_are_limited(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    statuses = [
        ask_for_link(
            client, f"probe{i}@example.org", django_capture_on_commit_callbacks
        ).status_code
        for i in range(40)
    ]

    assert statuses == [200] * 30 + [429] * 10
    # Another client is not affected.
    other = ask_for_link(
        client, "probe99@example.org", django_capture_on_commit_callbacks, ip="10.0.0.2"
    )
    assert other.status_code == 200


def test_the_limit_ends_with_its_window(
    client, mailoutbox, django_capture_on_commit_callbacks, settings
):
    from django.core.cache import cache

    ContactPersonFactory(email="anna@stadt.example.org")
    for _ in range(6):
        ask_for_link(client, "anna@stadt.example.org", django_capture_on_commit_callbacks)
    cache.clear()  # what the window's end does to the counters

    assert (
        ask_for_link(
            client, "anna@stadt.example.org", django_capture_on_commit_callbacks
        ).status_code
        == 200
    )


def test_a_sign_in_link_works_once_however_often_it_is_clicked(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    ContactPersonFactory(email="anna@stadt.example.org")
    ask_for_link(client, "anna@stadt.example.org", django_capture_on_commit_callbacks)
    path = link_path(mailoutbox[0])

    # Mail scanners may fetch the link any number of times: that uses nothing up.
    assert [client.get(path).status_code for _ in range(5)] == [200] * 5
    answers = [client.post(path).status_code for _ in range(5)]

    assert answers == [302] + [400] * 4
    assert client.session.get(SESSION_KEY)


def test_an_expired_link_stays_refused(
    client, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    ContactPersonFactory(email="anna@stadt.example.org")
    ask_for_link(client, "anna@stadt.example.org", django_capture_on_commit_callbacks)
    path = link_path(mailoutbox[0])
    issued = signing.time.time()
    monkeypatch.setattr(signing.time, "time", lambda: issued + 30 * 60 + 1)

    for method in ["get", "post", "get", "post"]:
        response = getattr(client, method)(path)
        assert response.status_code == 400
        assert "expired" in response.content.decode() or "abgelaufen" in response.content.decode()
    assert not client.session.get(SESSION_KEY)


def test_a_link_just_within_its_lifetime_still_works(
    client, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    ContactPersonFactory(email="anna@stadt.example.org")
    ask_for_link(client, "anna@stadt.example.org", django_capture_on_commit_callbacks)
    path = link_path(mailoutbox[0])
    issued = signing.time.time()
    monkeypatch.setattr(signing.time, "time", lambda: issued + 30 * 60 - 5)

    assert client.post(path).status_code == 302
