"""A contact person's own registrations and those they made for representatives, as
"My registrations" lists them: one query, plain values, no model instances."""

from typing import NamedTuple

from django.db.models import FilteredRelation, Q

from jahrestreffen.prepared import PreparedQuery

from ..models import ContactPerson, ProgrammeChoice, Registration
from ..tokens import manage_tokens


class OwnRegistration(NamedTuple):
    """One row of the list; the event's title and days come from `events.selectors.
    event_headings(ids=…)`. `pk` and `manage_nonce` make the manage link's token."""

    pk: int
    manage_nonce: str
    event_id: int
    full_name: str
    is_representative: bool
    status: str
    status_label: str
    # An open question after rescheduling: the row asks for an answer on the manage page.
    asks_reconfirmation: bool
    # (item id, status, status label) of each active side programme choice, oldest first
    choices: tuple
    manage_token: str


COLUMNS = (
    "pk",
    "manage_nonce",
    "event_id",
    "academic_title",
    "first_name",
    "last_name",
    "anonymised_at",
    "is_representative",
    "status",
    "reconfirmation",
    "choice__item_id",
    "choice__status",
)


def own_queryset(person_id: int):
    """Every registration the person made (for themselves or a representative), newest
    first, a row per active side programme choice (in the order they were made) or one
    without a choice."""
    return (
        Registration.objects.filter(registered_by_id=person_id)
        .annotate(
            choice=FilteredRelation(
                "programme_choices",
                condition=Q(programme_choices__status__in=ProgrammeChoice.ACTIVE),
            )
        )
        .order_by("-created_at", "-pk", "choice__created_at", "choice__pk")
        .values(*COLUMNS)
    )


# Building and compiling this query in the ORM costs about ten times what running it does
# (issue 13), so it is compiled once per process; only the person changes.
_own_rows = PreparedQuery(own_queryset, person_id=-7_000_000_001)


def _rows(person_id: int) -> list[tuple]:
    return [tuple(row[c] for c in COLUMNS) for row in _own_rows(person_id=person_id)]


def own_registrations(person: ContactPerson) -> list[OwnRegistration]:
    """What "My registrations" lists of the person's registrations (`own_queryset`), with
    the status labels, the manage link's token and whether to ask for an answer to new dates,
    in one query."""
    status_labels = dict(Registration.Status.choices)
    choice_labels = dict(ProgrammeChoice.Status.choices)
    pending = Registration.Reconfirmation.PENDING
    result: list[OwnRegistration] = []
    for (
        pk,
        nonce,
        event_id,
        title,
        first,
        last,
        anonymised,
        rep,
        status,
        reconf,
        item,
        chosen,
    ) in _rows(person.pk):
        if not result or result[-1].pk != pk:
            row = OwnRegistration(
                pk=pk,
                manage_nonce=nonce,
                event_id=event_id,
                full_name=Registration.name_shown(title, first, last, anonymised),
                is_representative=bool(rep),
                status=status,
                status_label=str(status_labels[status]),
                asks_reconfirmation=status in Registration.ACTIVE and reconf == pending,
                choices=(),
                manage_token="",
            )
            result.append(row._replace(manage_token=manage_tokens.make_token(row)))
        if item is not None:
            choice = (item, chosen, str(choice_labels[chosen]))
            result[-1] = result[-1]._replace(choices=(*result[-1].choices, choice))
    return result
