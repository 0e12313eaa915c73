"""Writes to activities (every touch is recorded with its outcome), to leads: acquiring a lead
and moving it between THE MODEL's stages (docs/decisions/0301-the-model-stages.md), and to
deals: opening, editing and moving them (docs/decisions/0302-deals-and-forecast.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.commerce.models import Campaign, Product
from kizuna.core.access import can_edit, visible
from kizuna.core.ledger import diff, field_values, record_change
from kizuna.core.models import LedgerAction, Role, Team, User
from kizuna.core.services import ConcurrentEdit, create_record, delete_record, update_record
from kizuna.customers.models import Account, Contact, Customer, Department
from kizuna.customers.search import keys_for
from kizuna.pipeline.defaults import (
    DEFAULT_DEAL_STAGES,
    DEFAULT_LOST_REASONS,
    DEFAULT_PIPELINE,
    DEFAULT_STAGES,
)
from kizuna.pipeline.models import (
    Activity,
    Deal,
    DealContact,
    DealLine,
    DealPipeline,
    DealStage,
    DealStageChange,
    DealStageKind,
    FeedbackQuality,
    ForecastCategory,
    Lead,
    LeadFeedback,
    LeadStage,
    LeadTransition,
    LostReason,
    StageKind,
)
from kizuna.pipeline.queries import lead_stages, stage_path


def _check_links(actor: User, account: Account | None, contact: Contact | None,
                 customer: Customer | None) -> None:
    if account is None and contact is None and customer is None:
        raise ValidationError(_("An activity is about an account, a contact or a customer."))
    for record in (account, contact, customer):
        if record is not None and not visible(actor, type(record).objects.filter(
                pk=record.pk)).exists():
            raise PermissionDenied(_("The linked record was not found."))
    if contact is not None and account is not None and contact.account_id != account.pk:
        raise ValidationError({"contact": _("The contact works at another account.")})


@transaction.atomic
def log_activity(*, actor: User, kind: str, occurred_at: Any, subject: str,
                 account: Account | None = None, contact: Contact | None = None,
                 customer: Customer | None = None, participants: list[User] | None = None,
                 deal: Deal | None = None, **fields: Any) -> Activity:
    if not actor.can_write:
        raise PermissionDenied
    if deal is not None:
        # An activity on a deal is about the deal's buyer (and shows on the deal's timeline).
        if not visible(actor, Deal.objects.filter(pk=deal.pk)).exists():
            raise PermissionDenied(_("The linked record was not found."))
        if account is None and customer is None and contact is None:
            account, customer = deal.account, deal.customer
        if (deal.account_id or None) != getattr(account or getattr(contact, "account", None),
                                               "pk", None) or \
                (deal.customer_id or None) != getattr(customer, "pk", None):
            raise ValidationError({"deal": _("The deal is with another buyer.")})
    if contact is not None and account is None:
        account = contact.account
    _check_links(actor, account, contact, customer)
    activity = create_record(actor, Activity, kind=kind, occurred_at=occurred_at,
                             subject=subject, account=account, contact=contact,
                             customer=customer, owner=actor, deal=deal,
                             team=getattr(account or customer, "team", None), **fields)
    if participants:
        activity.participants.set(participants)
    return activity


@transaction.atomic
def update_activity(*, actor: User, activity: Activity, expected_version: int | None,
                    **fields: Any) -> Activity:
    if not can_edit(actor, activity):
        raise PermissionDenied
    return update_record(actor, activity, expected_version=expected_version, **fields)


@transaction.atomic
def delete_activity(*, actor: User, activity: Activity, expected_version: int | None) -> None:
    if not can_edit(actor, activity):
        raise PermissionDenied
    delete_record(actor, activity, expected_version=expected_version)


# --- leads (THE MODEL) ---------------------------------------------------------------------------

# A move may be dated a little ahead of the server clock (a browser clock running fast).
CLOCK_SKEW = dt.timedelta(minutes=5)


@transaction.atomic
def create_default_stages(*, actor: User | None) -> list[LeadStage]:
    """Create the default stages that are missing (by code): the migration's job, redone when
    a database was emptied (``flush``, transactional tests) and for the demo loader.
    ``actor=None`` only from the CLI, the demo loader and tests."""
    if actor is not None and not actor.is_administrator:
        raise PermissionDenied(_("Only administrators may do this."))
    existing = set(LeadStage.objects.values_list("code", flat=True))
    created = []
    for code, name_ja, name_en, kind, position, division, criterion in DEFAULT_STAGES:
        if code not in existing:
            created.append(create_record(
                actor, LeadStage, code=code, name_ja=name_ja, name_en=name_en, kind=kind,
                position=position, division=division, entry_criterion=criterion))
    return created


def _check_lead_links(actor: User, account: Account | None, contact: Contact | None,
                      customer: Customer | None) -> None:
    if account is None and contact is None and customer is None:
        raise ValidationError(_("A lead is a contact, a customer or an account."))
    for record in (account, contact, customer):
        if record is not None and not visible(actor, type(record).objects.filter(
                pk=record.pk)).exists():
            raise PermissionDenied(_("The linked record was not found."))
    if contact is not None and account is not None and contact.account_id != account.pk:
        raise ValidationError({"contact": _("The contact works at another account.")})


def _open_lead_of(contact: Contact | None, customer: Customer | None) -> Lead | None:
    """The person's lead that is still in play (on the main path before its last stage, or in
    recycle): a person who comes back is that lead again, not a new acquisition."""
    if contact is None and customer is None:
        return None
    last_main = lead_stages()[len(stage_path().main) - 1]
    leads = Lead.objects.exclude(stage__kind=StageKind.DEAD_END).exclude(stage=last_main)
    leads = leads.filter(contact=contact) if contact is not None else leads.filter(
        customer=customer)
    return leads.select_related("stage").first()


@transaction.atomic
def create_lead(*, actor: User, lead_source: str, contact: Contact | None = None,
                account: Account | None = None, customer: Customer | None = None,
                campaign: Campaign | None = None, acquired_at: dt.datetime | None = None,
                acquisition_cost: int = 0, interest: str = "", owner: User | None = None
                ) -> Lead:
    """Acquire a lead: it enters the first main-path stage (獲得) at ``acquired_at``, which is
    its first transition. The acquisition cost is counted here and only here."""
    if not actor.can_write:
        raise PermissionDenied
    owner = owner or actor
    if owner.pk != actor.pk and not (actor.is_administrator or actor.role == Role.MANAGER):
        raise PermissionDenied(_("Only managers and administrators can assign records to "
                                 "someone else."))
    if contact is not None and account is None:
        account = contact.account
    _check_lead_links(actor, account, contact, customer)
    existing = _open_lead_of(contact, customer)
    if existing is not None:
        raise ValidationError(_("This person is already a lead (%(stage)s). Move that lead "
                                "instead: a lead that comes back is not acquired again.")
                              % {"stage": existing.stage.label})
    now = timezone.now()
    acquired_at = acquired_at or now
    if acquired_at > now + CLOCK_SKEW:
        raise ValidationError({"acquired_at": _("A lead cannot be acquired in the future.")})
    stages = lead_stages()
    if not stages:
        raise ValidationError(_("No lead stages are set up yet: an administrator creates them."))
    first = stages[0]
    lead = create_record(actor, Lead, contact=contact, account=account, customer=customer,
                         campaign=campaign, lead_source=lead_source, interest=interest.strip(),
                         acquired_at=acquired_at, acquisition_cost=acquisition_cost,
                         stage=first, stage_entered_at=acquired_at, owner=owner,
                         team=getattr(account or customer, "team", None))
    create_record(actor, LeadTransition, lead=lead, from_stage=None, to_stage=first,
                  at=acquired_at, by=actor)
    return lead


@transaction.atomic
def move_lead(*, actor: User | None, lead: Lead, to_stage: LeadStage,
              expected_version: int | None, reason: str = "", at: dt.datetime | None = None,
              criterion: str = "") -> LeadTransition:
    """Move ``lead`` to ``to_stage`` at ``at`` (default now), by ``actor`` or, with
    ``actor=None``, by the entry criterion named in ``criterion``.

    - A move that skips main-path stages is recorded as a fast pass
      (``StagePath.is_fast_pass``, the rule the funnel counts with).
    - Recycle and dead end need a reason, and so do going back along the main path and
      leaving the dead end: they are feedback to whoever handed the lead over.
    - A lead from recycle or dead end comes back to the revival stage (育成) or later, never to
      acquisition: its acquisition and cost stay those of its first entry.
    - ``expected_version`` is the lead's version the user saw (optimistic locking).
    """
    if actor is None and not criterion.strip():
        raise ValueError("a move without a person names the criterion that made it")
    if actor is not None and not can_edit(actor, lead):
        raise PermissionDenied
    current = Lead.objects.select_for_update().select_related("stage").get(pk=lead.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit(current)
    stages = lead_stages()
    path = stage_path(stages)
    codes = {stage.pk: i for i, stage in enumerate(stages)}
    if to_stage.pk not in codes:
        raise ValidationError({"to_stage": _("Choose a stage.")})
    source, target = codes[current.stage_id], codes[to_stage.pk]
    if source == target:
        raise ValidationError({"to_stage": _("The lead is already in this stage.")})
    now = timezone.now()
    at = at or now
    if at > now + CLOCK_SKEW:
        raise ValidationError({"at": _("A move cannot be dated in the future.")})
    if at < current.stage_entered_at:
        raise ValidationError({"at": _(
            "A move cannot be dated before the lead entered its current stage (%(since)s).")
            % {"since": timezone.localtime(current.stage_entered_at).strftime("%Y-%m-%d %H:%M")}})
    main = len(path.main)
    if source >= main and target == 0:
        raise ValidationError({"to_stage": _(
            "A lead that comes back is not acquired again: move it to %(stage)s or later.")
            % {"stage": stages[path.revival].label}})
    reason = reason.strip()
    needs_reason = (target >= main or source == path.dead_end_code
                    or (source < main and target < source))
    if needs_reason and not reason:
        raise ValidationError({"reason": _(
            "Say why: recycle, dead end, going back and leaving the dead end keep their "
            "reason.")})
    transition = create_record(
        actor, LeadTransition, lead=current, from_stage=current.stage, to_stage=to_stage, at=at,
        by=actor, criterion=criterion.strip(), reason=reason,
        is_fast_pass=path.is_fast_pass(source, target))
    update_record(actor, current, expected_version=None, stage=to_stage, stage_entered_at=at)
    return transition


def revive_lead(*, actor: User | None, lead: Lead, expected_version: int | None,
                reason: str = "", at: dt.datetime | None = None, criterion: str = ""
                ) -> LeadTransition:
    """A recycled lead came back (an event, a reply, an inquiry): back to the revival stage,
    without a new acquisition."""
    if lead.stage.kind != StageKind.RECYCLE:
        raise ValidationError(_("Only a recycled lead can come back."))
    stages = lead_stages()
    return move_lead(actor=actor, lead=lead, to_stage=stages[stage_path(stages).revival],
                     expected_version=expected_version, reason=reason, at=at,
                     criterion=criterion)


@transaction.atomic
def give_lead_feedback(*, actor: User, lead: Lead, from_division: str, to_division: str,
                       quality: str, reason: str = "", note: str = "",
                       at: dt.datetime | None = None) -> LeadFeedback:
    """Hand-off feedback on ``lead``: the division that received it (``from_division``) tells
    the one that handed it over (``to_division``) whether it was good, and if not, why (a
    reason code, counted per source and campaign). Anyone who may see the lead and write may
    give it; it is never changed afterwards."""
    if not actor.can_write:
        raise PermissionDenied
    if not visible(actor, Lead.objects.filter(pk=lead.pk)).exists():
        raise PermissionDenied(_("The linked record was not found."))
    if from_division == to_division:
        raise ValidationError({"to_division": _("Feedback goes to another division.")})
    if quality == FeedbackQuality.GOOD:
        reason = ""
    elif not reason:
        raise ValidationError({"reason": _("Say why the lead was poor.")})
    now = timezone.now()
    at = at or now
    if at > now + CLOCK_SKEW:
        raise ValidationError({"at": _("Feedback cannot be dated in the future.")})
    return create_record(actor, LeadFeedback, lead=lead, from_division=from_division,
                         to_division=to_division, quality=quality, reason=reason,
                         note=note.strip(), by=actor, at=at)


# --- deals (docs/decisions/0302-deals-and-forecast.md) -------------------------------------------

# Open deals fall into a forecast category by their probability unless the owner picks one.
COMMIT_FROM, BEST_CASE_FROM = 80, 50


def default_category(probability: int) -> str:
    if probability >= COMMIT_FROM:
        return ForecastCategory.COMMIT
    if probability >= BEST_CASE_FROM:
        return ForecastCategory.BEST_CASE
    return ForecastCategory.PIPELINE if probability > 0 else ForecastCategory.OMITTED


def forecast_values(stage: DealStage, probability_override: int | None,
                    category_override: str) -> tuple[int, str]:
    """(probability, forecast category) the forecast uses for a deal in ``stage``: a won deal
    is closed at 100%, a lost one omitted at 0%; an open one takes its own values when set,
    else the stage's probability and the category that probability implies."""
    if stage.kind == DealStageKind.WON:
        return 100, ForecastCategory.CLOSED
    if stage.kind == DealStageKind.LOST:
        return 0, ForecastCategory.OMITTED
    probability = stage.probability if probability_override is None else probability_override
    return probability, category_override or default_category(probability)


