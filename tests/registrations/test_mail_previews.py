"""Staff mail previews show what a registrant typed as text: markup in a name cannot add a
field to the confirmation form, close the preview, or run a script, and the form sends back
exactly what staff typed."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from tests.factories import ContactPersonFactory, EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

MARKUP = '</pre><form action="/evil"><input name=confirm value=yes><script>alert(1)</script>'
STAFF_MARKUP = "Bitte <b>beachten</b> & </textarea><input name=x value=1>"
PREVIEW_TAGS = {"section", "h2", "p", "strong", "pre"}


class Page(HTMLParser):
    """Where the preview sits, which tags it holds, and which fields each form sends."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.in_form = False
        self.preview_depth = 0
        self.preview_in_form = None
        self.preview_tags: list[str] = []
        self.preview_text = ""
        self.textarea = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.preview_depth:
            self.preview_tags.append(tag)
            self.preview_depth += tag not in {"input", "br"}
        elif attrs.get("id") == "mail-preview":
            self.preview_depth, self.preview_in_form = 1, self.in_form
            self.preview_tags.append(tag)
        if tag == "form":
            self.in_form = True
            self.forms.append({"action": attrs.get("action"), "fields": []})
        elif self.in_form and tag in {"input", "select"} and attrs.get("name"):
            if attrs.get("type") not in {"submit", "checkbox"} or "checked" in attrs:
                self.forms[-1]["fields"].append((attrs["name"], attrs.get("value") or ""))
        elif self.in_form and tag == "textarea":
            self.textarea = attrs["name"]
            self.forms[-1]["fields"].append((attrs["name"], ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        if tag == "textarea":
            self.textarea = None
        if self.preview_depth and tag not in {"input", "br"}:
            self.preview_depth -= 1

    def handle_data(self, data):
        if self.preview_depth:
            self.preview_text += data
        if self.textarea:
            name, value = self.forms[-1]["fields"][-1]
            self.forms[-1]["fields"][-1] = (name, value + data)

    def confirmation_fields(self) -> dict:
        """The fields of the form that carries the confirmation (the other form on an admin
        page is the logout button's)."""
        [form] = [f for f in self.forms if ("confirm", "yes") in f["fields"]]
        fields = [(n, v) for n, v in form["fields"] if n != "csrfmiddlewaretoken"]
        assert len(fields) == len(dict(fields)), f"a field appears twice: {fields}"
        return dict(fields)


@pytest.fixture
def event(db):
    event = EventFactory(title="Jahrestreffen Münster", capacity=10)
    person = ContactPersonFactory(salutation="frau")
    RegistrationFactory(
        event=event,
        registered_by=person,
        salutation="frau",
        first_name="<b>Vera</b>",
        last_name=MARKUP,
        function="<script>alert(2)</script>",
    )
    return event


def url(name, event):
    return reverse(f"admin:events_event_{name}", args=[event.pk])


def days(*offsets) -> dict:
    data = {
        "days-TOTAL_FORMS": str(len(offsets)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "1",
        "days-MAX_NUM_FORMS": "10",
    }
    for i, offset in enumerate(offsets):
        day = timezone.localdate() + timedelta(days=offset)
        data |= {
            f"days-{i}-date": day.isoformat(),
            f"days-{i}-start_time": "09:00",
            f"days-{i}-end_time": "17:00",
        }
    return data


STEPS = {
    "message": (
        None,
        {"group": "confirmed", "subject": "Hinweis <i>", "body": f"{STAFF_MARKUP} {{last_name}}"},
    ),
    "postpone": (None, {"n-notice": STAFF_MARKUP}),
    "reschedule": (None, {"n-notice": STAFF_MARKUP, **days(90, 91)}),
    "cancel": (None, {"n-notice": STAFF_MARKUP}),
    "replacement": (
        Event.Status.POSTPONED,
        {
            "n-title": "Ersatz <i>",
            "n-notice": STAFF_MARKUP,
            "n-publish": "on",
            "i-invite": "on",
            **days(150),
        },
    ),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_the_preview_shows_a_registrants_markup_as_text_outside_the_form(staff_client, event, step):
    status, data = STEPS[step]
    if status:
        Event.objects.filter(pk=event.pk).update(status=status)

    response = staff_client.post(url(step, event), data)

    assert response.context["confirming"], response.context.get("forms")
    assert MARKUP in response.context["preview"].text  # the mail says what was typed …
    page = Page(response.content.decode())
    assert page.preview_in_form is False  # … the preview sits before the form, not in it,
    assert set(page.preview_tags) <= PREVIEW_TAGS  # … adds no element of its own,
    assert MARKUP in page.preview_text  # … and shows the markup as text.
    assert not [f for f in page.forms if f["action"] == "/evil"]
    sent_back = page.confirmation_fields()
    typed = {name: ("True" if value == "on" else value) for name, value in data.items()}
    assert {name: sent_back[name] for name in typed} == typed
    untyped = {name: value for name, value in sent_back.items() if name not in typed}
    assert untyped.pop("confirm") == "yes"
    assert set(untyped.values()) <= {"", "False"}, untyped  # empty fields and unticked boxes
    assert "x" not in sent_back
