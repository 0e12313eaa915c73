"""Writes to activities (every touch is recorded with its outcome) and to leads: acquiring a lead
and moving it between THE MODEL's stages (docs/decisions/0301-the-model-stages.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.commerce.models import Campaign
from kizuna.core.access import can_edit, visible
from kizuna.core.models import Role, User
from kizuna.core.services import ConcurrentEdit, create_record, delete_record, update_record
from kizuna.customers.models import Account, Contact, Customer
from kizuna.pipeline.defaults import DEFAULT_STAGES
from kizuna.pipeline.models import Activity, Lead, LeadStage, LeadTransition, StageKind
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
                 **fields: Any) -> Activity:
    if not actor.can_write:
        raise PermissionDenied
    if contact is not None and account is None:
        account = contact.account
    _check_links(actor, account, contact, customer)
    activity = create_record(actor, Activity, kind=kind, occurred_at=occurred_at,
                             subject=subject, account=account, contact=contact,
                             customer=customer, owner=actor,
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
