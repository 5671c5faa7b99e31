"""The events app's models, re-exported (app label and tables as before)."""

from .agenda import Session, SessionSpeaker, Speaker
from .event import Event, EventDay, EventQuerySet, RegistrationState
from .material import Material, MaterialQuerySet
from .parts import EventChange, OrganiserContact, ProgrammeItem
from .series import Series, Topic, TopicLink

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
