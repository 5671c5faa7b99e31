"""Invitations: who is invited, the personal link, declining, reminders, lifecycle news, the
overview and its export; through the services, the personal link and the admin (HTTP)."""

import io
import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from events.services import DaySpec
from registrations import services
from registrations.mail.render import render
from registrations.middleware import SESSION_KEY
from registrations.models import ContactPerson, Invitation, MemberOrganisation, OutboxMessage
from registrations.selectors.invitations import InvitationFilter
from registrations.selectors.privacy import person_data_export
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    MemberOrganisationFactory,
    OrganiserContactFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db
K = OutboxMessage.Kind


@pytest.fixture
def event():
    event = EventFactory(title="Jahrestreffen 2031", lead_theme="Klimaanpassung")
    OrganiserContactFactory(event=event, email="jahrestreffen@difu.example.org")
    return event


def _mails(kind=K.INVITATION):
    return list(OutboxMessage.objects.filter(kind=kind).order_by("pk"))


def _tokens(message):
    _subject, text, _html, _att = render(message)
    token = re.search(r"/einladung/([^/\s]+)/\n", text).group(1)
    return token, text


def _invite_one(event, **person):
    person = ContactPersonFactory(**person)
    services.invitations_send(event=event)
    message = OutboxMessage.objects.get(kind=K.INVITATION, contact_person=person)
    return person, _tokens(message)[0]


# --- who is invited -------------------------------------------------------------------------


def test_only_active_contact_persons_of_current_members_are_invited_once(event):
    invited = ContactPersonFactory()
    ContactPersonFactory(is_active=False)
    former = MemberOrganisationFactory(member_since=date(2000, 1, 1), member_until=date(2020, 1, 1))
    ContactPersonFactory(organisation=former)
    assert services.invitations_send(event=event) == 1
    assert services.invitations_send(event=event) == 0  # inviting twice mails nobody twice
    assert [m.recipient for m in _mails()] == [invited.email]
    assert Invitation.objects.get().status == Invitation.Status.INVITED


def test_filters_choose_kind_state_and_role(event):
    district = MemberOrganisationFactory(kind=MemberOrganisation.Kind.DISTRICT, federal_state="BY")
    deputy = ContactPersonFactory(organisation=district, role=ContactPerson.Role.DEPUTY)
    ContactPersonFactory(organisation=district)
    ContactPersonFactory()  # a city in Saxony
    chosen = InvitationFilter(kinds=["district"], states=["BY"], roles=["deputy"])
    assert services.invitations_send(event=event, chosen=chosen) == 1
    assert _mails()[0].contact_person == deputy
    assert services.invitations_send(event=event) == 2  # "all": the rest, not the deputy again


def test_someone_already_registered_is_recorded_as_registered_without_a_mail(event):
    registration = RegistrationFactory(event=event)
    assert services.invitations_send(event=event) == 0
    invitation = Invitation.objects.get(contact_person=registration.registered_by)
    assert invitation.status == Invitation.Status.REGISTERED


def test_a_cancelled_or_closed_event_cannot_be_invited_to(event):
    ContactPersonFactory()
    event.registration_closes_at = timezone.now() - timedelta(minutes=1)
    event.registration_opens_at = timezone.now() - timedelta(days=2)
    event.save()
    with pytest.raises(ValidationError):
        services.invitations_send(event=event)
    assert not Invitation.objects.exists()


# --- the mail -------------------------------------------------------------------------------


def test_the_invitation_mail_in_the_persons_language_says_why_and_has_no_tracking(event):
    person, token = _invite_one(event, language="en", role=ContactPerson.Role.DEPUTY)
    subject, text, html, attachments = render(_mails()[0])
    assert subject == "Invitation: Jahrestreffen 2031"
    assert "Klimaanpassung" in text
    assert event.sorted_days[0].date.strftime("%Y") in text
    assert f"deputy Difu contact person of {person.organisation.name}" in text
    assert "jahrestreffen@difu.example.org" in text
    assert "/en/" in text and "/absagen/" in text
    assert "<img" not in html  # no tracking pixel; links go straight to the site
    assert re.findall(r'href="([^"]+)"', html) == re.findall(r"https?://\S+", text)
    de_person, _token = _invite_one(event, language="de")
    german = OutboxMessage.objects.get(contact_person=de_person)
    assert render(german)[0] == "Einladung: Jahrestreffen 2031"


# --- the personal link ----------------------------------------------------------------------


