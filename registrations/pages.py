"""What every page of the registrations app shares: private answers, the page's language, the
registration a personal link opens. `views`, `manage_views` and `invitation_views` use these."""

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control

from .models import ProgrammeChoice, Registration
from .tokens import manage_tokens

# Pages about one person (their registrations, a manage link's page, the participants they may
# see) are for that browser only: no shared cache may keep them, and no browser may keep them
# on disk, where the next user of a shared computer would find them in the history.
personal = cache_control(private=True, no_store=True)


def page_language() -> str:
    """The language of the page being answered: mails that follow are written in it."""
    return get_language() or settings.LANGUAGE_CODE


def registration_by_token(token) -> Registration:
    """The registration a personal link opens, with what its pages show; 404 for any other
    token."""
    registration = manage_tokens.registration_for(
        token,
        Registration.objects.select_related(
            "event", "organisation", "registered_by__organisation"
        ).prefetch_related(
            "event__days",
            "event__programme_items",
            Prefetch("programme_choices", queryset=ProgrammeChoice.objects.select_related("item")),
        ),
    )
    if registration is None:
        raise Http404
    return registration
