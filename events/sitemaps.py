from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Event
from .seo import site_domain, site_protocol


class _SiteSitemap(Sitemap):
    """Every language version with its alternates (hreflang), on SITE_URL's host."""

    i18n = True
    alternates = True
    x_default = True

    def get_protocol(self, protocol=None):
        return site_protocol()

    def get_domain(self, site=None):
        return site_domain()


class EventSitemap(_SiteSitemap):
    changefreq = "weekly"

    def items(self):
        return Event.objects.published().order_by("pk")

    def lastmod(self, event):
        return event.updated_at


class PageSitemap(_SiteSitemap):
    """The event list and the imprint, privacy and accessibility pages."""

    def items(self):
        return ["events:list", "events:imprint", "events:privacy", "events:accessibility"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {"pages": PageSitemap, "events": EventSitemap}
