from datetime import date, time, timedelta

import factory
from django.urls import reverse
from django.utils import timezone

from events.models import (
    Event,
    EventDay,
    Material,
    OrganiserContact,
    ProgrammeItem,
    Series,
    Session,
    SessionSpeaker,
    Speaker,
    Topic,
    TopicLink,
)
from registrations.models import (
    AccessRequest,
    Attendance,
    ContactPerson,
    MemberOrganisation,
    ProgrammeChoice,
    Registration,
)
from registrations.tokens import manage_tokens


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series
        django_get_or_create = ["name"]

    name = "Difu-Jahrestreffen"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True

    series = factory.SubFactory(SeriesFactory)
    title = factory.Sequence(lambda n: f"Jahrestreffen {2030 + n}")
    slug = factory.Sequence(lambda n: f"jahrestreffen-{2030 + n}")
    subtitle = "Exklusiv-Veranstaltung"
    lead_theme = "Leipzig Charta 2.0"
    description = "Erster Absatz.\n\nZweiter Absatz."
    audience = "Difu-Ansprechpartnerinnen und -Ansprechpartner"
    venue_name = "Rathaus"
    venue_city = "Leipzig"
    published = True
    registration_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    registration_closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    capacity = 100

    @factory.post_generation
    def days(self, create, extracted, **kwargs):
        if not create:
            return
        dates = (
            extracted
            if extracted is not None
            else [
                timezone.localdate() + timedelta(days=60),
                timezone.localdate() + timedelta(days=61),
            ]
        )
        EventDay.objects.bulk_create(EventDay(event=self, date=d) for d in dates)


class EventDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventDay

    event = factory.SubFactory(EventFactory, days=[])
    date = factory.Sequence(lambda n: date(2030, 1, 1) + timedelta(days=n))
    start_time = time(9)
    end_time = time(17)


class ProgrammeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeItem

    event = factory.SubFactory(EventFactory)
    kind = ProgrammeItem.Kind.SITE_VISIT
    title = factory.Sequence(lambda n: f"Lokaltermin {n}")
    place = "Foyer"


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    name = factory.Sequence(lambda n: f"Referentin {n}")
    organisation = "Deutsches Institut für Urbanistik"
    role = "Wissenschaftliche Mitarbeiterin"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    day = factory.SubFactory(EventDayFactory)
    start_time = time(10)
    end_time = time(11)
    title = factory.Sequence(lambda n: f"Programmpunkt {n}")
    kind = Session.Kind.INPUT
    room = "Ratssaal"


class SessionSpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionSpeaker

    session = factory.SubFactory(SessionFactory)
    speaker = factory.SubFactory(SpeakerFactory)
    position = factory.Sequence(lambda n: n)


class OrganiserContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganiserContact

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Kontakt {n}")
    role = "Organisation"
    email = factory.Sequence(lambda n: f"kontakt{n}@difu.example.org")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Thema {n}")
    slug = factory.Sequence(lambda n: f"thema-{n}")


class TopicLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TopicLink

    topic = factory.SubFactory(TopicFactory)
    title = factory.Sequence(lambda n: f"Publikation {n}")
    url = factory.Sequence(lambda n: f"https://difu.example.org/publikation/{n}")


# The smallest file that starts as a PDF does: enough for the content check and a download.
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Vortrag {n}")
    file = factory.django.FileField(filename="vortrag.pdf", data=PDF_BYTES)
    visibility = Material.Visibility.PARTICIPANTS


class MemberOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberOrganisation

    name = factory.Sequence(lambda n: f"Stadt Musterstadt {n}")
    kind = MemberOrganisation.Kind.CITY
    federal_state = "SN"
    member_since = date(2000, 1, 1)
    default_participants = 2


class ContactPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPerson

    organisation = factory.SubFactory(MemberOrganisationFactory)
    salutation = "frau"
    first_name = factory.Sequence(lambda n: f"Anna{n}")
    last_name = factory.Sequence(lambda n: f"Beispiel{n}")
    function = "Leitung Stadtplanungsamt"
    email = factory.Sequence(lambda n: f"person{n}@stadt.example.org")
    role = ContactPerson.Role.CONTACT
    language = "de"


class AccessRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessRequest

    organisation = factory.SubFactory(MemberOrganisationFactory)
    salutation = "herr"
    first_name = factory.Sequence(lambda n: f"Ben{n}")
    last_name = factory.Sequence(lambda n: f"Neu{n}")
    email = factory.Sequence(lambda n: f"neu{n}@stadt.example.org")
    function = "Referent Stadtentwicklung"
    language = "de"


class RegistrationFactory(factory.django.DjangoModelFactory):
    """The contact person registers themselves, unless attendee fields are given."""

    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    registered_by = factory.SubFactory(ContactPersonFactory)
    organisation = factory.SelfAttribute("registered_by.organisation")
    salutation = factory.SelfAttribute("registered_by.salutation")
    first_name = factory.SelfAttribute("registered_by.first_name")
    last_name = factory.SelfAttribute("registered_by.last_name")
    email = factory.SelfAttribute("registered_by.email")
    function = factory.SelfAttribute("registered_by.function")
    status = Registration.Status.CONFIRMED
    privacy_acknowledged_at = factory.LazyFunction(timezone.now)
    language = "de"


class ProgrammeChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeChoice

    registration = factory.SubFactory(RegistrationFactory)
    item = factory.SubFactory(
        ProgrammeItemFactory, event=factory.SelfAttribute("..registration.event")
    )
    status = ProgrammeChoice.Status.CONFIRMED


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    registration = factory.SubFactory(RegistrationFactory)
    day = factory.LazyAttribute(lambda a: a.registration.event.sorted_days[0].date)


def manage_url(registration) -> str:
    """The registration's personal manage page, as its mails link it (German)."""
    return reverse("registrations:manage", kwargs={"token": manage_tokens.make_token(registration)})
