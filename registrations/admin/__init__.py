"""The registrations admin: the directory, registrations, the event's registration pages, and
the records (outbox, erasure log). Importing the modules registers them."""

from . import directory, event, records, registration  # noqa: F401
