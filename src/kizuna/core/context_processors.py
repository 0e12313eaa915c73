from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kizuna.core.models import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The main navigation; later apps add their entry here."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        {"label": _("Home"), "url": reverse("core:home"), "key": "home"},
        # The badge (tasks due today or overdue) is fetched by the page: no query here.
        {"label": _("Inbox"), "url": reverse("actions:inbox"), "key": "inbox",
         "badge_url": reverse("actions:inbox_badge")},
        {"label": _("Accounts"), "url": reverse("customers:account_list"), "key": "accounts"},
        {"label": _("Contacts"), "url": reverse("customers:contact_list"), "key": "contacts"},
        {"label": _("Customers"), "url": reverse("customers:customer_list"), "key": "customers"},
        {"label": _("Orders"), "url": reverse("commerce:order_list"), "key": "orders"},
        {"label": _("Installed products"), "url": reverse("commerce:installed_list"),
         "key": "installed"},
        {"label": _("Activities"), "url": reverse("pipeline:activity_list"),
         "key": "activities"},
        {"label": _("Pipeline"), "url": reverse("pipeline:funnel"), "key": "pipeline"},
        {"label": _("Scorecards"), "url": reverse("actions:scorecard_list"), "key": "scorecards"},
        {"label": _("Whitespace"), "url": reverse("actions:whitespace_summary"),
         "key": "whitespace"},
        {"label": _("Deals"), "url": reverse("pipeline:deal_board"), "key": "deals"},
        {"label": _("Contracts"), "url": reverse("pipeline:contract_list"), "key": "contracts"},
        {"label": _("Jobs"), "url": reverse("core:job_list"), "key": "jobs"},
    ]
    if user.can_write:
        after = next(i for i, item in enumerate(items) if item["key"] == "customers") + 1
        items.insert(after, {"label": _("Duplicates"), "url": reverse("identity:queue"),
                             "key": "identity"})
    if user.is_administrator or user.role == Role.MANAGER:
        # Masters are maintained by managers and administrators (commerce.services).
        items.append({"label": _("Products"), "url": reverse("commerce:product_list"),
                      "key": "products"})
        # Company-wide customer value figures (kizuna.customers.value_views).
        items.append({"label": _("Analytics"), "url": reverse("customers:value_rfm"),
                      "key": "analytics"})
    if user.is_administrator:
        items.append({"label": _("Audit ledger"), "url": reverse("core:ledger"), "key": "ledger"})
    return {"nav_items": items}
