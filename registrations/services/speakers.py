"""A speaker of the programme from the member directory: the events app keeps speakers as its
own records (it knows nothing of the directory), so a contact person's name, organisation and
function are copied once. The speaker is public programme text from then on; erasing the
person's directory data later does not remove it from a published programme (staff edit or
delete the speaker, as for any name in a programme)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from events.models import Speaker

from ..models import ContactPerson
from ..text import full_name


def speaker_create_from_contact(*, person: ContactPerson) -> tuple[Speaker, bool]:
    """The speaker for this person: an existing one with the same name and organisation, or a
    new one. Returns the speaker and whether it was created."""
    if person.anonymised_at is not None:
        raise ValidationError(_("This person's data has been erased."), code="anonymised")
    name = full_name(person.academic_title, person.first_name, person.last_name)
    with transaction.atomic():
        speaker, created = Speaker.objects.get_or_create(
            name=name,
            organisation=person.organisation.name,
            defaults={"role": person.function},
        )
    return speaker, created
