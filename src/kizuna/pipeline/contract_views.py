"""Customer-success pages (docs/decisions/0304-customer-success.md): the contract list with its
filters (renewal dates within 90 days highlighted), a contract's page with the stage move, renew
and churn forms (a stale version is refused), and the summary with renewal and churn rates by
owner and expansion revenue by originating division."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kizuna.core.access import can_edit, visible
from kizuna.core.forms import apply_service_error
from kizuna.core.lists import get_or_404
from kizuna.core.models import User
from kizuna.core.services import ConcurrentEdit
from kizuna.pipeline import contracts
from kizuna.pipeline.models import Contract, ContractStatus, SuccessStage, SuccessStageKind

# --- forms ---------------------------------------------------------------------------------------


class ContractFilterForm(forms.Form):
    stage = forms.ModelChoiceField(label=gettext_lazy("Success stage"), required=False,
                                   queryset=SuccessStage.objects.all())
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                               choices=[("", "—"), *ContractStatus.choices])
    renewal_month = forms.DateField(label=gettext_lazy("Renewal month"), required=False,
                                    input_formats=["%Y-%m"],
                                    widget=forms.DateInput(attrs={"type": "month"},
                                                           format="%Y-%m"))
    owner = forms.ModelChoiceField(label=gettext_lazy("Owner"), required=False,
                                   queryset=User.objects.filter(is_active=True))


class ContractMoveForm(forms.Form):
    to_stage = forms.ModelChoiceField(label=gettext_lazy("Move to"),
                                      queryset=SuccessStage.objects.none())
    note = forms.CharField(label=gettext_lazy("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].queryset = SuccessStage.objects.exclude(
            kind=SuccessStageKind.CHURNED).exclude(pk=contract.stage_id)
        self.fields["version"].initial = contract.version


class ContractRenewForm(forms.Form):
    amount = forms.IntegerField(label=gettext_lazy("Amount per term (yen)"), min_value=0)
    term_months = forms.IntegerField(label=gettext_lazy("Term (months)"), min_value=1,
                                     max_value=120)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].initial = contract.amount
        self.fields["term_months"].initial = contract.term_months
        self.fields["version"].initial = contract.version


class ContractChurnForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Churn reason"),
                             widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = contract.version


class SummaryForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"), required=False,
                               choices=[("month", gettext_lazy("Month")),
                                        ("quarter", gettext_lazy("Quarter"))])
    day = forms.DateField(label=gettext_lazy("Containing"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))


# --- pages ---------------------------------------------------------------------------------------


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    form = ContractFilterForm(request.GET or None)
    found = contracts.visible_contracts(request.user)
    if form.is_valid():
        data = form.cleaned_data
        for name in ("stage", "status", "owner"):
            if data.get(name):
                found = found.filter(**{name: data[name]})
        if data.get("renewal_month"):
            first, after = contracts.period_bounds("month", data["renewal_month"])
            found = found.filter(renewal_date__gte=first, renewal_date__lt=after)
    today = timezone.localdate()
    rows = [{"contract": c, "soon": contracts.renewal_soon(c, today)}
            for c in found.order_by("renewal_date", "pk")[:500]]
    return render(request, "pipeline/contract_list.html", {
        "form": form, "rows": rows, "nav_active": "contracts"})


def _contract_page(request: HttpRequest, contract: Contract, **forms_: Any) -> HttpResponse:
    editable = can_edit(request.user, contract) and contract.status == ContractStatus.ACTIVE
    context: dict[str, Any] = {
        "contract": contract, "editable": editable,
        "soon": contracts.renewal_soon(contract),
        "changes": list(contracts.contract_stage_changes(contract)),
        "products": list(contract.products.all()),
        "expansions": list(visible(request.user, contract.expansions.all())),
        "next_term": Contract.objects.filter(previous=contract).first(),
        "nav_active": "contracts"}
    if editable:
        context.update(
            move_form=forms_.get("move_form") or ContractMoveForm(contract=contract),
            renew_form=forms_.get("renew_form") or ContractRenewForm(contract=contract),
            churn_form=forms_.get("churn_form") or ContractChurnForm(contract=contract))
    return render(request, "pipeline/contract_detail.html", context)


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _contract_page(request, get_or_404(contracts.access_contract, request, pk))


def _act(request: HttpRequest, pk: int, form_class: type[forms.Form], key: str,
         run: Any, done: Any) -> HttpResponse:
    contract = get_or_404(contracts.access_contract, request, pk, write=True)
    form = form_class(request.POST, contract=contract)  # type: ignore[call-arg]
    if form.is_valid():
        try:
            result = run(contract, form.cleaned_data)
        except ConcurrentEdit as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, done(contract, result))
            target = result if isinstance(result, Contract) else contract
            return redirect(reverse("pipeline:contract_detail", args=[target.pk]))
    return _contract_page(request, contract, **{key: form})


@login_required
@require_POST
def contract_move(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, ContractMoveForm, "move_form",
                lambda c, d: contracts.move_contract(
                    actor=request.user, contract=c, to_stage=d["to_stage"],
                    expected_version=d["version"], note=d["note"]),
                lambda c, change: _("“%(contract)s” moved to %(stage)s.") % {
                    "contract": c.name, "stage": change.to_stage.label})


@login_required
@require_POST
def contract_renew(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, ContractRenewForm, "renew_form",
                lambda c, d: contracts.renew_contract(
                    actor=request.user, contract=c, expected_version=d["version"],
                    amount=d["amount"], term_months=d["term_months"]),
                lambda c, following: _("“%(contract)s” renewed until %(date)s.") % {
                    "contract": c.name, "date": following.renewal_date.isoformat()})


@login_required
@require_POST
def contract_churn(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, ContractChurnForm, "churn_form",
                lambda c, d: contracts.churn_contract(
                    actor=request.user, contract=c, expected_version=d["version"],
                    reason=d["reason"]),
                lambda c, _result: _("“%(contract)s” was recorded as churned.") % {
                    "contract": c.name})


@login_required
def success_summary(request: HttpRequest) -> HttpResponse:
    form = SummaryForm(request.GET or None)
    period, day = "quarter", timezone.localdate()
    if form.is_valid():
        period = form.cleaned_data.get("period") or period
        day = form.cleaned_data.get("day") or day
    start, end = contracts.period_bounds(period, day)
    return render(request, "pipeline/success_summary.html", {
        "form": form, "figures": contracts.renewal_figures(request.user, start, end),
        "expansions": contracts.expansion_revenue(request.user, start, end),
        "last_day": end - dt.timedelta(days=1), "nav_active": "contracts"})