@transaction.atomic
def create_default_pipeline(*, actor: User | None) -> DealPipeline:
    """The default pipeline, its stages and the lost reasons, where missing (the data
    migration's job, redone after ``flush``, in transactional tests and by the demo loader).
    ``actor=None`` only from the CLI, the demo loader and tests."""
    if actor is not None and not actor.is_administrator:
        raise PermissionDenied(_("Only administrators may do this."))
    code, name_ja, name_en = DEFAULT_PIPELINE
    pipeline = DealPipeline.objects.filter(code=code).first() or create_record(
        actor, DealPipeline, code=code, name_ja=name_ja, name_en=name_en, position=10)
    existing = set(pipeline.stages.values_list("code", flat=True))
    for code, name_ja, name_en, kind, position, probability in DEFAULT_DEAL_STAGES:
        if code not in existing:
            create_record(actor, DealStage, pipeline=pipeline, code=code, name_ja=name_ja,
                          name_en=name_en, kind=kind, position=position,
                          probability=probability)
    reasons = set(LostReason.objects.values_list("code", flat=True))
    for code, name_ja, name_en, position in DEFAULT_LOST_REASONS:
        if code not in reasons:
            create_record(actor, LostReason, code=code, name_ja=name_ja, name_en=name_en,
                          position=position)
    return pipeline


