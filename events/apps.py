from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _

# What the public pages show; their cached copies go stale when any of it changes.
PAGE_MODELS = ["Event", "EventDay", "ProgrammeItem", "OrganiserContact", "Topic", "TopicLink"]
PAGE_MODELS += ["Series", "EventChange", "Material", "Session", "Speaker", "SessionSpeaker"]
# No post_delete receiver for days: it would stop Django's fast bulk delete when rescheduling,
# and the event's own save there invalidates anyway.
NO_DELETE_RECEIVER = {"EventDay"}


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self):
        from django.contrib.flatpages.models import FlatPage
        from django.core.signals import request_finished, request_started

        from .cache import (
            begin_request,
            end_request,
            invalidate_event_pages,
            invalidate_public_pages,
        )
        from .storage import delete_stored_file

        # Cache invalidation only, not domain logic: the pages changed, whoever changed them,
        # and so did the cached events (events.cache).
        for name in PAGE_MODELS:
            model = self.get_model(name)
            post_save.connect(invalidate_event_pages, sender=model, dispatch_uid=f"pages-{name}")
            if name not in NO_DELETE_RECEIVER:
                post_delete.connect(
                    invalidate_event_pages, sender=model, dispatch_uid=f"pages-d-{name}"
                )
        m2m_changed.connect(
            invalidate_event_pages,
            sender=self.get_model("Event").topics.through,
            dispatch_uid="pages-topics",
        )
        post_save.connect(invalidate_public_pages, sender=FlatPage, dispatch_uid="pages-flat")
        # One public version per request (events/cache.py), read once.
        request_started.connect(begin_request, dispatch_uid="pages-version-start")
        request_finished.connect(end_request, dispatch_uid="pages-version-end")
        post_delete.connect(
            delete_stored_file, sender=self.get_model("Material"), dispatch_uid="material-file"
        )
