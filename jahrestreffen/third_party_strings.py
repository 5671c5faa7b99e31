"""Strings of third-party packages whose own catalogues lack a German translation, listed so
that `makemessages` keeps them in ours (a catalogue entry without a source would be dropped
as obsolete): django-import-export's import page and django-simple-history's pages when
reverting is off. Nothing imports this module."""

from django.utils.translation import gettext_noop

STRINGS = [
    gettext_noop(
        "%(exc_name)s encountered while trying to read file. Ensure you have chosen the "
        "correct format for the file."
    ),
    gettext_noop(
        "No valid data to import. Ensure your file has the correct headers or data for import."
    ),
    gettext_noop('Select at least 1 field for "%(resource_name)s" to export'),
    gettext_noop(
        "Please correct these errors in your data where possible, then reupload it using the "
        "form above."
    ),
    gettext_noop("View history: %s"),
    gettext_noop("View %(verbose_name)s"),
]
