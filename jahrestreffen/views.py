"""Site-wide answers that belong to no app: robots.txt, the favicon at its well-known address,
the page for a refused form (CSRF)."""

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, HttpResponsePermanentRedirect
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET

from events.seo import absolute_url

# Pages with personal links or data, sign-in and the administration: never for search engines.
# A slug stands for any event (robots.txt's "*").
_PRIVATE = [
    ("admin:index", {}),
    ("registrations:sign_in", {}),
    ("registrations:sign_out", {}),
    ("registrations:access_request", {}),
    ("registrations:my_registrations", {}),
    ("registrations:manage", {"token": "TOKEN"}),
    ("registrations:invitation", {"token": "TOKEN"}),
    ("registrations:register", {"slug": "SLUG"}),
    ("registrations:resend", {"slug": "SLUG"}),
    ("registrations:participant_list", {"slug": "SLUG"}),
    ("registrations:certificate_check", {}),
]


def _private_prefixes() -> list[str]:
    prefixes = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for name, kwargs in _PRIVATE:
                path = reverse(name, kwargs=kwargs).replace("SLUG", "*")
                # A manage link: everything under /anmeldung/.
                path = path.split("TOKEN", 1)[0]
                if path not in prefixes:
                    prefixes.append(path)
    return prefixes


@require_GET
def robots_txt(request):
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {prefix}" for prefix in _private_prefixes()]
    lines += ["", f"Sitemap: {absolute_url(reverse('sitemap'))}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_GET
def favicon(request):
    # The hashed static name is looked up per request: at import time there may be no
    # manifest yet (collectstatic itself imports the URLconf).
    return HttpResponsePermanentRedirect(static("favicon.ico"))


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: say in plain words why the form was refused and what to do."""
    template = loader.get_template("403_csrf.html")
    return HttpResponseForbidden(template.render({"reason": reason}, request))
