"""Activities API: every recorded touch with an account, a contact or a customer.

An activity is visible like any owned record (its owner, or shared with a team); logging one
goes through ``pipeline.services.log_activity``, which checks the linked records.
"""


from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.core.access import NotFound
from kizuna.core.api import (
    ERRORS,
    DateTimeIn,
    DateTimeOut,
    OwnedOut,
    Page,
    Source,
    VersionIn,
    active_users,
    changes,
    choice,
    deleted,
    resolve,
)
from kizuna.customers.queries import visible_accounts, visible_contacts, visible_customers
from kizuna.pipeline import services
from kizuna.pipeline.models import Activity, ActivityKind, OutcomeCode
from kizuna.pipeline.queries import access_activity, visible_activities

router = Router()
activities = Router(tags=["activities"])


class ActivityFields(Schema):
    body: str = ""
    outcome_code: choice(OutcomeCode, blank=True) = ""  # type: ignore[valid-type]
    outcome: str = ""
    next_step: str = Field("", max_length=200)
    next_step_due: date | None = None


class ActivityIn(ActivityFields):
    kind: choice(ActivityKind)  # type: ignore[valid-type]
    occurred_at: DateTimeIn
    subject: str = Field(..., min_length=1, max_length=200)
    account_id: int | None = None
    contact_id: int | None = Field(None, description="The account follows from the contact")
    customer_id: int | None = None
    participant_ids: list[int] = Field(default_factory=list)


class ActivityPatch(ActivityFields, VersionIn):
    kind: choice(ActivityKind) | None = None  # type: ignore[valid-type]
    occurred_at: DateTimeIn | None = None
    subject: str | None = Field(None, min_length=1, max_length=200)


class ActivityOut(OwnedOut):
    kind: str
    occurred_at: DateTimeOut
    subject: str
    body: str
    outcome_code: str
    outcome: str
    next_step: str
    next_step_due: date | None
    account_id: int | None
    contact_id: int | None
    customer_id: int | None
    participant_ids: list[int]

    @staticmethod
    def resolve_participant_ids(activity: Activity) -> list[int]:
        return [user.pk for user in activity.participants.all()]


class ActivityFilters(FilterSchema):
    account_id: int | None = None
    contact_id: int | None = None
    customer_id: int | None = None
    kind: choice(ActivityKind) | None = None  # type: ignore[valid-type]
    date_from: Annotated[date | None, FilterLookup("occurred_at__date__gte")] = Field(
        None, description="First day, inclusive (site time zone)")
    date_to: Annotated[date | None, FilterLookup("occurred_at__date__lte")] = Field(
        None, description="Last day, inclusive (site time zone)")


ACTIVITY_LINKS: dict[str, Source] = {"account_id": visible_accounts,
                                     "contact_id": visible_contacts,
                                     "customer_id": visible_customers}


@activities.get("", response=list[ActivityOut], summary="List activities you may see")
@paginate(Page)
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]) -> Any:
    return filters.filter(visible_activities(request.auth)).prefetch_related("participants")


@activities.post("", response={201: ActivityOut, **ERRORS}, summary="Log an activity")
def log_activity(request: HttpRequest, payload: ActivityIn) -> Any:
    data = resolve(request.auth, payload.dict(), ACTIVITY_LINKS)
    ids = set(data.pop("participant_ids"))
    participants = list(active_users(request.auth).filter(pk__in=ids))
    if len(participants) != len(ids):
        raise NotFound
    return Status(201, services.log_activity(actor=request.auth, participants=participants,
                                             **data))


@activities.get("/{activity_id}", response={200: ActivityOut, **ERRORS}, summary="One activity")
def get_activity(request: HttpRequest, activity_id: int) -> Activity:
    return access_activity(request.auth, activity_id)


@activities.patch("/{activity_id}", response={200: ActivityOut, **ERRORS},
                  summary="Change an activity (not what it is linked to)")
def update_activity(request: HttpRequest, activity_id: int, payload: ActivityPatch) -> Activity:
    activity = access_activity(request.auth, activity_id, write=True)
    version, data = changes(payload)
    return services.update_activity(actor=request.auth, activity=activity,
                                    expected_version=version, **data)


@activities.delete("/{activity_id}", response={204: None, **ERRORS},
                   summary="Delete an activity")
def delete_activity(request: HttpRequest, activity_id: int, version: int) -> Any:
    activity = access_activity(request.auth, activity_id, write=True)
    return deleted(lambda: services.delete_activity(actor=request.auth, activity=activity,
                                                    expected_version=version))


router.add_router("/activities", activities)
