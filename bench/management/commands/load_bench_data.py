"""The volume `make bench` measures against: members, contact persons, events, registrations.

Run against an empty database (bench/run.py creates one). Besides the rows it writes, into
--out, what the load generator needs: session keys of signed-in contact persons with a CSRF
token, the manage links of registrations, the e-mail addresses for sign-in requests.

The submit gets contact persons of its own (--submit-persons, sessions in
submit_sessions.txt): each submit must be someone's first registration for the event, and at
a few hundred submits a second the 1,000 persons of the other pages would repeat within one
run ("already registered"). They sign in and register only; nothing else sees them.
"""

import json
import random
from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from events.models import (
    Event,
    EventDay,
    OrganiserContact,
    ProgrammeItem,
    Series,
    Topic,
    TopicLink,
)
from registrations.middleware import SESSION_KEY
from registrations.models import (
    ContactPerson,
    FederalState,
    MemberOrganisation,
    ProgrammeChoice,
    Registration,
)
from registrations.tokens import manage_tokens

DETAIL_SLUG = "jahrestreffen-bench"
SUBMIT_SLUGS = ["anmeldung-bench-1", "anmeldung-bench-2", "anmeldung-bench-3"]
# The addresses of the submit's own contact persons start with this.
SUBMIT_PERSON_PREFIX = "submit"
CITIES = ["Leipzig", "Münster", "Freiburg", "Kassel", "Erfurt", "Kiel", "Bremen", "Mainz"]
DESCRIPTION = "\n\n".join(
    [
        "Das Jahrestreffen bietet den Zuwendern des Difu die Gelegenheit, sich über aktuelle "
        "Forschungsergebnisse zu informieren und mit Kolleginnen und Kollegen aus anderen "
        "Städten, Kreisen und Verbänden ins Gespräch zu kommen.",
        "Im Mittelpunkt stehen Vorträge und Diskussionen zu Stadtentwicklung, Mobilität, "
        "Klimaschutz und Klimaanpassung, Infrastruktur, Finanzen und Wohnen. Ergänzt wird das "
        "Programm durch Lokaltermine in der gastgebenden Stadt.",
        "Die Veranstaltung richtet sich an die Ansprechpartnerinnen und Ansprechpartner der "
        "Zuwender sowie an von ihnen benannte Vertretungen.",
    ]
)


