"""The registrations admin: the directory, registrations, the event's registration pages, and
the records (outbox, erasure log). Importing the modules registers them."""

from . import certificates, directory, event, records, registration  # noqa: F401
