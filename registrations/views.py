from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from events.cache import cached_static_answer, personal_page
from events.models import Event
from events.selectors import published_event
from jahrestreffen.proxies import client_address, rate_limit_identity

from . import page_parts, services
from .access_forms import AccessRequestForm
from .forms import (
    ResendManageLinkForm,
    SignInForm,
)
from .middleware import sign_in, sign_out
from .pages import page_language, personal, registration_by_token
from .selectors import directory, page_places
from .tokens import SignInLinkError, manage_tokens, sign_in_tokens


def client_ip(request) -> str:
    """Whom the rate limits count: the client's address behind TRUSTED_PROXY_COUNT proxies,
    an IPv6 client by its /64 network."""
    return rate_limit_identity(client_address(request))


# A service's refusal that concerns one field is shown at that field.
FIELD_OF_ERROR = {"representative_domain": "rep_email", "participation": "participation"}


def _add_errors(form, exc: ValidationError) -> None:
    for error in exc.error_list:
        field = FIELD_OF_ERROR.get(error.code)
        form.add_error(field if field in form.fields else None, error.messages)


NEXT_SESSION_KEY = "sign_in_next"


def _safe_next(request, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_request(request):
    """Ask for an e-mail address; where the person came from is kept for after sign-in."""
    next_url = _safe_next(request, request.GET.get("next"))
    if next_url:
        request.session[NEXT_SESSION_KEY] = next_url
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_in_request(
                email=form.cleaned_data["email"],
                client_ip=client_ip(request),
                language=page_language(),
            )
        except services.RateLimited as exc:
            _add_errors(form, exc)
            return render(request, "registrations/sign_in_request.html", {"form": form}, status=429)
        # The same words for every address (the answer must not tell whether it is listed),
        # so the page is shared between requests without a session.
        return cached_static_answer(
            request,
            f"sign-in-sent:{request.path}",
            lambda: render(request, "registrations/sign_in_sent.html"),
        )
    return render(request, "registrations/sign_in_request.html", {"form": form})


@personal
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_link(request, token):
    """GET asks for a click (mail scanners that prefetch links use nothing up); POST signs in."""
    try:
        person = sign_in_tokens.check_token(token)
        if request.method == "POST":
            person = services.sign_in_token_use(token=token, language=page_language())
            next_url = _safe_next(request, request.session.get(NEXT_SESSION_KEY))
            sign_in(request, person)
            messages.success(request, _("You are signed in."))
            return redirect(next_url or reverse("registrations:my_registrations"))
    except SignInLinkError as exc:
        return render(
            request, "registrations/sign_in_failed.html", {"error": exc.messages[0]}, status=400
        )
    return render(request, "registrations/sign_in_confirm.html", {"person": person})


@require_http_methods(["GET", "HEAD", "POST"])
def sign_out_view(request):
    """GET (a bookmarked or typed address) asks with a button; only POST signs out, so that
    no link or prefetch can end a session."""
    if request.method == "GET":
        return render(request, "registrations/sign_out.html")
    person = request.contact_person
    if person and request.POST.get("everywhere"):
        services.sign_out_everywhere(person=person)
    sign_out(request)
    messages.info(request, _("You are signed out."))
    return redirect("events:list")


def _event_asked_about(request) -> Event | None:
    """The event whose page sent the visitor to sign in (kept in the session), if any."""
    next_url = request.session.get(NEXT_SESSION_KEY) or ""
    try:
        match = resolve(urlsplit(next_url).path)
    except Resolver404:
        return None
    slug = match.kwargs.get("slug")
    return Event.objects.filter(slug=slug).first() if slug else None


@require_http_methods(["GET", "HEAD", "POST"])
def access_request(request):
    form = AccessRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.access_request_create(
                salutation=data["salutation"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                organisation=data["organisation"],
                function=data["function"],
                message=data["message"],
                language=page_language(),
                client_ip=client_ip(request),
                event=_event_asked_about(request),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return render(request, "registrations/access_request_sent.html")
    return render(request, "registrations/access_request_form.html", {"form": form})


def _require_person(request):
    person = request.contact_person
    if not person:
        messages.info(request, _("Please sign in first."))
        return None
    return person


def _open_event(slug) -> Event:
    event = published_event(slug=slug)
    if event is None:
        raise Http404
    return event


@personal
@require_http_methods(["GET", "HEAD", "POST"])
def register(request, slug):
    event = _open_event(slug)
    person = _require_person(request)
    if person is None:
        return redirect(f"{reverse('registrations:sign_in')}?next={request.path}")
    if request.method != "POST":
        return _form_page(request, event, person)
    form = page_parts.form_for(event, person, request.POST or None)
    if form.is_valid():
        try:
            registration = services.registration_create(
                event=event,
                registered_by=person,
                attendee=form.attendee(),
                details=form.details(),
                privacy_acknowledged=form.cleaned_data["privacy"],
                language=page_language(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            page_places.recount(event)
        else:
            return redirect("registrations:done", token=manage_tokens.make_token(registration))
    return _render_form(request, event, person, form)


def _form_page(request, event, person):
    """The empty form: the page from the shared skeleton and its personal parts
    (events/cache.py), the form with the state above it shared by everyone with the same
    state and allowance (`page_parts.registration_form`)."""
    # Only for showing the form: the service decides capacity again under the lock.
    state = page_places.page_registration_state(event, person.organisation)
    return personal_page(
        request,
        f"registration-form:{request.get_host()}{request.path}",
        lambda: _render_form(request, event, person),
        personal=lambda: {
            "nav": page_parts.navigation(request, get_token(request)),
            "registration-form": page_parts.registration_form(request, event, person, state),
        },
    )


def _render_form(request, event, person, form=None):
    if form is None:
        form = page_parts.form_for(event, person)
    return render(
        request,
        "registrations/registration_form.html",
        {
            "event": event,
            "form": form,
            "state": page_places.page_registration_state(event, person.organisation),
            "person": person,
        },
        status=400 if form.errors else 200,
    )


@personal
def registration_done(request, token):
    registration = registration_by_token(token)
    return render(
        request,
        "registrations/registration_done.html",
        {"registration": registration, "event": registration.event},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def resend_manage_link(request, slug):
    """Lost the personal link? It is mailed again; the answer never says whether the address
    is registered."""
    event = _open_event(slug)
    form = ResendManageLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.manage_link_resend(
                email=form.cleaned_data["email"], event=event, client_ip=client_ip(request)
            )
        except services.RateLimited as exc:
            _add_errors(form, exc)
            return render(
                request,
                "registrations/resend_link.html",
                {"event": event, "form": form},
                status=429,
            )
        return render(request, "registrations/resend_link.html", {"event": event, "sent": True})
    return render(request, "registrations/resend_link.html", {"event": event, "form": form})


@personal
def participant_list(request, slug):
    """The event's participants for the networking the event exists for: only people who
    chose to be seen, and only for those confirmed for the event themselves."""
    event = _open_event(slug)
    person = request.contact_person
    if not person:
        messages.info(request, _("Please sign in to see who takes part."))
        return redirect(f"{reverse('registrations:sign_in')}?next={request.path}")
    if not directory.can_see_participants(event, person):
        return render(
            request,
            "registrations/participant_list.html",
            {"event": event, "refused": True},
            status=403,
        )
    return render(
        request,
        "registrations/participant_list.html",
        {"event": event, "people": directory.participant_directory(event)},
    )
