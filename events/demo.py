"""Demo content: the Jahrestreffen 2020 as the Difu event page tells it, the 2019 meeting with
its materials, and an upcoming one."""

from datetime import date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone, translation

from . import services
from .demo_programme import load_programme
from .models import (
    Event,
    EventDay,
    Material,
    OrganiserContact,
    ProgrammeItem,
    Series,
    Topic,
    TopicLink,
)
from .services import DaySpec

SEED_SLUG = "jahrestreffen-2020"
PAST_SLUG = "jahrestreffen-2019"
UPCOMING_SLUG_PREFIX = "jahrestreffen-"

TEASER = (
    "Das Jahrestreffen ist eine exklusive Veranstaltung für die Ansprechpartnerinnen und "
    "Ansprechpartner bzw. die Vertreterinnen und Vertreter der Difu-Zuwenderstädte und –verbände."
)
DESCRIPTION = """„Leipzig Charta 2.0“ ist das Leitthema der zweitägigen Veranstaltung 2020, die sich exklusiv an die Difu-Zuwenderstädte und –verbände richtet. Im Mittelpunkt steht wie immer der interkommunale Austausch zu drängenden Zukunftsfragen.

Das jährliche Treffen dient der Fortbildung und ist vor allem eine wichtige Plattform für den Austausch zwischen Wissenschaft und Praxis sowie für den Austausch der Städte und Verbände untereinander. Das Difu gibt Input zu wichtigen kommunalrelevanten Fragestellungen, Teilnehmerinnen und Teilnehmer erläutern Praxisbeispiele, Positionen und Erfahrungen werden gemeinsam diskutiert, Netzwerke erweitert.

„Leipzig Charta 2.0“ ist das Leitthema der zweitägigen Veranstaltung im Jahr 2020. Derzeit wird die „Leipzig Charta zur nachhaltigen europäischen Stadt“ aus dem Jahr 2007 fortgeschrieben. Sie wird voraussichtlich einen stärkeren Fokus auf Wohn- und Bodenpolitik, auf die Energie- und Verkehrswende, auf Digitalisierung und die Integrationsaufgaben in Städten und Gemeinden legen. Das Update soll unter der deutschen Ratspräsidentschaft Ende 2020 verabschiedet werden. Wir wollen beim Jahrestreffen 2020 mit Ihnen die bis dahin vorliegenden Ergebnisse diskutieren, vor allem aber in den Austausch zum kommunalen Umgang mit den genannten Themen gehen.

Das Rahmenprogramm – Abendempfang, Lokaltermin und Exkursion – bietet wie immer viel Raum für den informellen Erfahrungsaustausch und vertiefende Gespräche."""
AUDIENCE = (
    "Difu-Ansprechpartnerinnen und -Ansprechpartner aus Difu-Zuwenderstädten, -verbänden, "
    "-planungsgemeinschaften"
)
SUBTITLE = "Exklusiv-Veranstaltung für die Difu-Ansprechpartnerinnen und Ansprechpartner"

# The upcoming meeting in English too, as staff would enter it; the 2020 meeting stays German
# only, so the English pages show both: English texts, and German ones marked lang="de".
UPCOMING_EN = {
    "title_en": "Difu Members' Annual Meeting {year}",
    "subtitle_en": "An exclusive event for Difu's contact persons",
    "lead_theme_en": "The climate-adapted city",
    "teaser_en": (
        "The annual meeting is an exclusive event for the contact persons and representatives "
        "of the cities and associations funding Difu."
    ),
    "description_en": (
        "The {year} annual meeting takes place at the invitation of the City of Münster. It is "
        "about the exchange between municipalities on climate-adapted urban development: heat, "
        "heavy rain, urban green.\n\n"
        "The side programme – evening reception, site visit and excursion – leaves plenty of "
        "room for informal exchange, as always."
    ),
    "audience_en": "Difu contact persons of member cities, associations and regional planning bodies",
}
PROGRAMME_EN = {
    ProgrammeItem.Kind.RECEPTION: ("Evening reception", "At the town hall on the first evening."),
    ProgrammeItem.Kind.SITE_VISIT: (
        "Site visit",
        "An urban development project, shown by the people in charge.",
    ),
    ProgrammeItem.Kind.EXCURSION: ("Excursion", "A study trip after the meeting."),
}


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _programme(event: Event, first_day, second_day, *, site_visit_capacity=25) -> None:
    ProgrammeItem.objects.bulk_create(
        [
            ProgrammeItem(
                event=event,
                kind=ProgrammeItem.Kind.RECEPTION,
                title="Abendempfang",
                description="Empfang am Abend des ersten Tages – Raum für informellen Austausch.",
                starts_at=_at(first_day, 19),
                ends_at=_at(first_day, 22),
                place="Rathaus",
                position=1,
            ),
            ProgrammeItem(
                event=event,
                kind=ProgrammeItem.Kind.SITE_VISIT,
                title="Lokaltermin",
                description="Besuch eines Stadtentwicklungsprojekts mit den Verantwortlichen vor Ort.",
                starts_at=_at(first_day, 17),
                ends_at=_at(first_day, 18, 30),
                place="Treffpunkt: Tagungsort, Foyer",
                capacity=site_visit_capacity,
                position=2,
            ),
            ProgrammeItem(
                event=event,
                kind=ProgrammeItem.Kind.EXCURSION,
                title="Exkursion",
                description="Fachexkursion im Anschluss an das Treffen.",
                starts_at=_at(second_day, 14),
                ends_at=_at(second_day, 17),
                place="Abfahrt am Tagungsort",
                capacity=40,
                position=3,
            ),
        ]
    )