LineInput = tuple[Product, int, int]  # product, quantity, unit price (yen)


def _check_deal_links(actor: User, *, account: Account | None, department: Department | None,
                      customer: Customer | None, lead: Lead | None,
                      changed: set[str] | None = None) -> None:
    """The buyer is an account or a customer; the linked records the user set (all of them,
    or the ``changed`` ones) must be visible to them."""
    if account is None and customer is None:
        raise ValidationError(_("A deal is with an account or a customer."))
    if account is not None and customer is not None:
        raise ValidationError(_("A deal is with an account or with a customer, not both."))
    links = {"account": account, "department": department, "customer": customer, "lead": lead}
    for name, record in links.items():
        if record is not None and (changed is None or name in changed) and not visible(
                actor, type(record).objects.filter(pk=record.pk)).exists():
            raise PermissionDenied(_("The linked record was not found."))
    if department is not None and department.account_id != getattr(account, "pk", None):
        raise ValidationError({"department": _("The department belongs to another account.")})


def _check_stage(pipeline: DealPipeline, stage: DealStage) -> None:
    if stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": _("The stage belongs to another pipeline.")})


def _lost_fields(stage: DealStage, lost_reason: LostReason | None, lost_note: str
                 ) -> dict[str, Any]:
    if stage.kind != DealStageKind.LOST:
        return {"lost_reason": None, "lost_note": ""}
    if lost_reason is None:
        raise ValidationError({"lost_reason": _("Choose why the deal was lost.")})
    return {"lost_reason": lost_reason, "lost_note": lost_note.strip()}


