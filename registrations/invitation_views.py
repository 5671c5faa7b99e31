"""The personal invitation link: register already signed in, or decline with one click.

Both pages ask for a click (GET shows a button, only POST acts), so a mail scanner that
opens links uses nothing up and declines nothing."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import services
from .access_forms import InvitationDeclineForm
from .middleware import sign_in
from .pages import page_language, personal
from .tokens import InvitationLinkError, invitation_tokens


def _failed(request, exc: ValidationError):
    return render(
        request, "registrations/invitation_failed.html", {"error": exc.messages[0]}, status=400
    )


@personal
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """GET: whom the link signs in, with a button; POST: signed in, on to the form."""
    try:
        invitation = invitation_tokens.check_token(token)
        if request.method == "POST":
            person = services.invitation_token_use(token=token, language=page_language())
            sign_in(request, person)
            messages.success(request, _("You are signed in."))
            return redirect("registrations:register", slug=invitation.event.slug)
    except InvitationLinkError as exc:
        return _failed(request, exc)
    return render(
        request,
        "registrations/invitation_confirm.html",
        {"invitation": invitation, "event": invitation.event, "token": token},
    )


@personal
@require_http_methods(["GET", "POST"])
def invitation_decline(request, token):
    try:
        invitation = invitation_tokens.check_token(token)
    except InvitationLinkError as exc:
        return _failed(request, exc)
    form = InvitationDeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_decline(token=token, **form.cleaned_data)
        except InvitationLinkError as exc:
            return _failed(request, exc)
        return render(
            request,
            "registrations/invitation_declined.html",
            {"invitation": invitation, "event": invitation.event, "token": token},
        )
    return render(
        request,
        "registrations/invitation_decline.html",
        {"invitation": invitation, "event": invitation.event, "form": form},
        status=400 if form.errors else 200,
    )
