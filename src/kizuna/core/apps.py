from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kizuna.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        # Job handlers live in each app's tasks.py; the worker must know all of them.
        autodiscover_modules("tasks")
