"""jahrestreffen.prepared: a query compiled once gives what the ORM gives, on every database."""

from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jahrestreffen.prepared import PreparedQuery
from registrations.models import Registration
from tests.factories import ContactPersonFactory, EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

FIELDS = (
    "pk",
    "status",
    "first_name",
    "created_at",
    "cancelled_at",
    "is_representative",
    "event__title",
    "event__slug",
    "event__capacity",
)


def _orm(person_pk, slug):
    return (
        Registration.objects.filter(registered_by_id=person_pk, event__slug=slug)
        .order_by("pk")
        .values(*FIELDS)
    )


MINE = PreparedQuery(_orm, person_pk=-73019, slug="\x1esample-slug")


def test_the_rows_are_the_orms_rows_with_the_same_types():
    person = ContactPersonFactory()
    event = EventFactory(capacity=None)
    RegistrationFactory(registered_by=person, event=event, first_name="Ä<ß>", email="a@x.example")
    RegistrationFactory(
        registered_by=person, event=event, email="b@x.example", cancelled_at=timezone.now()
    )
    RegistrationFactory(event=event)  # someone else's

    rows = MINE(person_pk=person.pk, slug=event.slug)

    assert rows == list(_orm(person.pk, event.slug))
    assert len(rows) == 2
    assert rows[1]["cancelled_at"].tzinfo is not None  # aware, as the ORM gives it
    assert rows[0]["cancelled_at"] is None and rows[0]["is_representative"] is False


def test_one_statement_and_no_compiling_after_the_first_call():
    person = ContactPersonFactory()
    MINE(person_pk=person.pk, slug="x")
    with (
        mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("compiled")),
        CaptureQueriesContext(connection) as ctx,
    ):
        assert MINE(person_pk=person.pk, slug="nothing-here") == []
    assert len(ctx) == 1


def test_arguments_are_checked():
    with pytest.raises(TypeError):
        MINE(person_pk="1 OR 1=1", slug="x")
    with pytest.raises(TypeError):
        MINE(person_pk=1)


def test_a_query_that_depends_on_the_time_is_refused():
    query = PreparedQuery(
        lambda pk: Registration.objects.filter(pk=pk, created_at__lte=timezone.now()).values("pk"),
        pk=-5,
    )
    with pytest.raises(ImproperlyConfigured):
        query(pk=1)


def test_a_sample_the_orm_transforms_is_refused():
    query = PreparedQuery(
        lambda name: Registration.objects.filter(last_name__icontains=name).values("pk"),
        name="\x1esample",
    )
    with pytest.raises(ImproperlyConfigured):
        query(name="x")


def test_only_values_querysets():
    query = PreparedQuery(lambda pk: Registration.objects.filter(pk=pk), pk=-5)
    with pytest.raises(ImproperlyConfigured):
        query(pk=1)


def test_objects_with_their_related_objects_from_one_row():
    from jahrestreffen.prepared import PreparedObjects

    fetch = PreparedObjects(
        Registration,
        lambda pk: Registration.objects.filter(pk=pk),
        related=("event", "registered_by", "registered_by__organisation"),
        pk=-48611,
    )
    registration = RegistrationFactory()
    fetch(pk=registration.pk)  # compiled
    with CaptureQueriesContext(connection) as ctx:
        (loaded,) = fetch(pk=registration.pk)
        assert loaded == registration and loaded.event.title == registration.event.title
        assert loaded.registered_by.organisation == registration.registered_by.organisation
        assert loaded.first_name == registration.first_name
    assert len(ctx) == 1
    assert loaded._state.adding is False and loaded._state.db == "default"
    assert fetch(pk=registration.pk + 1000) == []


def test_a_query_that_depends_on_the_language_is_refused():
    """django-modeltranslation reads a translated field in the active language's column."""
    from events.models import Event

    query = PreparedQuery(lambda pk: Event.objects.filter(pk=pk).values("title"), pk=-5)
    with pytest.raises(ImproperlyConfigured):
        query(pk=1)
