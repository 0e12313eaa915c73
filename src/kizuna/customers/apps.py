from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kizuna.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from kizuna.customers import imports  # noqa: F401 - registers the import kinds
