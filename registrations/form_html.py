"""A form's HTML shared between requests (`{% form_html %}`): what it depends on, and the
person's own values, which never go into the shared copy but into slots filled per request.

crispy-forms renders each field through several nested templates, which costs more than the
rest of a page; an unbound form looks the same for everyone who sees the same fields,
choices, ticks and buttons. Its text fields may hold someone's own words (a name, a note on
their needs), and some of its choices someone's own answers (their diet, who may see their
name): in the shared HTML those are slots (`personal-value-slot-NAME-`, which escaping leaves
as it is). A text field's slot stands for its whole value — an input's `value` attribute, a
text area's content — since an empty field renders without a value at all; each option of a
personal choice has a slot where ` selected` or ` checked` goes. So neither a person's values
nor whether they gave one is part of the key. `fill_slots` puts the escaped values in, in one
pass, so a value that looks like a slot is never filled in again.
"""

import hashlib
import re

from django import forms
from django.forms.widgets import Input
from django.utils.html import escape
from django.utils.translation import get_language

VALUE_SLOT = "personal-value-slot-{}-"
VALUE_SLOT_PATTERN = re.compile(r"personal-value-slot-(\w+?)-")


def choice_slot(name: str, value) -> str:
    """The name of the slot of one option of a personal choice (a value may hold any
    character, a slot's name only word characters)."""
    return f"{name}_{str(value).encode().hex()}"


def _initial(initial: dict, name: str, field):
    """The value a form starts with, as `Form.get_initial_for_field` finds it."""
    value = initial.get(name, field.initial)
    return value() if callable(value) else value


def _option_values(widget) -> list[str]:
    values = []
    for value, label in widget.choices:
        if isinstance(label, (list, tuple)):
            raise TypeError("A personal choice with groups of options has no slots.")
        values.append("" if value is None else value)
    return values


class SharedHTMLMixin:
    """For `forms.Form`: the parts of a form `{% form_html %}` needs to share its HTML."""

    # Fields whose initial value is the person's own text: slots in the shared HTML.
    personal_fields: tuple[str, ...] = ()
    # Choice fields whose initial value is the person's own answer: a slot per option.
    personal_choice_fields: tuple[str, ...] = ()
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
        personal = (*self.personal_fields, *self.personal_choice_fields)
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
            sorted((k, repr(v)) for k, v in self.initial.items() if k not in personal),
            [(i.name, str(i.value)) for i in self.helper.inputs],
            bool(self.helper.form_action),
        ]
        return "form-html:" + hashlib.sha256(repr(state).encode()).hexdigest()

    @classmethod
    def slot_values(cls, initial: dict, *, fields=None, options=None) -> dict[str, str]:
        """What fills the slots of the shared HTML (`render_shared`) for a form that starts
        with `initial`, escaped as the templates escape it: each personal text (an input's
        whole `value` attribute, none for an empty one; a text area's content), and for each
        option of a personal choice ` selected`/` checked` where the form marks it, nothing
        elsewhere. `fields`: the form's own (the class's otherwise); `options`: the values of
        a choice only a form knows (by field name)."""
        fields = cls.base_fields if fields is None else fields
        options = options or {}
        values = {}
        for name in cls.personal_fields:
            if name not in fields:
                continue
            field = fields[name]
            value = field.widget.format_value(field.prepare_value(_initial(initial, name, field)))
            if isinstance(field.widget, forms.Textarea):
                values[name] = escape(value) if value else ""
            elif isinstance(field.widget, Input):
                values[name] = "" if value is None else f' value="{escape(value)}"'
            else:
                raise TypeError(f"No slot for the widget of {name}.")
        for name in cls.personal_choice_fields:
            if name not in fields:
                continue
            field, widget = fields[name], fields[name].widget
            chosen = widget.format_value(field.prepare_value(_initial(initial, name, field)))
            mark = "".join(f" {attribute}" for attribute in widget.checked_attribute)
            marked = False  # a single choice marks the first option with its value only
            for value in options[name] if name in options else _option_values(widget):
                selected = (not marked or widget.allow_multiple_selected) and str(value) in chosen
                marked |= selected
                values[choice_slot(name, value)] = mark if selected else ""
        return values

    def personal_values(self) -> dict[str, str]:
        """This form's `slot_values`, from its own fields and initial values."""
        if self.is_bound:
            return {}
        names = (*self.personal_fields, *self.personal_choice_fields)
        initial = {
            name: self.get_initial_for_field(self.fields[name], name)
            for name in names
            if name in self.fields
        }
        return self.slot_values(initial, fields=self.fields)

    def get_initial_for_field(self, field, field_name):
        if self._slotted and field_name in self.personal_fields:
            return VALUE_SLOT.format(field_name)
        if self._slotted and field_name in self.personal_choice_fields:
            return None  # nothing of the person's: the options carry slots instead
        return super().get_initial_for_field(field, field_name)

    def render_shared(self, render) -> str:
        """`render()` as the HTML to be shared: the personal values as slots. A bound form
        shows what was sent: rendered as it is."""
        if self.is_bound:
            return render()
        self._slotted = True
        self._bound_fields_cache = {}  # bound fields keep the initial value they looked up
        widgets = {
            name: self.fields[name].widget
            for name in self.personal_choice_fields
            if name in self.fields
        }
        for name, widget in widgets.items():
            widget.create_option = _slotted_options(widget, name)
        try:
            html = render()
        finally:
            self._slotted = False
            self._bound_fields_cache = {}
            for widget in widgets.values():
                del widget.create_option
        return self._attribute_slots(html, widgets)

    def _attribute_slots(self, html: str, choice_widgets: dict) -> str:
        """A slot that stands for an attribute takes the space before it along: an input's
        ` value="…"`, an option's ` selected`."""
        cuts = []
        for name in self.personal_fields:
            if name in self.fields and not isinstance(self.fields[name].widget, forms.Textarea):
                cuts.append((f' value="{VALUE_SLOT.format(name)}"', VALUE_SLOT.format(name)))
        for name, widget in choice_widgets.items():
            for value in _option_values(widget):
                slot = VALUE_SLOT.format(choice_slot(name, value))
                cuts.append((f" {slot}", slot))
        for rendered, slot in cuts:
            if html.count(rendered) != 1 or html.count(slot) != 1:
                raise ValueError(f"The shared HTML has no single place for {slot}.")
            html = html.replace(rendered, slot)
        return html

    def fill_slots(self, html: str) -> str:
        """The shared HTML completed with what belongs to this request only."""
        values = self.personal_values()
        if values:  # none for a bound form or one with nothing personal: no slots
            html = VALUE_SLOT_PATTERN.sub(lambda m: values.get(m.group(1), ""), html)
        return self.complete_html(html)

    def complete_html(self, html: str) -> str:
        """The form's HTML, shared or not, with what the form adds itself (nothing here)."""
        return html


def _slotted_options(widget, name: str):
    """`widget.create_option` marking no option, with a slot at the end of each option's
    attributes, where ` selected`/` checked` goes (`ChoiceWidget.create_option` adds it last)."""
    create_option = type(widget).create_option

    def create(option_name, value, label, selected, index, subindex=None, attrs=None):
        option = create_option(widget, option_name, value, label, False, index, subindex, attrs)
        option["attrs"][VALUE_SLOT.format(choice_slot(name, value))] = True
        return option

    return create
