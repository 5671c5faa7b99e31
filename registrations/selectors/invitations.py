"""Who is invited, who is reminded, who answered: the one answer the sending services, their
previews, the overview and its export all use."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from events.models import Event

from ..models import ContactPerson, FederalState, Invitation, MemberOrganisation, Registration

STATUS = Invitation.Status


@dataclass(frozen=True)
class InvitationFilter:
    """Staff's choice of whom to invite; empty lists mean "all"."""

    kinds: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)


def eligible_persons(today=None):
    """Active contact persons of current member organisations: the only people invited."""
    return ContactPerson.objects.filter(
        is_active=True,
        anonymised_at__isnull=True,
        organisation__in=MemberOrganisation.objects.current(today),
    )


def _registered(event: Event):
    """Whether the person already holds an active registration for the event (as registrant
    or as the attendee)."""
    active = Registration.objects.active().filter(event=event)
    return Exists(active.filter(registered_by=OuterRef("pk"))) | Exists(
        active.filter(email=OuterRef("email"))
    )


def invitation_candidates(*, event: Event, chosen: InvitationFilter):
    """The persons an invitation run creates invitations for: eligible, matching the filter,
    not invited to this event before (so inviting twice never mails anyone twice). Each
    carries `is_registered`: those are recorded as registered and get no mail."""
    persons = eligible_persons().exclude(
        Exists(Invitation.objects.filter(event=event, contact_person=OuterRef("pk")))
    )
    if chosen.kinds:
        persons = persons.filter(organisation__kind__in=chosen.kinds)
    if chosen.states:
        persons = persons.filter(organisation__federal_state__in=chosen.states)
    if chosen.roles:
        persons = persons.filter(role__in=chosen.roles)
    return persons.annotate(is_registered=_registered(event)).order_by("pk")


def _unanswered(event: Event):
    """Invitations still without an answer, of people still in the directory and not
    registered by someone else (they hear as registrants)."""
    active = Registration.objects.active().filter(event=event)
    return (
        Invitation.objects.unanswered()
        .filter(event=event, contact_person__in=eligible_persons())
        .exclude(Exists(active.filter(email=OuterRef("contact_person__email"))))
        .select_related("contact_person", "event")
        .order_by("pk")
    )


def changed_event_invitees(event: Event):
    """Those told of a postponement, new dates or a cancellation besides the registrants."""
    return _unanswered(event)


def reminder_recipients(event: Event):
    """Those reminded of the invitation: no answer yet, and not reminded before."""
    return _unanswered(event).filter(reminded_at__isnull=True)


def events_due_for_reminder(now: datetime | None = None) -> list[Event]:
    """Events whose invitation reminder is due: within their reminder period before
    registration closes, still open, neither cancelled nor postponed."""
    now = now or timezone.now()
    events = (
        Event.objects.filter(
            invitation_schedule__reminder_days_before_close__isnull=False,
            registration_closes_at__gt=now,
        )
        .exclude(status__in=[Event.Status.CANCELLED, Event.Status.POSTPONED])
        .select_related("invitation_schedule")
    )
    return [
        e
        for e in events
        if e.registration_closes_at
        - timedelta(days=e.invitation_schedule.reminder_days_before_close)
        <= now
    ]


def _organisation_rows(event: Event) -> list[dict]:
    """One row per member organisation that is current or was invited: its invitations by
    answer and its confirmed participants. Three queries, however many organisations."""
    per_status: dict[int, Counter] = defaultdict(Counter)
    for row in (
        Invitation.objects.filter(event=event)
        .values("contact_person__organisation_id", "status")
        .annotate(n=Count("pk"))
    ):
        per_status[row["contact_person__organisation_id"]][row["status"]] += row["n"]
    attending = dict(
        Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "n")
    )
    organisations = MemberOrganisation.objects.filter(
        Q(pk__in=MemberOrganisation.objects.current()) | Q(pk__in=list(per_status))
    ).order_by("name")
    kinds = dict(MemberOrganisation.Kind.choices)
    states = dict(FederalState.choices)
    rows = []
    for org in organisations:
        counts = per_status[org.pk]
        rows.append(
            {
                "organisation": org.name,
                "kind": str(kinds.get(org.kind, org.kind)),
                "state": states.get(org.federal_state, org.federal_state),
                "invited": sum(counts.values()),
                "registered": counts[STATUS.REGISTERED],
                "declined": counts[STATUS.DECLINED],
                "no_answer": counts[STATUS.INVITED],
                "attending": attending.get(org.pk, 0),
            }
        )
    return rows


FIGURES = ("invited", "registered", "declined", "no_answer", "attending")


def _grouped(rows: list[dict], key: str) -> list[dict]:
    groups: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        groups[row[key]].update({f: row[f] for f in FIGURES})
        groups[row[key]]["organisations"] += 1
        groups[row[key]]["without_participant"] += not row["attending"]
    return [{"label": label, **counts} for label, counts in sorted(groups.items())]


def invitation_overview(*, event: Event) -> dict:
    """Invited, registered, declined and no answer, per organisation, per kind and per
    federal state; and the member organisations nobody from whom will attend."""
    rows = _organisation_rows(event)
    totals = Counter()
    for row in rows:
        totals.update({f: row[f] for f in FIGURES})
    return {
        "totals": {f: totals[f] for f in FIGURES},
        "organisations": rows,
        "kinds": _grouped(rows, "kind"),
        "states": _grouped(rows, "state"),
        "absent": [row for row in rows if not row["attending"]],
        "suggestions": colleague_suggestions(event),
    }


def colleague_suggestions(event: Event):
    """Declines that name a colleague to invite instead, for staff to decide on."""
    return (
        Invitation.objects.filter(event=event, status=STATUS.DECLINED)
        .exclude(colleague_name="", colleague_email="")
        .select_related("contact_person__organisation")
        .order_by("contact_person__organisation__name", "pk")
    )


def invitation_list(event: Event):
    """Every invitation of the event with its person and organisation, for the export."""
    return (
        Invitation.objects.filter(event=event)
        .select_related("contact_person__organisation")
        .order_by("contact_person__organisation__name", "contact_person__last_name", "pk")
    )