def _contacts(event: Event) -> None:
    OrganiserContact.objects.bulk_create(
        [
            OrganiserContact(
                event=event,
                name="Dr. Maria Beispiel",
                role="Wissenschaftliche Leitung",
                email="beispiel@difu.example.org",
                phone="+49 30 39001-000",
                position=1,
            ),
            OrganiserContact(
                event=event,
                name="Jonas Muster",
                role="Organisation und Anmeldung",
                email="veranstaltungen@difu.example.org",
                phone="+49 30 39001-001",
                position=2,
            ),
        ]
    )


def _topics() -> list[Topic]:
    charta, _ = Topic.objects.get_or_create(
        slug="leipzig-charta", defaults={"name": "Leipzig Charta"}
    )
    dev, _ = Topic.objects.get_or_create(
        slug="stadtentwicklung", defaults={"name": "Stadtentwicklung"}
    )
    if not charta.links.exists():
        TopicLink.objects.bulk_create(
            [
                TopicLink(
                    topic=charta,
                    title="Neue Leipzig-Charta – Die transformative Kraft der Städte für das Gemeinwohl",
                    url="https://www.nationale-stadtentwicklungspolitik.de/",
                    position=1,
                ),
                TopicLink(
                    topic=charta,
                    title="Difu-Themenseite Stadtentwicklung",
                    url="https://difu.de/",
                    position=2,
                ),
            ]
        )
    return [charta, dev]


def load_events(*, today=None) -> dict[str, Event]:
    """Create the demo events once; running it again changes nothing."""
    # `title=` writes the active language's column: the demo's texts are German.
    with translation.override("de"):
        return _load_events(today=today or timezone.localdate())


def _load_events(*, today) -> dict[str, Event]:
    series, _ = Series.objects.get_or_create(name="Difu-Jahrestreffen")
    topics = _topics()
    common = {
        "series": series,
        "subtitle": SUBTITLE,
        "teaser": TEASER,
        "audience": AUDIENCE,
        "fee_note_de": "Die Teilnahme ist gebührenfrei.",
        "fee_note_en": "Participation is free of charge.",
        "published": True,
    }

    seed = Event.objects.filter(slug=SEED_SLUG).first() or _seed_event(common, topics)
    year = today.year + 1
    upcoming = Event.objects.filter(
        slug=f"{UPCOMING_SLUG_PREFIX}{year}"
    ).first() or _upcoming_event(common, topics, year)
    load_programme(upcoming)
    if not upcoming.materials.exists():
        _materials(upcoming, UPCOMING_MATERIALS)
    past = Event.objects.filter(slug=PAST_SLUG).first() or _past_event(common, topics)
    return {"seed": seed, "replacement": seed.replacement, "upcoming": upcoming, "past": past}


def _seed_event(common: dict, topics: list) -> Event:
    """The 2020 meeting as the event page tells it: planned, moved, replaced, cancelled."""
    seed = Event.objects.create(
        **common,
        slug=SEED_SLUG,
        title="Jahrestreffen 2020 der Difu-Zuwender",
        lead_theme="Leipzig Charta 2.0",
        description=DESCRIPTION,
        venue_name="Deutsches Institut für Urbanistik",
        venue_address="Zimmerstraße 13–15",
        venue_postcode="10969",
        venue_city="Berlin",
        registration_opens_at=_at(datetime(2020, 2, 1).date(), 9),
        registration_closes_at=_at(datetime(2020, 5, 20).date(), 23, 59),
        capacity=150,
        participants_per_organisation=2,
    )
    seed.topics.set(topics)
    EventDay.objects.bulk_create(
        [
            EventDay(event=seed, date=date(2020, 6, 4), start_time=time(10), end_time=time(18)),
            EventDay(event=seed, date=date(2020, 6, 5), start_time=time(9), end_time=time(15)),
        ]
    )
    _programme(seed, datetime(2020, 6, 4).date(), datetime(2020, 6, 5).date())
    _contacts(seed)
    services.event_reschedule(
        event=seed,
        new_days=[
            DaySpec(datetime(2020, 9, 17).date(), time(10), time(18)),
            DaySpec(datetime(2020, 9, 18).date(), time(9), time(15)),
        ],
        notice="Die Veranstaltung wird auf den 17. und 18. September 2020 verschoben!",
    )
    replacement = services.event_create_replacement(
        event=seed,
        days=[DaySpec(datetime(2020, 11, 26).date(), time(10), time(16))],
        title="Jahrestreffen 2020 der Difu-Zuwender – Ersatzveranstaltung",
        notice="Statt des Präsenztreffens ist eine eintägige Ersatzveranstaltung geplant.",
        publish=True,
    )
    services.event_cancel(
        event=replacement,
        notice="Die Ersatzveranstaltung ist abgesagt. Wir bitten um Ihr Verständnis.",
    )
    return seed


