"""Demo member directory, registrations for the upcoming Jahrestreffen, and the past one's
participants with their check-ins and certificates."""

import unicodedata
from datetime import date, datetime
from importlib import import_module

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils import timezone

from events.models import Event

from . import services
from .models import ContactPerson, Invitation, MemberOrganisation, Registration

K = MemberOrganisation.Kind
MEMBERS = [
    ("Stadt Leipzig", K.CITY, "SN"),
    ("Stadt Münster", K.CITY, "NW"),
    ("Landeshauptstadt München", K.CITY, "BY"),
    ("Freie und Hansestadt Hamburg", K.CITY, "HH"),
    ("Stadt Köln", K.CITY, "NW"),
    ("Stadt Frankfurt am Main", K.CITY, "HE"),
    ("Landeshauptstadt Stuttgart", K.CITY, "BW"),
    ("Stadt Dresden", K.CITY, "SN"),
    ("Stadt Nürnberg", K.CITY, "BY"),
    ("Stadt Freiburg im Breisgau", K.CITY, "BW"),
    ("Stadt Karlsruhe", K.CITY, "BW"),
    ("Hansestadt Rostock", K.CITY, "MV"),
    ("Landeshauptstadt Potsdam", K.CITY, "BB"),
    ("Stadt Erfurt", K.CITY, "TH"),
    ("Stadt Halle (Saale)", K.CITY, "ST"),
    ("Landeshauptstadt Kiel", K.CITY, "SH"),
    ("Stadt Bremen", K.CITY, "HB"),
    ("Landeshauptstadt Saarbrücken", K.CITY, "SL"),
    ("Stadt Mainz", K.CITY, "RP"),
    ("Landeshauptstadt Hannover", K.CITY, "NI"),
    ("Stadt Dortmund", K.CITY, "NW"),
    ("Stadt Augsburg", K.CITY, "BY"),
    ("Region Hannover", K.DISTRICT, "NI"),
    ("Kreis Steinfurt", K.DISTRICT, "NW"),
    ("Regionalverband Ruhr", K.PLANNING, "NW"),
    ("Verband Region Stuttgart", K.PLANNING, "BW"),
    ("Regionaler Planungsverband Leipzig-Westsachsen", K.PLANNING, "SN"),
    ("Kommunalverband für Jugend und Soziales Baden-Württemberg", K.ASSOCIATION, "BW"),
    ("Städtetag Nordrhein-Westfalen", K.ASSOCIATION, "NW"),
    ("Hessischer Städtetag", K.ASSOCIATION, "HE"),
]
FIRST = ["Anna", "Jonas", "Lea", "Mehmet", "Sophie", "Lukas", "Marie", "Tobias", "Julia", "Felix"]
LAST = [
    "Schmidt",
    "Müller",
    "Yılmaz",
    "Weber",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Schulz",
    "Koch",
    "Richter",
]

DEMO_CONTACT_EMAIL = "anna.schmidt@leipzig.example.org"

# Staff accounts for the two roles (groups from migration 0005_staff_roles); not superusers.
DEMO_STAFF_PASSWORD = "jahrestreffen-demo"
DEMO_STAFF = [
    ("team", "Veranstaltungsteam", "team@difu.example.org"),
    ("lesen", "Lesezugriff", "lesen@difu.example.org"),
]


def _ascii(word: str) -> str:
    """ "Müller" as "mueller": sign-in forms and most mail servers take ASCII addresses only."""
    word = word.lower()
    for a, b in (
        ("ü", "ue"),
        ("ö", "oe"),
        ("ä", "ae"),
        ("ß", "ss"),
        ("ı", "i"),
        ("(", ""),
        (")", ""),
    ):
        word = word.replace(a, b)
    word = word.replace("(", "").replace(")", "")
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()


def _domain(name: str) -> str:
    return f"{_ascii(name.split()[-1])}.example.org"


def load_members() -> dict:
    """Create the directory once; running it again changes nothing."""
    for i, (name, kind, state) in enumerate(MEMBERS):
        org, created = MemberOrganisation.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "federal_state": state,
                "member_since": date(1990 + i % 30, 1, 1),
                "email_domains": _domain(name),
            },
        )
        if not created:
            continue
        domain = _domain(name)
        for j, role in enumerate([ContactPerson.Role.CONTACT, ContactPerson.Role.DEPUTY]):
            first, last = FIRST[(i + j * 3) % len(FIRST)], LAST[(i * 2 + j) % len(LAST)]
            email = (
                DEMO_CONTACT_EMAIL
                if i == 0 and j == 0
                else f"{_ascii(first)}.{_ascii(last)}@{domain}"
            )
            ContactPerson.objects.create(
                organisation=org,
                salutation="frau"
                if first in {"Anna", "Lea", "Sophie", "Marie", "Julia"}
                else "herr",
                academic_title="Dr." if (i + j) % 4 == 0 else "",
                first_name=first,
                last_name=last,
                function="Leitung Stadtplanungsamt"
                if j == 0
                else "Referentin/Referent Stadtentwicklung",
                email=email,
                phone=f"+49 30 1234-{i:02d}{j}",
                role=role,
            )
    # A former member: listed, but no longer eligible.
    MemberOrganisation.objects.get_or_create(
        name="Stadt Beispielhausen (ehemals)",
        defaults={"member_since": date(2001, 1, 1), "member_until": date(2019, 12, 31)},
    )
    return {"organisations": MemberOrganisation.objects.count()}


