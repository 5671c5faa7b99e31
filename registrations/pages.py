"""What every page of the registrations app shares: private answers, the page's language, the
registration a personal link opens. `views`, `manage_views` and `invitation_views` use these."""

from django.conf import settings
from django.http import Http404
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control

from events.cache import public_version
from events.selectors import event_with_programme
from jahrestreffen.prepared import PreparedObjects

from .models import ProgrammeChoice, Registration
from .tokens import manage_tokens

# Pages about one person (their registrations, a manage link's page, the participants they may
# see) are for that browser only: no shared cache may keep them, and no browser may keep them
# on disk, where the next user of a shared computer would find them in the history.
personal = cache_control(private=True, no_store=True)


def page_language() -> str:
    """The language of the page being answered: mails that follow are written in it."""
    return get_language() or settings.LANGUAGE_CODE


WITH_REGISTRATION = ("event", "organisation", "registered_by", "registered_by__organisation")
# Read on every request to a personal link: compiled once (jahrestreffen/prepared.py).
_registration_by_pk = PreparedObjects(
    Registration,
    lambda pk: Registration.objects.filter(pk=pk),
    related=WITH_REGISTRATION,
    pk=-48611,
)


def registration_by_token(token) -> Registration:
    """The registration a personal link opens, with what its pages show; 404 for any other
    token. The link is checked and the registration read on every request; the event's
    days and side programme come from the cache under the event version
    (`event_with_programme`)."""
    registration = manage_tokens.registration_for(
        token,
        Registration.objects.select_related(*WITH_REGISTRATION),
        by_pk=lambda pk: next(iter(_registration_by_pk(pk=pk)), None),
    )
    if registration is None:
        raise Http404
    # What the manage page's shared copy is kept under, read before the event: a change bumps
    # the event version before the pages' one, so no copy under this version shows an older
    # event than it was read with.
    registration.public_version = public_version()
    registration.event = event_with_programme(registration.event)
    return registration


# Read on every request to the manage page, as the registration is.
_choices_of = PreparedObjects(
    ProgrammeChoice,
    lambda registration_id: ProgrammeChoice.objects.filter(registration_id=registration_id),
    registration_id=-48612,
)


def programme_choices(registration: Registration) -> list[ProgrammeChoice]:
    """The registration's side programme choices as its page shows them, read once per
    request, with their items from the registration's event."""
    choices = registration.__dict__.get("_page_programme_choices")
    if choices is None:
        items = {item.pk: item for item in registration.event.programme_items.all()}
        choices = _choices_of(registration_id=registration.pk)
        for choice in choices:
            if choice.item_id in items:
                choice.item = items[choice.item_id]
        registration._page_programme_choices = choices
    return choices
