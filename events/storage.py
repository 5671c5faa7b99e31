"""Where event materials are stored: the `materials` entry of STORAGES.

Locally a folder outside MEDIA_ROOT (MATERIALS_ROOT), so no static route and no proxy rule
can serve a participants-only file; a deployment may name an S3-compatible backend instead.
Every download goes through a view that checks access first. Looked up on use (not when the
models load), so a changed STORAGES setting, as in the tests, takes effect at once.
"""

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class MaterialStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages["materials"]


material_storage = MaterialStorage()


def get_material_storage():
    """The FileField's storage callable (a reference migrations can write down)."""
    return material_storage


@receiver(setting_changed)
def _forget_storage(*, setting, **_kwargs):
    if setting == "STORAGES":
        material_storage._wrapped = empty


def delete_stored_file(*, sender, instance, **_kwargs) -> None:
    """post_delete receiver: a deleted material's file leaves the storage too, once the
    deletion is committed (a rolled-back delete keeps it). Storage housekeeping only; a
    participants-only file must not outlive its record."""
    name = instance.file.name
    if name:
        transaction.on_commit(lambda: material_storage.delete(name))
