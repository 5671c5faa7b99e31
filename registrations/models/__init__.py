"""The registrations app's models, one module per aggregate (re-exported here, so the app
label, table names and migrations stay as they are)."""

from .certificate import Certificate
from .directory import (
    AccessRequest,
    ContactPerson,
    FederalState,
    MemberOrganisation,
    MemberOrganisationQuerySet,
    Salutation,
)
from .invitation import Invitation, InvitationQuerySet, InvitationSchedule
from .notices import StaffNotice
from .outbox import OutboxMessage, OutboxMessageQuerySet
from .privacy import ErasureLog, _erasure_reference
from .registration import (
    Attendance,
    ProgrammeChoice,
    ProgrammeChoiceQuerySet,
    Registration,
    RegistrationQuerySet,
    _manage_nonce,
    _manage_token,
)

__all__ = [
    "AccessRequest",
    "Attendance",
    "Certificate",
    "ContactPerson",
    "ErasureLog",
    "FederalState",
    "Invitation",
    "InvitationQuerySet",
    "InvitationSchedule",
    "MemberOrganisation",
    "MemberOrganisationQuerySet",
    "OutboxMessage",
    "OutboxMessageQuerySet",
    "ProgrammeChoice",
    "Registration",
    "ProgrammeChoiceQuerySet",
    "RegistrationQuerySet",
    "Salutation",
    "StaffNotice",
    "_erasure_reference",
    "_manage_nonce",
    "_manage_token",
]