def _closing_fields(stage: DealStage, at: dt.datetime, expected_close_date: dt.date
                    ) -> dict[str, Any]:
    """A won or lost deal closes at ``at``: its close date becomes that (local) day, so the
    forecast and the win rates count it in the month it really closed."""
    if stage.is_open:
        return {"closed_at": None, "expected_close_date": expected_close_date}
    return {"closed_at": at, "expected_close_date": timezone.localtime(at).date()}


def _check_moment(at: dt.datetime | None, since: dt.datetime | None = None) -> dt.datetime:
    now = timezone.now()
    at = at or now
    if at > now + CLOCK_SKEW:
        raise ValidationError({"at": _("A move cannot be dated in the future.")})
    if since is not None and at < since:
        raise ValidationError({"at": _(
            "A move cannot be dated before the deal entered its current stage (%(since)s).")
            % {"since": timezone.localtime(since).strftime("%Y-%m-%d %H:%M")}})
    return at


def _clean_competitors(competitors: Any) -> list[str]:
    if isinstance(competitors, str):
        competitors = competitors.replace("、", ",").replace("\n", ",").split(",")
    cleaned = [str(c).strip() for c in competitors or []]
    return list(dict.fromkeys(c for c in cleaned if c))


def _write_lines(actor: User, deal: Deal, lines: list[LineInput]) -> int:
    """Replace the deal's lines; returns their total."""
    for line in deal.lines.all():
        record_change(actor, LedgerAction.DELETE, line, diff(field_values(line), {}))
        line.delete()
    total = 0
    for product, quantity, unit_price in lines:
        line = create_record(actor, DealLine, deal=deal, product=product, quantity=quantity,
                             unit_price=unit_price, amount=quantity * unit_price)
        total += line.amount
    return total


