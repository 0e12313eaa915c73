from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """No models: installed so that core's autodiscovery imports kizuna.demo.tasks."""

    name = "kizuna.demo"
    label = "demo"
    verbose_name = _("Demo data")
