"""Response headers Django 5.2 does not set itself: Content-Security-Policy, Permissions-Policy.

The policy comes from `SECURE_CSP`, a dict of directive → sources in the shape Django 6.0 reads
for its own CSP middleware, so the upgrade can swap this class for Django's. A view that sets
either header itself keeps its own.
"""

from django.conf import settings


def policy_header(directives: dict[str, list[str] | tuple[str, ...]]) -> str:
    return "; ".join(
        " ".join([name, *sources]) if sources else name for name, sources in directives.items()
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        csp = getattr(settings, "SECURE_CSP", None)
        if csp and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy_header(csp)
        permissions = getattr(settings, "PERMISSIONS_POLICY", None)
        if permissions and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = ", ".join(
                f"{feature}=({' '.join(allow)})" for feature, allow in permissions.items()
            )
        return response
