"""Read an HTML form back as the browser would submit it (for the admin's change form)."""

from collections import defaultdict
from html.parser import HTMLParser

TEXT_INPUTS = {"text", "hidden", "number", "email", "url", "date", "time", "password", "tel"}


class FormValues(HTMLParser):
    """The successful controls of the form with id `form_id`: name -> list of values."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, list[str]] = defaultdict(list)
        self._select: tuple[str, bool] | None = None
        self._first_option: str | None = None
        self._selected = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in TEXT_INPUTS:
                self.values[name].append(a.get("value") or "")
            elif kind in ("checkbox", "radio") and "checked" in a:
                self.values[name].append(a.get("value") or "on")
        elif tag == "select" and name:
            self._select, self._first_option, self._selected = (name, "multiple" in a), None, False
        elif tag == "option" and self._select:
            value = a.get("value") or ""
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self.values[self._select[0]].append(value)
                self._selected = True
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name].append("")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][-1] += data.removeprefix("\n")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            name, multiple = self._select
            if not self._selected and not multiple and self._first_option is not None:
                self.values[name].append(self._first_option)
            self._select = None


def form_values(html: str, form_id: str) -> dict[str, list[str]]:
    parser = FormValues(form_id)
    parser.feed(html)
    return dict(parser.values)