def load_registrations(event: Event) -> int:
    """Some registrations on the upcoming event; its site visit ("Lokaltermin") is full."""
    if Registration.objects.filter(event=event).exists():
        return 0
    site_visit = event.programme_items.filter(kind="site_visit").first()
    reception = event.programme_items.filter(kind="reception").first()
    people = (
        ContactPerson.objects.filter(role=ContactPerson.Role.CONTACT)
        .exclude(email=DEMO_CONTACT_EMAIL)
        .select_related("organisation")
        .order_by("pk")[:12]
    )
    count = 0
    for i, person in enumerate(people):
        # At a hybrid event every third person joins online; elsewhere the event decides.
        online = i % 3 == 2
        items = [reception.pk] if reception else []
        if site_visit and i < 4:
            items.append(site_visit.pk)
        if online and event.is_hybrid:
            items = []  # the side programme is on site
        services.registration_create(
            event=event,
            registered_by=person,
            attendee=None,
            details=services.Details(
                programme_item_ids=items,
                diet=["none", "vegetarian", "vegan"][i % 3],
                visibility=["participants", "public", "nobody"][i % 3],
                participation="online" if online else "in_person",
            ),
            privacy_acknowledged=True,
            language="de",
        )
        count += 1
    return count


def load_invitations(event: Event) -> int:
    """Invitations to the upcoming event with a mix of answers: those registered above count
    as registered, two organisations declined (one naming a colleague), the rest are silent.
    The demo contact person stays uninvited, so the invitation page has someone to invite."""
    if Invitation.objects.filter(event=event).exists():
        return 0
    others = ~Q(contact_person__email=DEMO_CONTACT_EMAIL)
    services.invitations_send(event=event)
    Invitation.objects.filter(event=event, contact_person__email=DEMO_CONTACT_EMAIL).delete()
    silent = Invitation.objects.filter(others, event=event, status=Invitation.Status.INVITED)
    for i, invitation in enumerate(silent.select_related("contact_person").order_by("pk")[:2]):
        colleague = {
            "colleague_name": "Dr. Clara Neumann",
            "colleague_email": "clara.neumann@" + invitation.contact_person.email.split("@")[1],
            "colleague_note": "Leitet ab dem Frühjahr das Amt für Stadtentwicklung.",
        }
        Invitation.objects.filter(pk=invitation.pk).update(
            status=Invitation.Status.DECLINED,
            declined_at=timezone.now(),
            **(colleague if i == 0 else {}),
        )
    return Invitation.objects.filter(event=event).count()


def load_staff() -> list[tuple[str, str]]:
    """One staff user per role; (username, group) pairs. The groups are recreated if missing,
    e.g. after a test flushed the database."""
    roles = import_module("registrations.migrations.0005_staff_roles")
    names = [group for _user, group, _email in DEMO_STAFF]
    if Group.objects.filter(name__in=names).count() != len(names):
        roles.create_groups(apps, None)
        import_module("registrations.migrations.0013_staff_roles_materials_certificates").grant(
            apps, None
        )
    users = []
    for username, group, email in DEMO_STAFF:
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"is_staff": True, "email": email}
        )
        if created:
            user.set_password(DEMO_STAFF_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=group))
        users.append((username, group))
    return users


def load_attendance(event: Event) -> int:
    """Registrations of the past meeting, checked in on one or both days, each with its
    certificate of attendance (issued, not mailed: the demo sends nobody anything). Made as
    rows, since registration for a past event is closed; check-in and certificates go through
    their services."""
    if Registration.objects.filter(event=event).exists():
        return 0
    people = list(
        ContactPerson.objects.filter(role=ContactPerson.Role.CONTACT)
        .filter(Q(email=DEMO_CONTACT_EMAIL) | Q(pk__in=_some_contacts()))
        .select_related("organisation")
        .order_by("pk")
    )
    days = [day.date for day in event.sorted_days]
    staff = get_user_model().objects.filter(is_superuser=True).first()
    for i, person in enumerate(people):
        registration = Registration.objects.create(
            event=event,
            registered_by=person,
            organisation=person.organisation,
            salutation=person.salutation,
            academic_title=person.academic_title,
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
            function=person.function,
            privacy_acknowledged_at=timezone.make_aware(datetime(2019, 3, 1, 12)),
            language=person.language,
        )
        attended = days if i % 3 else days[:1]
        if i == len(people) - 1:
            continue  # registered, but did not come: no certificate
        for day in attended:
            services.attendance_check_in(registration=registration, day=day, user=staff)
        services.certificate_issue(registration=registration)
    return len(people)


def _some_contacts():
    return (
        ContactPerson.objects.filter(role=ContactPerson.Role.CONTACT)
        .exclude(email=DEMO_CONTACT_EMAIL)
        .order_by("-pk")
        .values("pk")[:6]
    )
