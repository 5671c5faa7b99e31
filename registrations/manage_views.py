"""The pages a registrant reaches through their personal link: the manage page with its forms
(programme and needs, cancelling, handing the place to a colleague, correcting their own
details and address), the calendar file, the participant list, the carry-over.

The secret link is the key, no sign-in needed; a contact person opens the same page from "My
registrations". Every answer is private and never stored. Each form posts to its own address
and, done, redirects to the manage page (Post/Redirect/Get); with errors the manage page is
shown again with that form's errors summarised at the top.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from events.ics import build_calendar
from events.ics import content_type as ics_content_type
from events.models import Event
from events.seo import absolute_url

from . import services
from .mail.render import online_access
from .manage_forms import CorrectDetailsForm, EmailChangeForm, SubstituteForm
from .manage_page import details_form, manage_page
from .models import Registration
from .pages import personal, registration_by_token
from .selectors import deadlines, directory
from .tokens import email_change_tokens, manage_tokens

# A service's refusal that concerns one field is shown at that field; the others at the top.
FIELD_OF_ERROR = {
    "invalid": "email",
    "non_ascii_mailbox": "email",
    "same_person": "email",
    "duplicate": "email",
    "refused": "email",
    "other_organisation": "email",
    "name": "last_name",
    "salutation": "salutation",
}


def _add_errors(form, exc: ValidationError) -> None:
    for error in exc.error_list:
        field = FIELD_OF_ERROR.get(error.code)
        form.add_error(field if field in form.fields else None, error.messages)


def _manage_post(request, registration, form) -> str | None:
    """Carry out what the manage page's own POST asks; the message for the registrant, or
    None when the form has errors to show."""
    if "attend" in request.POST or "withdraw" in request.POST:
        attend = "attend" in request.POST
        services.registration_reconfirm(registration=registration, attend=attend)
        if attend:
            return _("Thank you, we have noted that you will attend on the new dates.")
        return _("You have withdrawn; your registration is cancelled.")
    if "cancel" in request.POST:
        services.registration_cancel(registration=registration)
        return _("Your registration is cancelled.")
    if form.is_valid():
        services.registration_update(registration=registration, details=form.details())
        return _("Your changes are saved.")
    return None


def _asks_to_cancel(request) -> bool:
    """The first press of "cancel": the page asks once more before anything happens."""
    return request.method == "POST" and "cancel" in request.POST and "sure" not in request.POST


@personal
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request, token):
    """The personal manage page: the secret link is the key, no sign-in needed."""
    registration = registration_by_token(token)
    if request.method != "POST":
        return manage_page(request, registration, token)
    form = details_form(registration, request.POST if "save" in request.POST else None)
    if _asks_to_cancel(request) and deadlines.can_change(registration):
        return render(
            request,
            "registrations/registration_cancel_confirm.html",
            {"registration": registration, "event": registration.event},
        )
    # A refusal of "cancel" comes with an unbound form, so the page shows refusals itself.
    refusals = []
    try:
        done = _manage_post(request, registration, form)
    except ValidationError as exc:
        refusals = exc.messages
    else:
        if done:
            messages.success(request, done)
            return redirect("registrations:manage", token=token)
    return manage_page(
        request, registration, token, bound={"details_form": form}, refusals=refusals
    )


def _sent_form(request, token, key: str, form, act):
    """Validate a form the manage page sent and call `act(registration, form)` (a service);
    its message and a redirect to the manage page, or the page again with the errors."""
    registration = registration_by_token(token)
    if form.is_valid():
        try:
            done = act(registration, form)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("registrations:manage", token=token)
    return manage_page(request, registration, token, bound={key: form})


@personal
@require_POST
def manage_substitute(request, token):
    """Hand the place to a colleague of the same organisation."""

    def act(registration, form):
        new = services.registration_substitute(registration=registration, attendee=form.attendee())
        return _(
            "Your place has been handed to %(name)s, who has received the confirmation with "
            "a personal link of their own."
        ) % {"name": new.full_name}

    return _sent_form(request, token, "substitute_form", SubstituteForm(request.POST), act)


@personal
@require_POST
def manage_correct(request, token):
    """Correct one's own name, title, salutation or function."""

    def act(registration, form):
        services.registration_correct(registration=registration, **form.values())
        return _("Your details are saved.")

    return _sent_form(request, token, "correct_form", CorrectDetailsForm(request.POST), act)


@personal
@require_POST
def manage_email(request, token):
    """Ask for a new address: a link goes there; the address changes once it is followed."""

    def act(registration, form):
        email = services.registration_email_change_request(
            registration=registration, email=form.cleaned_data["email"]
        )
        return _(
            "We have sent a confirmation link to %(email)s. Your address changes once you "
            "follow it; until then, mails go to the address you registered with."
        ) % {"email": email}

    return _sent_form(request, token, "email_form", EmailChangeForm(request.POST), act)


@personal
@require_http_methods(["GET", "HEAD", "POST"])
def email_confirm(request, token):
    """The link mailed to a new address: asks for a click (a mail scanner fetching the link
    changes nothing), then takes the address and opens the manage page."""
    try:
        registration, email, _state = email_change_tokens.check_token(token)
        if request.method == "POST":
            registration = services.registration_email_change_confirm(token=token)
            messages.success(
                request,
                _("Your new e-mail address %(email)s is confirmed.") % {"email": email},
            )
            return redirect("registrations:manage", token=manage_tokens.make_token(registration))
    except ValidationError as exc:
        return render(
            request,
            "registrations/email_confirm.html",
            {"refusals": exc.messages},
            status=400,
        )
    return render(
        request,
        "registrations/email_confirm.html",
        {"registration": registration, "event": registration.event, "email": email},
    )


@personal
def manage_participants(request, token):
    """The participant list for a confirmed registrant who has no sign-in of their own, such
    as a representative: the same list, the same rule of who appears on it."""
    registration = registration_by_token(token)
    if not directory.registration_may_see_participants(registration):
        raise Http404
    event = registration.event
    return render(
        request,
        "registrations/participant_list.html",
        {
            "event": event,
            "people": directory.participant_directory(event),
            "manage_url": reverse(
                "registrations:manage", kwargs={"token": manage_tokens.make_token(registration)}
            ),
        },
    )


@personal
def manage_ics(request, token):
    registration = registration_by_token(token)
    if registration.status != Registration.Status.CONFIRMED:
        raise Http404  # a waiting place is no date to put in a calendar yet
    event = registration.event
    content = build_calendar(
        event, url=absolute_url(event.get_absolute_url()), online=online_access(registration)
    )
    response = HttpResponse(content, content_type=ics_content_type())
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


@personal
@require_http_methods(["GET", "HEAD", "POST"])
def carry_over(request, token):
    """From the invitation to a replacement event: one click carries the registration over."""
    registration = registration_by_token(token)
    replacement = Event.objects.filter(replaces_id=registration.event_id, published=True).first()
    if replacement is None:
        raise Http404
    existing = Registration.objects.filter(carried_over_from=registration).first()
    if request.method == "POST" and existing is None:
        try:
            new = services.registration_carry_over(registration=registration)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            return redirect("registrations:done", token=manage_tokens.make_token(new))
    return render(
        request,
        "registrations/registration_carry_over.html",
        {"registration": registration, "replacement": replacement, "existing": existing},
    )
