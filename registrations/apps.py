from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = _("Members and registrations")

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from .audit import record_origin

        pre_create_historical_record.connect(record_origin, dispatch_uid="registrations_origin")

        from django.db.models.signals import post_delete, post_save

        from events.cache import invalidate_public_pages

        # Free places and registration state on the public pages follow every registration.
        for name in ("Registration", "ProgrammeChoice"):
            model = self.get_model(name)
            post_save.connect(invalidate_public_pages, sender=model, dispatch_uid=f"pages-{name}")
            post_delete.connect(
                invalidate_public_pages, sender=model, dispatch_uid=f"pages-d-{name}"
            )

        # The signed-in person is read from the cache (selectors/viewer.py): changes drop it.
        from .selectors.viewer import forget_organisation_on_change, forget_person_on_change

        for name, receiver in (
            ("ContactPerson", forget_person_on_change),
            ("MemberOrganisation", forget_organisation_on_change),
        ):
            model = self.get_model(name)
            post_save.connect(receiver, sender=model, dispatch_uid=f"viewer-{name}")
            post_delete.connect(receiver, sender=model, dispatch_uid=f"viewer-d-{name}")