@transaction.atomic
def create_deal(*, actor: User, name: str, expected_close_date: dt.date,
                pipeline: DealPipeline | None = None, stage: DealStage | None = None,
                account: Account | None = None, department: Department | None = None,
                customer: Customer | None = None, amount: int = 0,
                lines: list[LineInput] | None = None, probability_override: int | None = None,
                forecast_category_override: str = "", competitors: Any = (),
                demand_month: int | None = None, demand_period: str = "", source: str = "",
                lead: Lead | None = None, lost_reason: LostReason | None = None,
                lost_note: str = "", owner: User | None = None, team: Team | None = None,
                at: dt.datetime | None = None) -> Deal:
    """Open a deal in ``stage`` (default: the first stage of the first pipeline). Its first
    stage change (from empty) is written with it; with ``lines`` the amount is their sum."""
    if not actor.can_write:
        raise PermissionDenied
    owner = owner or actor
    if owner.pk != actor.pk and not (actor.is_administrator or actor.role == Role.MANAGER):
        raise PermissionDenied(_("Only managers and administrators can assign records to "
                                 "someone else."))
    if department is not None and account is None:
        account = department.account
    _check_deal_links(actor, account=account, department=department, customer=customer,
                      lead=lead)
    pipeline = pipeline or (stage.pipeline if stage else None) or \
        DealPipeline.objects.filter(active=True).first()
    if pipeline is None:
        raise ValidationError(_("No deal pipeline is set up yet: an administrator creates one."))
    stage = stage or pipeline.stages.filter(kind=DealStageKind.OPEN).first()
    if stage is None:
        raise ValidationError({"stage": _("Choose a stage.")})
    _check_stage(pipeline, stage)
    at = _check_moment(at)
    probability, category = forecast_values(stage, probability_override,
                                            forecast_category_override)
    name = name.strip()
    if lines:
        amount = sum(quantity * unit_price for _product, quantity, unit_price in lines)
    deal = create_record(
        actor, Deal, name=name, account=account, department=department, customer=customer,
        pipeline=pipeline, stage=stage, stage_entered_at=at, amount=amount,
        probability_override=probability_override, probability=probability,
        forecast_category_override=forecast_category_override, forecast_category=category,
        competitors=_clean_competitors(competitors), demand_month=demand_month,
        demand_period=demand_period.strip(), source=source or (lead.lead_source if lead else ""),
        lead=lead, owner=owner, team=team or getattr(account or customer, "team", None),
        **_lost_fields(stage, lost_reason, lost_note),
        **_closing_fields(stage, at, expected_close_date),
        **keys_for(names=[name], readings=[]))
    if lines:
        _write_lines(actor, deal, lines)
    create_record(actor, DealStageChange, deal=deal, from_stage=None, to_stage=stage, at=at,
                  by=actor, amount=deal.amount, lost_reason=deal.lost_reason,
                  note=deal.lost_note)
    return deal


