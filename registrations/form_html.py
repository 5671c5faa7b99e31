"""A form's HTML shared between requests (`{% form_html %}`): what it depends on, and the
person's own values, which never go into the shared copy but into slots filled per request.

crispy-forms renders each field through several nested templates, which costs more than the
rest of a page; an unbound form looks the same for everyone who sees the same fields,
choices, ticks and buttons. Its text fields may hold someone's own words (a name, a note on
their needs): in the shared HTML those are slots (`personal-value-slot-NAME-`, which escaping
leaves as it is), and only whether a field is empty is part of the key, since an empty field
renders without a value at all. `fill_slots` puts the escaped values in, in one pass, so a
value that looks like a slot is never filled in again.
"""

import hashlib
import re
from contextlib import contextmanager

from django.utils.html import escape
from django.utils.translation import get_language

VALUE_SLOT = "personal-value-slot-{}-"
VALUE_SLOT_PATTERN = re.compile(r"personal-value-slot-(\w+?)-")


class SharedHTMLMixin:
    """For `forms.Form`: the parts of a form `{% form_html %}` needs to share its HTML."""

    # Fields whose initial value is the person's own text: slots in the shared HTML.
    personal_fields: tuple[str, ...] = ()
    _slotted = False

    def html_cache_key(self) -> str | None:
        """What the rendered form depends on when its HTML may be shared between requests
        (`{% form_html %}`), or None: rendered every time."""
        return None

    def shared_html_key(self) -> str | None:
        """A digest of everything the unbound form's HTML depends on but the personal values
        themselves; None for a bound form (it shows what was sent, and its errors)."""
        if self.is_bound:
            return None
        state = [
            type(self).__name__,
            self.prefix,
            get_language(),
            [
                (
                    name,
                    str(field.label),
                    str(field.help_text),
                    field.required,
                    sorted(field.widget.attrs.items()),
                    [(str(value), str(label)) for value, label in getattr(field, "choices", [])],
                )
                for name, field in self.fields.items()
            ],
            sorted((k, repr(v)) for k, v in self.initial.items() if k not in self.personal_fields),
            sorted(self.personal_values()),
            [(i.name, str(i.value)) for i in self.helper.inputs],
            bool(self.helper.form_action),
        ]
        return "form-html:" + hashlib.sha256(repr(state).encode()).hexdigest()

    def personal_values(self) -> dict[str, str]:
        """The non-empty initial values of the personal fields, by field name."""
        if self.is_bound:
            return {}
        values = {}
        for name in self.personal_fields:
            if name in self.fields:
                value = super().get_initial_for_field(self.fields[name], name)
                if value:
                    values[name] = str(value)
        return values

    def get_initial_for_field(self, field, field_name):
        value = super().get_initial_for_field(field, field_name)
        if self._slotted and value and field_name in self.personal_fields:
            return VALUE_SLOT.format(field_name)
        return value

    @contextmanager
    def shared_rendering(self):
        """While rendering the HTML to be shared: the personal values as slots."""
        self._slotted = not self.is_bound
        self._bound_fields_cache = {}  # bound fields keep the initial value they looked up
        try:
            yield
        finally:
            self._slotted = False
            self._bound_fields_cache = {}

    def fill_slots(self, html: str) -> str:
        """The shared HTML completed with what belongs to this request only."""
        values = self.personal_values()
        if not values:
            return html
        return VALUE_SLOT_PATTERN.sub(lambda m: escape(values.get(m.group(1), "")), html)
