from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommerceConfig(AppConfig):
    name = "kizuna.commerce"
    label = "commerce"
    verbose_name = _("Products and orders")

    def ready(self) -> None:
        from kizuna.commerce import imports  # noqa: F401 - registers the import kinds
