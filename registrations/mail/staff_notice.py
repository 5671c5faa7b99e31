"""What a staff notice lists, read when it is sent: the items as they are now."""

from django.urls import reverse

from ..models import AccessRequest, Registration


def staff_notice_context(payload: dict, *, absolute_url) -> dict:
    requests = list(
        AccessRequest.objects.filter(pk__in=payload.get("access_requests", []))
        .select_related("organisation", "event")
        .order_by("created_at", "pk")
    )
    registrations = list(
        Registration.objects.filter(pk__in=payload.get("registrations", []))
        .select_related("organisation", "event")
        .order_by("event_id", "pk")
    )
    return {
        "item_count": len(requests) + len(registrations),
        "access_requests": [
            (r, absolute_url(reverse("admin:registrations_accessrequest_change", args=[r.pk])))
            for r in requests
        ],
        "registrant_messages": [
            (r, absolute_url(reverse("admin:registrations_registration_change", args=[r.pk])))
            for r in registrations
        ],
    }
