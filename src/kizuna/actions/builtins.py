"""The judgment criteria Kizuna ships as editable examples (MISSION §3).

``install_examples`` creates each one once (by its built-in key), disabled, in the site's
language; managers preview them, adjust the numbers, and enable the ones they want. Editing an
installed example never gets overwritten: installing again skips keys that exist.

- stale_account: the owner refreshes an account nobody has updated for six months.
- churn_risk_purchase_cycle: a customer has not bought for more than twice their *own* usual
  interval (median days between purchase days, from at least three purchases), so a bulk buyer
  who orders twice a year is not flagged like a weekly buyer. Customers gone for over two years
  are lapsed rather than at risk and are left to win-back campaigns.
- demand_period_approach: the account's budget month (custom field ``budget_month``, or else the
  fiscal year-end month ``fiscal_month`` the demo company uses) is within the next two months:
  talk about next year's plans before the budget is fixed (需要期). Skipped when neither field
  exists.
- upsell_subscription: a customer who ordered at least four times in the last year but never
  bought a recurring product (定期便) is a candidate for the subscription (upsell sign).
- whitespace_expansion: an account that bought in the last year and has at least two
  whitespace cells (department × product category) nobody has approached: the owner works
  through them (横展開, docs/decisions/0202). Skipped while no product has a category.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kizuna.actions.models import AssigneeRule, Criterion, Entity, Priority
from kizuna.actions.services import create_criterion
from kizuna.actions.whitespace import categories
from kizuna.core.models import Role, User
from kizuna.customers.models import CustomFieldDefinition


@dataclass(frozen=True)
class Example:
    key: str
    entity: str
    condition: dict[str, Any]
    due_in_days: int
    priority: str
    cooldown_days: int

    def texts(self) -> dict[str, str]:
        """Name, purpose, title and next step in the active language."""
        return TEXTS[self.key]()


def _stale() -> dict[str, str]:
    return {"name": _("Stale account data"),
            "purpose": _("Reps' notes go stale unless someone keeps them alive: the owner "
                         "checks an account nobody has updated for six months."),
            "title_template": _("Check and update {name}"),
            "next_step": _("Confirm contacts, departments and needs; update the record.")}


def _churn() -> dict[str, str]:
    return {"name": _("Churn risk from the customer's own purchase cycle"),
            "purpose": _("A customer who has not bought for more than twice their own usual "
                         "interval between purchases is drifting away. Each customer's rhythm "
                         "counts, so a bulk buyer is not flagged like a weekly buyer."),
            "title_template": _("Follow up with {name}: overdue for their usual order"),
            "next_step": _("Call or write with a personal note; offer their usual products.")}


def _demand() -> dict[str, str]:
    return {"name": _("Demand period approaching"),
            "purpose": _("Budgets are fixed before the customer's budget month: talk about "
                         "next year's plans while there is still room in them."),
            "title_template": _("Ask {name} about next year's budget"),
            "next_step": _("Book a meeting to hear next year's plans and propose.")}


def _upsell() -> dict[str, str]:
    return {"name": _("Upsell: frequent buyer without a subscription"),
            "purpose": _("Customers who order four times a year or more but have never taken "
                         "a subscription are the likeliest to take one."),
            "title_template": _("Propose the subscription to {name}"),
            "next_step": _("Introduce the monthly subscription and its benefits.")}


def _whitespace() -> dict[str, str]:
    return {"name": _("Horizontal expansion: departments and products not approached"),
            "purpose": _("An account that already buys from us but has departments × product "
                         "categories nobody has approached is the cheapest growth there is: "
                         "the owner works through its empty whitespace cells."),
            "title_template": _("Approach the empty whitespace cells of {name}"),
            "next_step": _("Open the account's whitespace matrix, ask a contact who decides "
                           "in the empty departments, and mark each cell approached.")}


TEXTS = {"stale_account": _stale, "churn_risk_purchase_cycle": _churn,
         "demand_period_approach": _demand, "upsell_subscription": _upsell,
         "whitespace_expansion": _whitespace}

BUDGET_FIELDS = ("budget_month", "fiscal_month")  # in order of preference


def examples() -> list[Example]:
    """The examples that fit this installation's data."""
    found = [
        Example("stale_account", Entity.ACCOUNT,
                {"field": "updated_at", "op": "older_than_days", "value": 180},
                14, Priority.LOW, 0),
        Example("churn_risk_purchase_cycle", Entity.CUSTOMER,
                {"all": [{"aggregate": "purchase_cycle_ratio", "min_orders": 3, "op": "gt",
                          "value": 2},
                         {"aggregate": "days_since_last_order", "op": "lte", "value": 730}]},
                7, Priority.HIGH, 90),
        Example("upsell_subscription", Entity.CUSTOMER,
                {"all": [{"aggregate": "order_count", "days": 365, "op": "gte", "value": 4},
                         {"aggregate": "product_order_count", "recurring": True, "op": "eq",
                          "value": 0}]},
                14, Priority.NORMAL, 180),
    ]
    keys = set(CustomFieldDefinition.objects.filter(
        entity=CustomFieldDefinition.Entity.ACCOUNT, key__in=BUDGET_FIELDS,
        field_type="number").values_list("key", flat=True))
    budget = next((k for k in BUDGET_FIELDS if k in keys), None)
    if budget is not None:
        found.insert(2, Example(
            "demand_period_approach", Entity.ACCOUNT,
            {"field": f"custom.{budget}", "op": "month_in_next", "value": 2},
            14, Priority.NORMAL, 200))
    if categories():  # the whitespace matrix needs product categories
        found.append(Example(
            "whitespace_expansion", Entity.ACCOUNT,
            {"all": [{"aggregate": "order_count", "days": 365, "op": "gte", "value": 1},
                     {"aggregate": "whitespace_open_cells", "op": "gte", "value": 2}]},
            30, Priority.NORMAL, 90))
    return found


@transaction.atomic
def install_examples(*, actor: User | None, language: str | None = None) -> list[Criterion]:
    """Create the examples that do not exist yet (disabled); return the ones created.

    The responsible person is ``actor`` or, from the CLI, the first active administrator."""
    owner = actor or User.objects.filter(role=Role.ADMINISTRATOR, is_active=True) \
        .order_by("pk").first()
    if owner is None:
        return []
    existing = set(Criterion.objects.exclude(key="").values_list("key", flat=True))
    created = []
    with translation.override(language or settings.LANGUAGE_CODE):
        for example in examples():
            if example.key in existing:
                continue
            created.append(create_criterion(
                actor=actor, owner=owner, key=example.key, entity=example.entity,
                condition=example.condition, due_in_days=example.due_in_days,
                priority=example.priority, cooldown_days=example.cooldown_days,
                assignee_rule=AssigneeRule.OWNER, enabled=False, **example.texts()))
    return created