def _upcoming_event(common: dict, topics: list, year: int) -> Event:
    """Next year's meeting in Münster, open for registration."""
    upcoming_slug = f"{UPCOMING_SLUG_PREFIX}{year}"
    first_day = datetime(year, 6, 10).date()
    # Thursday and Friday in the second week of June.
    first_day += timedelta(days=(3 - first_day.weekday()) % 7)
    second_day = first_day + timedelta(days=1)
    upcoming = Event.objects.create(
        **common,
        slug=upcoming_slug,
        title=f"Jahrestreffen {year} der Difu-Zuwender",
        **{name: text.format(year=year) for name, text in UPCOMING_EN.items()},
        lead_theme="Klimaangepasste Stadt",
        description=(
            f"Das Jahrestreffen {year} findet auf Einladung der Stadt Münster statt. Im Mittelpunkt "
            "steht der interkommunale Austausch zur klimaangepassten Stadtentwicklung: Hitze, "
            "Starkregen, Stadtgrün.\n\n"
            "Das Rahmenprogramm – Abendempfang, Lokaltermin und Exkursion – bietet wie immer viel "
            "Raum für den informellen Erfahrungsaustausch."
        ),
        venue_name="Stadthaus 1",
        venue_address="Klemensstraße 10",
        venue_postcode="48143",
        venue_city="Münster",
        registration_opens_at=timezone.now() - timedelta(days=7),
        registration_closes_at=_at(first_day - timedelta(days=14), 23, 59),
        capacity=120,
        participants_per_organisation=2,
    )
    upcoming.topics.set(topics[1:])
    EventDay.objects.bulk_create(
        [
            EventDay(event=upcoming, date=first_day, start_time=time(10), end_time=time(18)),
            EventDay(event=upcoming, date=second_day, start_time=time(9), end_time=time(15)),
        ]
    )
    _programme(upcoming, first_day, second_day, site_visit_capacity=3)
    for item in upcoming.programme_items.all():
        item.title_en, item.description_en = PROGRAMME_EN[item.kind]
        item.save(update_fields=["title_en", "description_en"])
    _contacts(upcoming)
    return upcoming


def _demo_pdf(text: str) -> bytes:
    """A one-page PDF saying `text` (ASCII), small enough to write by hand."""
    stream = f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def _past_event(common: dict, topics: list) -> Event:
    """The 2019 meeting in Leipzig: over, with its documentation and talks as materials."""
    past = Event.objects.create(
        **common,
        slug=PAST_SLUG,
        title="Jahrestreffen 2019 der Difu-Zuwender",
        lead_theme="Stadtentwicklung im digitalen Wandel",
        description=(
            "Das Jahrestreffen 2019 fand auf Einladung der Stadt Leipzig statt. Im Mittelpunkt "
            "stand der Austausch zur Stadtentwicklung im digitalen Wandel."
        ),
        venue_name="Neues Rathaus",
        venue_address="Martin-Luther-Ring 4–6",
        venue_postcode="04109",
        venue_city="Leipzig",
        registration_opens_at=_at(date(2019, 2, 1), 9),
        registration_closes_at=_at(date(2019, 5, 31), 23, 59),
        capacity=120,
    )
    past.topics.set(topics[:1])
    EventDay.objects.bulk_create(
        [
            EventDay(event=past, date=date(2019, 6, 13), start_time=time(10), end_time=time(18)),
            EventDay(event=past, date=date(2019, 6, 14), start_time=time(9), end_time=time(13)),
        ]
    )
    materials = [
        ("Dokumentation des Jahrestreffens 2019", "", "public", "dokumentation-2019.pdf"),
        (
            "Vortragsfolien: Smart City Leipzig",
            "Input: Digitale Stadt",
            "participants",
            "folien.pdf",
        ),
        ("Ergebnisse der Arbeitsgruppen", "Workshops", "participants", "arbeitsgruppen.pdf"),
    ]
    _materials(past, materials)
    return past


# What participants of the upcoming meeting get beforehand (their manage page lists both; the
# public one shows on the event page after the meeting, with the talks).
UPCOMING_MATERIALS = [
    ("Einladung mit Tagesordnung", "", "public", "einladung.pdf"),
    (
        "Hinweise für Teilnehmende: Anreise, WLAN, Barrierefreiheit",
        "",
        "participants",
        "hinweise.pdf",
    ),
]


def _materials(event: Event, materials: list[tuple[str, str, str, str]]) -> None:
    for position, (title, session, visibility, filename) in enumerate(materials):
        material = Material(
            event=event,
            title=title,
            session_title=session,
            visibility=visibility,
            position=position,
        )
        material.file.save(
            filename, ContentFile(_demo_pdf(title.encode("ascii", "replace").decode()))
        )
