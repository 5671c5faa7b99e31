"""Demo programme ("Tagesordnung") for the upcoming meeting: two days of sessions with speakers
from the Difu and member cities, breaks and lunch. Kept apart from `demo.py` so other demo
additions merge without conflicts."""

from datetime import time

from .models import Event, Session, SessionSpeaker, Speaker

SPEAKERS = {
    "leitung": (
        "Prof. Dr. Clara Beispiel",
        "Deutsches Institut für Urbanistik",
        "Institutsleitung",
    ),
    "klima": ("Dr. Jan Muster", "Deutsches Institut für Urbanistik", "Teamleitung Klimaanpassung"),
    "muenster": ("Petra Probst", "Stadt Münster", "Beigeordnete für Planung und Umwelt"),
    "leipzig": ("Anna Schmidt", "Stadt Leipzig", "Amt für Stadtgrün und Gewässer"),
    "freiburg": ("Yusuf Demir", "Stadt Freiburg im Breisgau", "Umweltschutzamt"),
    "staedtetag": ("Dr. Lena Vogel", "Deutscher Städtetag", "Referentin Umwelt"),
    "moderation": ("Jonas Muster", "Deutsches Institut für Urbanistik", "Moderation"),
}

K = Session.Kind
# (day index, start, end, kind, title, description, room, speaker keys)
# fmt: off
SESSIONS = [
    (0, (10, 0), (10, 30), K.INPUT, "Begrüßung und Einführung",
     "Eröffnung des Jahrestreffens durch das Difu und die gastgebende Stadt.",
     "Ratssaal", ["leitung", "muenster"]),
    (0, (10, 30), (11, 30), K.INPUT, "Hitze, Starkregen, Stadtgrün: Was Kommunen jetzt tun",
     "Ergebnisse aus der Difu-Forschung zur klimaangepassten Stadtentwicklung.",
     "Ratssaal", ["klima"]),
    (0, (11, 30), (12, 30), K.PANEL, "Klimaanpassung in der Praxis",
     "Drei Städte berichten, was funktioniert und wo es hakt.",
     "Ratssaal", ["moderation", "leipzig", "freiburg", "staedtetag"]),
    (0, (12, 30), (13, 30), K.BREAK, "Mittagspause",
     "", "Foyer", []),
    (0, (13, 30), (15, 0), K.WORKSHOP, "Werkstatt: Hitzeaktionspläne",
     "Erfahrungsaustausch in kleiner Runde.", "Raum 2.14", ["freiburg"]),
    (0, (15, 0), (15, 30), K.BREAK, "Kaffeepause",
     "", "Foyer", []),
    (0, (15, 30), (16, 45), K.INPUT, "Praxisbeispiel Münster: Schwammstadt im Bestand",
     "", "Ratssaal", ["muenster"]),
    (1, (9, 0), (9, 45), K.INPUT, "Finanzierung der Klimaanpassung",
     "Förderprogramme und kommunale Haushalte.", "Ratssaal", ["staedtetag"]),
    (1, (9, 45), (11, 0), K.WORKSHOP, "Werkstatt: Stadtgrün pflegen und finanzieren",
     "", "Raum 2.14", ["leipzig"]),
    (1, (11, 0), (11, 15), K.BREAK, "Kaffeepause",
     "", "Foyer", []),
    (1, (11, 15), (12, 30), K.PANEL, "Was nehmen wir mit?",
     "Die Ergebnisse der Werkstätten im Gespräch.", "Ratssaal", ["moderation", "klima", "leipzig"]),
    (1, (12, 30), (13, 15), K.BREAK, "Mittagspause",
     "", "Foyer", []),
    (1, (13, 15), (14, 0), K.OTHER, "Abschluss und Ausblick auf das nächste Jahrestreffen",
     "", "Ratssaal", ["leitung"]),
]
# fmt: on


def load_programme(event: Event) -> None:
    """Give the event the demo programme once; an event that has sessions keeps them."""
    days = event.sorted_days
    if len(days) < 2 or Session.objects.filter(day__event=event).exists():
        return
    speakers = {}
    for key, (name, organisation, role) in SPEAKERS.items():
        speakers[key], _ = Speaker.objects.get_or_create(
            name=name, organisation=organisation, defaults={"role": role}
        )
    links = []
    for index, start, end, kind, title, description, room, keys in SESSIONS:
        session = Session.objects.create(
            day=days[index],
            start_time=time(*start),
            end_time=time(*end),
            kind=kind,
            title=title,
            description=description,
            room=room,
        )
        links += [
            SessionSpeaker(session=session, speaker=speakers[key], position=n)
            for n, key in enumerate(keys, start=1)
        ]
    SessionSpeaker.objects.bulk_create(links)
