"""Background mail, run by the django-tasks database worker (`manage.py db_worker`).

Tasks get ids, never objects, and re-read what they need: what they send is what the database
holds when they run.
"""

from django.conf import settings
from django_tasks import task

from events.ics import build_calendar

from .emails import absolute_url, localized_url, send_templated_mail
from .models import AccessRequest, ContactPerson, ProgrammeChoice, Registration


def _registration(pk: int) -> Registration:
    return (
        Registration.objects.select_related("event", "organisation")
        .prefetch_related("event__days", "event__contacts", "programme_choices__item")
        .get(pk=pk)
    )


def _registration_context(registration: Registration) -> dict:
    return {
        "registration": registration,
        "event": registration.event,
        "choices": [c for c in registration.programme_choices.all() if c.status != "cancelled"],
        "waiting_position": registration.waiting_position(),
        "manage_url": localized_url(
            "registrations:manage", language=registration.language, token=registration.manage_token
        ),
        "event_url": absolute_url(registration.event.get_absolute_url()),
    }


def _ics(registration: Registration, method: str = "PUBLISH") -> tuple[str, bytes, str]:
    event = registration.event
    content = build_calendar(event, method=method, url=absolute_url(event.get_absolute_url()))
    return (f"{event.slug}.ics", content, f"text/calendar; method={method}; charset=utf-8")


@task()
def send_sign_in_link(person_id: int, token: str) -> None:
    person = ContactPerson.objects.get(pk=person_id)
    send_templated_mail(
        to=person.email,
        template="sign_in_link",
        context={
            "person": person,
            "link": localized_url(
                "registrations:sign_in_link", language=person.language, token=token
            ),
            "link_minutes": settings.SIGN_IN_LINK_MAX_AGE // 60,
        },
        language=person.language,
    )


@task()
def send_access_approved(request_id: int, token: str) -> None:
    req = AccessRequest.objects.select_related("contact_person").get(pk=request_id)
    send_templated_mail(
        to=req.email,
        template="access_approved",
        context={
            "request": req,
            "link": localized_url("registrations:sign_in_link", language=req.language, token=token),
            "link_minutes": settings.SIGN_IN_LINK_MAX_AGE // 60,
        },
        language=req.language,
    )


@task()
def send_access_rejected(request_id: int) -> None:
    req = AccessRequest.objects.select_related("organisation").get(pk=request_id)
    send_templated_mail(
        to=req.email, template="access_rejected", context={"request": req}, language=req.language
    )


@task()
def send_registration_confirmation(registration_id: int) -> None:
    registration = _registration(registration_id)
    send_templated_mail(
        to=registration.email,
        template="registration_confirmation",
        context=_registration_context(registration),
        language=registration.language,
        attachments=[_ics(registration)],
    )


@task()
def send_promotion(registration_id: int) -> None:
    registration = _registration(registration_id)
    send_templated_mail(
        to=registration.email,
        template="registration_promoted",
        context=_registration_context(registration),
        language=registration.language,
        attachments=[_ics(registration)],
    )


@task()
def send_item_promotion(choice_id: int) -> None:
    choice = ProgrammeChoice.objects.select_related("item").get(pk=choice_id)
    registration = _registration(choice.registration_id)
    send_templated_mail(
        to=registration.email,
        template="item_promoted",
        context={**_registration_context(registration), "item": choice.item},
        language=registration.language,
    )


@task()
def send_cancellation(registration_id: int) -> None:
    registration = _registration(registration_id)
    send_templated_mail(
        to=registration.email,
        template="registration_cancelled",
        context=_registration_context(registration),
        language=registration.language,
    )
