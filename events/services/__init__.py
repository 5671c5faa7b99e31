"""The event lifecycle: postpone, reschedule, cancel, create a replacement.

Each function runs in one transaction under a row lock on the event and returns the
`EventChange` it recorded (or the new event), so that a caller — the registrations app,
which tells registrants — can act on it in the same transaction.
"""

from .base import DaySpec, TransitionError, validate_days, validate_future_days
from .lifecycle import event_cancel, event_postpone, event_reschedule
from .replacement import event_create_replacement

__all__ = [
    "DaySpec",
    "TransitionError",
    "event_cancel",
    "event_create_replacement",
    "event_postpone",
    "event_reschedule",
    "validate_days",
    "validate_future_days",
]