def test_the_link_asks_for_a_click_then_signs_in_and_opens_the_form(client, event):
    person, token = _invite_one(event)
    url = reverse("registrations:invitation", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and SESSION_KEY not in client.session
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("registrations:register", args=[event.slug])
    assert client.session[SESSION_KEY]["id"] == person.pk
    form = client.get(response["Location"])
    assert form.status_code == 200 and person.email in form.content.decode()


def test_registering_uses_the_link_up_and_answers_the_invitation(client, event):
    person, token = _invite_one(event)
    client.post(reverse("registrations:invitation", args=[token]))
    services.registration_create(
        event=event,
        registered_by=person,
        attendee=None,
        details=services.Details(),
        privacy_acknowledged=True,
        language="de",
    )
    assert Invitation.objects.get().status == Invitation.Status.REGISTERED
    again = client.get(reverse("registrations:invitation", args=[token]))
    assert again.status_code == 400


@pytest.mark.parametrize("change", ["left", "inactive", "signed_out", "closed", "forged"])
def test_the_link_refuses_who_left_or_a_void_link(client, event, change):
    person, token = _invite_one(event)
    if change == "left":
        MemberOrganisation.objects.filter(pk=person.organisation_id).update(
            member_until=timezone.localdate() - timedelta(days=1)
        )
    elif change == "inactive":
        ContactPerson.objects.filter(pk=person.pk).update(is_active=False)
    elif change == "signed_out":
        services.sign_out_everywhere(person=person)
    elif change == "closed":
        event.registration_closes_at = timezone.now() - timedelta(seconds=1)
        event.save()
    else:
        token = token[:-2] + "xx"
    response = client.post(reverse("registrations:invitation", args=[token]))
    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_decline_with_a_colleague_mails_nobody_and_a_later_registration_counts(client, event):
    person, token = _invite_one(event)
    url = reverse("registrations:invitation_decline", args=[token])
    assert client.get(url).status_code == 200
    assert Invitation.objects.get().status == Invitation.Status.INVITED  # a GET declines nothing
    before = OutboxMessage.objects.count()
    response = client.post(
        url,
        {
            "colleague_name": "Ben Kollege",
            "colleague_email": "Ben.Kollege@Stadt.example.org",
            "colleague_note": "Leitet das Amt ab März.",
        },
    )
    assert response.status_code == 200
    invitation = Invitation.objects.get()
    assert invitation.status == Invitation.Status.DECLINED
    assert invitation.colleague_email == "ben.kollege@stadt.example.org"
    assert OutboxMessage.objects.count() == before  # nobody at an address not in the directory
    # still welcome while registration is open
    client.post(reverse("registrations:invitation", args=[token]))
    response = client.post(
        reverse("registrations:register", args=[event.slug]),
        {"who": "self", "diet": "none", "visibility": "nobody", "privacy": "on"},
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REGISTERED


# --- reminders ------------------------------------------------------------------------------


def test_reminder_goes_once_to_those_without_an_answer(event):
    quiet = ContactPersonFactory()
    declining = ContactPersonFactory()
    registering = ContactPersonFactory()
    services.invitations_send(event=event)
    Invitation.objects.filter(contact_person=declining).update(
        status=Invitation.Status.DECLINED, declined_at=timezone.now()
    )
    RegistrationFactory(event=event, registered_by=registering)
    services.invitation_mark_registered(event=event, person=registering)
    assert services.invitation_reminders_send(event=event) == 1
    assert [m.contact_person for m in _mails(K.INVITATION_REMINDER)] == [quiet]
    assert services.invitation_reminders_send(event=event) == 0


def test_the_scheduled_reminder_runs_within_its_period_before_registration_closes(event):
    ContactPersonFactory()
    services.invitations_send(event=event)
    services.invitation_schedule_set(event=event, reminder_days_before_close=7)
    call_command("send_invitation_reminders", stdout=io.StringIO())
    assert _mails(K.INVITATION_REMINDER) == []  # closes in 30 days
    later = event.registration_closes_at - timedelta(days=6)
    assert services.invitation_reminders_due(now=later) == 1
    assert services.invitation_reminders_due(now=later) == 0


# --- lifecycle news -------------------------------------------------------------------------


def test_postponement_reaches_the_invited_who_have_not_answered(event):
    quiet = ContactPersonFactory(language="en")
    declined = ContactPersonFactory()
    RegistrationFactory(event=event)
    services.invitations_send(event=event)
    Invitation.objects.filter(contact_person=declined).update(
        status=Invitation.Status.DECLINED, declined_at=timezone.now()
    )
    preview = services.mails_preview(
        lambda: services.event_postpone_notify(event=event, notice="Später.")
    )
    assert (preview.recipient_count, preview.invited) == (1, 1)
    services.event_postpone_notify(event=event, notice="Später.")
    (mail,) = _mails(K.INVITATION_CHANGED)
    assert mail.contact_person == quiet
    subject, text, _html, _att = render(mail)
    assert subject == "Postponed: Jahrestreffen 2031"
    assert "You were invited to “Jahrestreffen 2031”" in text


def test_new_dates_reach_the_invited_with_their_link(event):
    ContactPersonFactory()
    services.invitations_send(event=event)
    first = timezone.localdate() + timedelta(days=90)
    services.event_reschedule_notify(
        event=event, new_days=[DaySpec(first)], notice="", answer_deadline=None
    )
    (mail,) = _mails(K.INVITATION_CHANGED)
    subject, text, _html, _att = render(mail)
    assert subject.startswith("Neue Termine") and "/einladung/" in text


def test_erasing_a_person_erases_their_invitation_and_the_colleague_they_named(event, client):
    person, token = _invite_one(event)
    client.post(
        reverse("registrations:invitation_decline", args=[token]),
        {"colleague_name": "Ben Kollege", "colleague_email": "ben@stadt.example.org"},
    )
    data = person_data_export(person=person)
    assert data["invitations"][0]["colleague_name"] == "Ben Kollege"
    log = services.person_erase(person=person, user=None)
    assert log.counts["invitations"] == 1
    assert not Invitation.objects.exists()
