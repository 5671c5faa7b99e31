from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = _("Members and registrations")

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from .audit import record_origin

        pre_create_historical_record.connect(record_origin, dispatch_uid="registrations_origin")
