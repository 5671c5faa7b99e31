import json

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import _json_script_escapes
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def jsonld(value) -> str:
    """Render a dict as a JSON-LD script block, escaped like Django's json_script."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True).translate(_json_script_escapes)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


@register.inclusion_tag("events/includes/status_badge.html")
def status_badge(event):
    return {"event": event}


@register.filter
def day_span(days) -> str:
    """Days as prose: "17. und 18. September 2020" / "17 and 18 September 2020"."""
    dates = sorted({getattr(d, "date", d) for d in days})
    if not dates:
        return ""
    conjunction = _("and")
    if len({(d.year, d.month) for d in dates}) == 1:
        numbers = [date_format(d, pgettext("day of month", "j")) for d in dates]
        head = ", ".join(numbers[:-1])
        joined = f"{head} {conjunction} {numbers[-1]}" if head else numbers[-1]
        return f"{joined} {date_format(dates[0], 'F Y')}"
    longs = [date_format(d, pgettext("day with month and year", "j F Y")) for d in dates]
    head = ", ".join(longs[:-1])
    return f"{head} {conjunction} {longs[-1]}"


@register.filter
def html_datetime(value) -> str:
    """A moment as a valid `<time datetime>`: local time with offset, whole seconds (HTML allows
    at most three digits of a fraction; Django's "c" format prints six)."""
    if not value:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()