# What update_deal may change; the stage moves only through move_deal (it writes the history).
DEAL_FIELDS = frozenset({
    "name", "account", "department", "customer", "amount", "expected_close_date",
    "probability_override", "forecast_category_override", "competitors", "demand_month",
    "demand_period", "source", "lead", "lost_reason", "lost_note", "owner", "team"})


@transaction.atomic
def update_deal(*, actor: User, deal: Deal, expected_version: int | None,
                lines: list[LineInput] | None = None, **fields: Any) -> Deal:
    """Change a deal's fields and, when ``lines`` is given, replace its product lines (an empty
    list removes them). With lines, the amount is their sum whatever ``amount`` says."""
    if not can_edit(actor, deal):
        raise PermissionDenied
    unknown = set(fields) - DEAL_FIELDS
    if unknown:
        raise ValueError(f"update_deal cannot change {', '.join(sorted(unknown))}")
    current = Deal.objects.select_for_update().select_related("stage").get(pk=deal.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit(current)
    owner = fields.get("owner")
    if owner is not None and owner.pk != current.owner_id and not (
            actor.is_administrator or actor.role == Role.MANAGER):
        raise PermissionDenied(_("Only managers and administrators can assign records to "
                                 "someone else."))
    merged = {name: fields.get(name, getattr(current, name)) for name in
              ("account", "department", "customer", "lead")}
    if merged["department"] is not None and merged["account"] is None:
        merged["account"] = merged["department"].account
    _check_deal_links(actor, account=merged["account"], department=merged["department"],
                      customer=merged["customer"], lead=merged["lead"],
                      changed={name for name in merged if name in fields})
    if "competitors" in fields:
        fields["competitors"] = _clean_competitors(fields["competitors"])
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        fields.update(keys_for(names=[fields["name"]], readings=[]))
    if "demand_period" in fields:
        fields["demand_period"] = (fields["demand_period"] or "").strip()
    fields.update(account=merged["account"], department=merged["department"])
    stage = current.stage
    if stage.kind == DealStageKind.LOST:
        fields.update(_lost_fields(stage, fields.get("lost_reason", current.lost_reason),
                                   fields.get("lost_note", current.lost_note)))
    else:
        fields.update(lost_reason=None, lost_note="")
    if not stage.is_open and "expected_close_date" in fields:
        # A closed deal's close date is the day it closed (move_deal).
        fields["expected_close_date"] = timezone.localtime(current.closed_at).date() \
            if current.closed_at else fields["expected_close_date"]
    fields["probability"], fields["forecast_category"] = forecast_values(
        stage, fields.get("probability_override", current.probability_override),
        fields.get("forecast_category_override", current.forecast_category_override))
    if lines is not None:
        total = _write_lines(actor, current, lines)
        if lines:
            fields["amount"] = total
    elif current.lines.exists():
        fields["amount"] = sum(current.lines.values_list("amount", flat=True))
    return update_record(actor, current, expected_version=None, **fields)


@transaction.atomic
def move_deal(*, actor: User, deal: Deal, to_stage: DealStage, expected_version: int | None,
              lost_reason: LostReason | None = None, lost_note: str = "",
              at: dt.datetime | None = None) -> DealStageChange:
    """Move ``deal`` to another stage of its pipeline at ``at`` (default now).

    - Moving to a lost stage needs a lost reason (the list is configurable; the note adds the
      rest); leaving it clears them (the stage history keeps them).
    - Won and lost close the deal: ``closed_at`` is the move, the close date its local day;
      the probability becomes 100% / 0% and the category closed / omitted. An open stage
      gives the deal the stage's probability unless the deal has its own.
    - ``expected_version`` is the deal's version the user saw (optimistic locking).
    """
    if not can_edit(actor, deal):
        raise PermissionDenied
    current = Deal.objects.select_for_update().select_related("stage").get(pk=deal.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit(current)
    if to_stage.pipeline_id != current.pipeline_id:
        raise ValidationError({"to_stage": _("Choose a stage of the deal's pipeline.")})
    if to_stage.pk == current.stage_id:
        raise ValidationError({"to_stage": _("The deal is already in this stage.")})
    at = _check_moment(at, current.stage_entered_at)
    lost = _lost_fields(to_stage, lost_reason, lost_note)
    probability, category = forecast_values(to_stage, current.probability_override,
                                            current.forecast_category_override)
    change = create_record(actor, DealStageChange, deal=current, from_stage=current.stage,
                           to_stage=to_stage, at=at, by=actor, amount=current.amount,
                           lost_reason=lost["lost_reason"], note=lost["lost_note"])
    update_record(actor, current, expected_version=None, stage=to_stage, stage_entered_at=at,
                  probability=probability, forecast_category=category, **lost,
                  **_closing_fields(to_stage, at, current.expected_close_date))
    return change


@transaction.atomic
def delete_deal(*, actor: User, deal: Deal, expected_version: int | None) -> None:
    if not can_edit(actor, deal):
        raise PermissionDenied
    delete_record(actor, deal, expected_version=expected_version)


@transaction.atomic
def add_deal_contact(*, actor: User, deal: Deal, contact: Contact, role: str = ""
                     ) -> DealContact:
    """Put a contact of the deal's account in its buying centre, with the role they play in
    this deal when it is not their usual buying role."""
    if not can_edit(actor, deal):
        raise PermissionDenied
    if not visible(actor, Contact.objects.filter(pk=contact.pk)).exists():
        raise PermissionDenied(_("The linked record was not found."))
    if deal.account_id is None or contact.account_id != deal.account_id:
        raise ValidationError({"contact": _("The contact works at another account.")})
    if DealContact.objects.filter(deal=deal, contact=contact).exists():
        raise ValidationError({"contact": _("This contact is already in the buying centre.")})
    return create_record(actor, DealContact, deal=deal, contact=contact, role=role)


@transaction.atomic
def remove_deal_contact(*, actor: User, deal_contact: DealContact) -> None:
    if not can_edit(actor, deal_contact.deal):
        raise PermissionDenied
    delete_record(actor, deal_contact, expected_version=None)
