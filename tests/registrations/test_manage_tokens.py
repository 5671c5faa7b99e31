"""Manage links are stored as a hash: a copy of the database opens no registration."""

import hashlib
from unittest import mock

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone

from registrations import tokens
from registrations.models import OutboxMessage, Registration
from registrations.tokens import manage_tokens
from tests.factories import ContactPersonFactory, EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

BEFORE = ("registrations", "0006_access_request_event")


def stored_strings(registration) -> list[str]:
    """Every text the database holds about the registration: its row, its history, its mail."""
    rows = [Registration.objects.filter(pk=registration.pk).values().get()]
    rows += list(registration.history.values())
    rows += list(OutboxMessage.objects.filter(registration=registration).values())
    return [str(value) for row in rows for value in row.values() if value not in (None, "")]


def test_a_database_row_holds_no_working_link(client):
    registration = RegistrationFactory()
    OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.CONFIRMATION,
        recipient=registration.email,
        registration=registration,
    )
    token = manage_tokens.make_token(registration)
    assert client.get(f"/anmeldung/{token}/").status_code == 200

    stored = stored_strings(registration)

    assert not any(token in value or token.split("-", 1)[1] in value for value in stored)
    for value in stored:
        assert client.get(f"/anmeldung/{value}/").status_code == 404, value
        assert client.get(f"/anmeldung/{registration.pk}-{value}/").status_code == 404, value


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token, other: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token, other: token[:-1],
        lambda token, other: f"{other.pk}-{token.split('-', 1)[1]}",
        lambda token, other: f"0{token}",
        lambda token, other: token.split("-", 1)[1],
        lambda token, other: f"{token.split('-', 1)[0]}-",
    ],
    ids=["changed", "truncated", "other-pk", "leading-zero", "mac-only", "pk-only"],
)
@pytest.mark.parametrize("suffix", ["", "bestaetigung/", "kalender.ics"])
def test_tampered_manage_tokens_find_nothing(client, tamper, suffix):
    registration, other = RegistrationFactory(), RegistrationFactory()
    token = tamper(manage_tokens.make_token(registration), other)

    assert client.get(f"/anmeldung/{token}/{suffix}").status_code == 404


def test_a_new_secret_key_voids_the_manage_links(client):
    registration = RegistrationFactory()
    url = f"/anmeldung/{manage_tokens.make_token(registration)}/"

    with override_settings(SECRET_KEY="another-key-" + "x" * 50):
        assert client.get(url).status_code == 404
    assert client.get(url).status_code == 200


def test_a_new_nonce_voids_the_links_mailed_before(client):
    registration = RegistrationFactory()
    url = f"/anmeldung/{manage_tokens.make_token(registration)}/"

    Registration.objects.filter(pk=registration.pk).update(manage_nonce="fresh")

    assert client.get(url).status_code == 404


def test_the_token_is_compared_in_constant_time():
    registration = RegistrationFactory()
    token = manage_tokens.make_token(registration)

    with mock.patch.object(
        tokens, "constant_time_compare", wraps=tokens.constant_time_compare
    ) as compare:
        assert manage_tokens.registration_for(token) == registration
        assert manage_tokens.registration_for(token[:-1] + "x") is None

    assert compare.call_count == 2
    assert compare.call_args_list[0].args[0] == token.split("-", 1)[1]


def test_a_link_of_before_hashing_is_found_by_its_digest(client):
    registration = RegistrationFactory()
    legacy = "Tq3Zt1g8sHhEWf0b-legacy_token_made_by_secrets"
    Registration.objects.filter(pk=registration.pk).update(
        manage_token_hash=hashlib.sha256(legacy.encode()).hexdigest()
    )

    assert client.get(f"/anmeldung/{legacy}/").status_code == 200
    assert client.get(f"/anmeldung/{legacy}x/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_links_mailed_before_the_migration_keep_working(client):
    """Migration 0007 hashes the plain tokens: the old link still opens its registration,
    and no column holds it any more."""
    event, person = EventFactory(), ContactPersonFactory()
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old_registration = executor.loader.project_state([BEFORE]).apps.get_model(
        "registrations", "Registration"
    )
    old = [
        old_registration.objects.create(
            event_id=event.pk,
            registered_by_id=person.pk,
            organisation_id=person.organisation_id,
            first_name="Anna",
            last_name=f"Alt{n}",
            email=f"alt{n}@stadt.example.org",
            privacy_acknowledged_at=timezone.now(),
        )
        for n in range(2)
    ]

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    for row in old:
        assert client.get(f"/anmeldung/{row.manage_token}/").status_code == 200
        migrated = Registration.objects.get(pk=row.pk)
        assert row.manage_token not in stored_strings(migrated)
        assert client.get(f"/anmeldung/{manage_tokens.make_token(migrated)}/").status_code == 200
    nonces = set(Registration.objects.values_list("manage_nonce", flat=True))
    assert len(nonces) == 2
