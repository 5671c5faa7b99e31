"""Demo: the upcoming Jahrestreffen as a hybrid meeting (in Münster and online).

Kept apart from `demo.py`, which builds the events themselves; this only sets how people take
part, so it can run on whatever upcoming event the demo holds.
"""

from .models import Event

DEMO_JOIN_URL = "https://konferenz.difu.example.org/jahrestreffen"
DEMO_DIAL_IN = "Telefon: +49 30 39001-999\nKonferenz-ID: 482 913 057\nKenncode: 2468"


def make_hybrid(event: Event | None, *, online_capacity: int | None = None) -> Event | None:
    """Make the (still in-person) upcoming event hybrid with demo join details; an event
    already set up, or moved online, stays as it is, so running the demo again changes
    nothing."""
    if event is None or event.attendance_mode != Event.AttendanceMode.IN_PERSON:
        return event
    event.attendance_mode = Event.AttendanceMode.HYBRID
    event.online_capacity = online_capacity
    event.join_url = event.join_url or DEMO_JOIN_URL
    event.dial_in = event.dial_in or DEMO_DIAL_IN
    event._change_reason = "demo: hybrid meeting"
    event.save(
        update_fields=["attendance_mode", "online_capacity", "join_url", "dial_in", "updated_at"]
    )
    return event
