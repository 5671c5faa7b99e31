"""The events app's models, re-exported (app label and tables as before)."""

from .agenda import Session, SessionSpeaker, Speaker
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
    "Session",
    "SessionSpeaker",
    "Speaker",
    "Topic",
    "TopicLink",
]
