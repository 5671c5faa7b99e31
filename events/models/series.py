"""The series an event belongs to (the meeting year after year) and its topics with links to
further content."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Series(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("event series")
        verbose_name_plural = pgettext_lazy("plural", "event series")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("events:series", kwargs={"pk": self.pk})


class Topic(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("events:series", kwargs={"pk": self.pk})


class TopicLink(models.Model):
    """One item of "Weitere Inhalte zum Thema": a publication, dossier or page elsewhere."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="links", verbose_name=_("topic")
    )
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("address (URL)"), max_length=500)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("further content link")
        verbose_name_plural = _("further content links")
        ordering = ["position", "title"]

    def __str__(self):
        return self.title
