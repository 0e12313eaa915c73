from __future__ import annotations

from django.db.models import QuerySet

from kizuna.core.access import access, visible
from kizuna.core.models import User
from kizuna.pipeline.models import Activity


def visible_activities(user: User) -> QuerySet[Activity]:
    return visible(user, Activity.objects.select_related("owner", "account", "contact",
                                                         "customer"))


def access_activity(user: User, pk: object, *, write: bool = False) -> Activity:
    return access(user, Activity.objects.select_related("owner", "account", "contact",
                                                        "customer"), pk, write=write)