class Command(BaseCommand):
    help = "Load the benchmark volume into an empty database and write the load generator's files."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(settings.BASE_DIR / "bench" / "out"))
        parser.add_argument("--members", type=int, default=300)
        parser.add_argument("--persons", type=int, default=1000)
        parser.add_argument("--events", type=int, default=50)
        parser.add_argument("--registrations", type=int, default=5000)
        # Enough for 1,000 submits a second over bench/run.py's 5 s (reset between rounds).
        parser.add_argument("--submit-persons", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=2020)

    def handle(self, *args, **options):
        rng = random.Random(options["seed"])
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        with transaction.atomic():
            organisations = self._organisations(options["members"])
            persons = self._persons(rng, organisations, options["persons"])
            events = self._events(rng, options["events"])
            registrations = self._registrations(rng, events, persons, options["registrations"])
            sessions = self._sessions(persons)
            submitters = self._submit_persons(organisations, options["submit_persons"])
            submit_sessions = self._sessions(submitters)
        self._write(out, persons, events, registrations, sessions)
        self._write_sessions(out / "submit_sessions.txt", submit_sessions)
        self.stdout.write(
            f"{len(organisations)} member organisations, {len(persons)} contact persons "
            f"(and {len(submitters)} who only submit), {len(events)} events, "
            f"{len(registrations)} registrations, {len(sessions)} + {len(submit_sessions)} "
            f"signed-in sessions; files in {out}"
        )

    def _organisations(self, n):
        kinds = [k for k, _ in MemberOrganisation.Kind.choices]
        states = [s for s, _ in FederalState.choices]
        return MemberOrganisation.objects.bulk_create(
            MemberOrganisation(
                name=f"Stadt Bench {i:03d}",
                kind=kinds[i % len(kinds)],
                federal_state=states[i % len(states)],
                email_domains=f"org{i:03d}.bench.example.org",
                default_participants=3,
            )
            for i in range(n)
        )

    def _persons(self, rng, organisations, n):
        return ContactPerson.objects.bulk_create(
            ContactPerson(
                organisation=organisations[i % len(organisations)],
                salutation=rng.choice(["frau", "herr", ""]),
                first_name=f"Vorname{i:04d}",
                last_name=f"Nachname{i:04d}",
                function="Leitung Stadtplanungsamt",
                email=f"person{i:04d}@org{i % len(organisations):03d}.bench.example.org",
                role=ContactPerson.Role.CONTACT if i < len(organisations) else "deputy",
            )
            for i in range(n)
        )

    def _submit_persons(self, organisations, n):
        return ContactPerson.objects.bulk_create(
            ContactPerson(
                organisation=organisations[i % len(organisations)],
                first_name=f"Anmeldung{i:05d}",
                last_name=f"Nachname{i:05d}",
                function="Referat Stadtentwicklung",
                email=f"{SUBMIT_PERSON_PREFIX}{i:05d}@org{i % len(organisations):03d}"
                ".bench.example.org",
                role=ContactPerson.Role.DEPUTY,
            )
            for i in range(n)
        )

    def _events(self, rng, n):
        series = Series.objects.create(name="Jahrestreffen der Difu-Zuwender (Bench)")
        topics = Topic.objects.bulk_create(
            Topic(name=f"Thema {i}", slug=f"thema-bench-{i}") for i in range(8)
        )
        TopicLink.objects.bulk_create(
            TopicLink(
                topic=topic,
                title=f"Difu-Berichte: {topic.name}, Teil {j}",
                url=f"https://difu.de/publikationen/{topic.slug}-{j}",
                position=j,
            )
            for topic in topics
            for j in range(3)
        )
        now = timezone.now()
        today = timezone.localdate()
        slugs = [DETAIL_SLUG, *SUBMIT_SLUGS]
        events = []
        for i in range(n):
            upcoming = i < n // 2
            slug = slugs[i] if i < len(slugs) else f"jahrestreffen-bench-{i:02d}"
            submit = slug in SUBMIT_SLUGS
            events.append(
                Event(
                    series=series,
                    title=f"Jahrestreffen {2000 + i} in {CITIES[i % len(CITIES)]}",
                    slug=slug,
                    subtitle="Stadt gemeinsam gestalten",
                    lead_theme="Transformation der Städte",
                    teaser="Das Difu lädt seine Zuwender zum Jahrestreffen ein.",
                    description=DESCRIPTION,
                    audience="Ansprechpartnerinnen und Ansprechpartner der Difu-Zuwender",
                    venue_name="Rathaus, Festsaal",
                    venue_address="Marktplatz 1",
                    venue_postcode="04109",
                    venue_city=CITIES[i % len(CITIES)],
                    published=True,
                    registration_opens_at=now - timedelta(days=30 if upcoming else 400),
                    registration_closes_at=now + timedelta(days=60) if upcoming else None,
                    capacity=None if submit else 400,
                    participants_per_organisation=1000 if submit else None,
                )
            )
        events = Event.objects.bulk_create(events)
        days, items, contacts = [], [], []
        for i, event in enumerate(events):
            start = today + timedelta(days=90 + i) if i < n // 2 else today - timedelta(days=i * 7)
            days += [EventDay(event=event, date=start + timedelta(days=d)) for d in range(2)]
            for j, kind in enumerate(["reception", "site_visit", "excursion"]):
                items.append(
                    ProgrammeItem(
                        event=event,
                        kind=kind,
                        title=f"Rahmenprogramm {j + 1}",
                        description="Treffpunkt am Haupteingang.",
                        starts_at=timezone.make_aware(datetime.combine(start, time(18 + j, 0))),
                        place="Innenstadt",
                        capacity=None if j == 0 else 40,
                        position=j,
                    )
                )
            contacts += [
                OrganiserContact(
                    event=event,
                    name=f"Ansprechperson {k}",
                    role="Veranstaltungsmanagement",
                    email=f"team{k}@difu.example.org",
                    phone="+49 30 39001 0",
                    position=k,
                )
                for k in range(2)
            ]
        EventDay.objects.bulk_create(days)
        ProgrammeItem.objects.bulk_create(items)
        OrganiserContact.objects.bulk_create(contacts)
        Through = Event.topics.through
        Through.objects.bulk_create(
            Through(event_id=event.pk, topic_id=topic.pk)
            for event in events
            for topic in rng.sample(topics, 2)
        )
        return events

    def _registrations(self, rng, events, persons, n):
        targets = [e for e in events if e.slug not in SUBMIT_SLUGS]
        per_event = n // len(targets)
        items = {}
        for item in ProgrammeItem.objects.filter(event__in=targets):
            items.setdefault(item.event_id, []).append(item)
        now = timezone.now()
        registrations = []
        for k, event in enumerate(targets):
            count = per_event + (1 if k < n % len(targets) else 0)
            for j, person in enumerate(rng.sample(persons, count)):
                representative = j % 5 == 4
                registrations.append(
                    Registration(
                        event=event,
                        registered_by=person,
                        organisation_id=person.organisation_id,
                        is_representative=representative,
                        salutation=person.salutation,
                        first_name="Vertretung" if representative else person.first_name,
                        last_name=person.last_name,
                        email=f"vertretung.{person.email}" if representative else person.email,
                        function=person.function,
                        status=Registration.Status.CONFIRMED,
                        diet=rng.choice(["none", "none", "vegetarian", "vegan"]),
                        visibility=rng.choice(["nobody", "participants", "public"]),
                        privacy_acknowledged_at=now,
                        created_at=now - timedelta(minutes=j),
                    )
                )
        registrations = Registration.objects.bulk_create(registrations, batch_size=2000)
        ProgrammeChoice.objects.bulk_create(
            (
                ProgrammeChoice(registration=r, item=items[r.event_id][0])
                for r in registrations[::2]
            ),
            batch_size=2000,
        )
        return registrations

    def _sessions(self, persons):
        """One signed-in session per contact person, as `sign_in` would leave it."""
        store = SessionStore()
        expires = timezone.now() + timedelta(days=1)
        sessions = [
            Session(
                session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
                session_data=store.encode(
                    {SESSION_KEY: {"id": person.pk, "epoch": person.session_epoch}}
                ),
                expire_date=expires,
            )
            for person in persons
        ]
        return Session.objects.bulk_create(sessions, batch_size=2000)

    def _write_sessions(self, path, sessions):
        # Django accepts the unmasked secret in both cookie and form field.
        csrf = get_random_string(32)
        path.write_text("".join(f"{s.session_key} {csrf}\n" for s in sessions), encoding="utf-8")
        return csrf

    def _write(self, out, persons, events, registrations, sessions):
        csrf = self._write_sessions(out / "sessions.txt", sessions)
        (out / "manage_tokens.txt").write_text(
            "".join(f"{manage_tokens.make_token(r)}\n" for r in registrations[:1000]),
            encoding="utf-8",
        )
        (out / "emails.txt").write_text(
            "".join(f"{p.email} {csrf}\n" for p in persons), encoding="utf-8"
        )
        meta = {
            "detail_slug": DETAIL_SLUG,
            "submit_slugs": SUBMIT_SLUGS,
            "members": MemberOrganisation.objects.count(),
            "persons": len(persons),
            "submit_persons": ContactPerson.objects.filter(
                email__startswith=SUBMIT_PERSON_PREFIX
            ).count(),
            "events": len(events),
            "registrations": len(registrations),
        }
        (out / "data.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
