"""Certificates of attendance: the download from the manage page and the public check of a
verification code, which confirms name, event and days and nothing else."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from jahrestreffen.proxies import client_address, rate_limit_identity

from . import services
from .certificate_forms import CertificateCheckForm
from .mail.certificate import certificate_days, certificate_filename, certificate_pdf
from .pages import personal, registration_by_token
from .selectors import certificates


@personal
@require_safe
def certificate_download(request, token):
    registration = registration_by_token(token)
    try:
        certificate = services.certificate_issue(registration=registration)
    except ValidationError as exc:
        raise Http404 from exc
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    filename = certificate_filename(certificate)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@personal
@require_http_methods(["GET", "HEAD", "POST"])
def certificate_check(request):
    """POST only, so codes stay out of addresses, logs and referrers. Counted per client:
    over the limit nothing is looked up. An unknown code and a malformed one get the same
    answer, so the page tells nothing about which codes exist."""
    form = CertificateCheckForm(request.POST or None)
    context = {"form": form, "checked": False}
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.rate_limit_client(
                scope="certificate", client_ip=rate_limit_identity(client_address(request))
            )
        except services.RateLimited as exc:
            form.add_error(None, exc.messages)
            status = 429
        else:
            certificate = certificates.certificate_for_code(form.cleaned_data["code"])
            context["checked"] = True
            if certificate is not None:
                context["result"] = {
                    "name": certificate.name,
                    "event": certificate.registration.event.title,
                    "days": certificate_days(certificate),
                }
    return render(request, "registrations/certificate_check.html", context, status=status)
