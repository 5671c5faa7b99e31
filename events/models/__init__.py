"""The events app's models, re-exported (app label and tables as before)."""

from .event import Event, EventDay, EventQuerySet, RegistrationState, Series, Topic, TopicLink
from .material import Material, MaterialQuerySet
from .parts import EventChange, OrganiserContact, ProgrammeItem

__all__ = [
    "Event",
    "EventChange",
    "EventDay",
    "EventQuerySet",
    "Material",
    "MaterialQuerySet",
    "OrganiserContact",
    "ProgrammeItem",
    "RegistrationState",
    "Series",
    "Topic",
    "TopicLink",
]
