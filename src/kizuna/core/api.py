"""API conventions every router reuses: token auth, error bodies, pagination (ARCHITECTURE).

Errors always have the same body::

    {"code": "validation_error", "message": "…", "fields": {"name": ["…"]}}

Lists are paginated with ``?page=N&page_size=M`` (M ≤ 200) and answer
``{"items": [...], "count": total, "page": N, "page_size": M, "pages": P}``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, QuerySet
from django.db.models.enums import TextChoices
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase
from ninja.security import HttpBearer
from pydantic import AfterValidator, PlainSerializer, WithJsonSchema

from kizuna.core.access import NotFound
from kizuna.core.jobs import visible_jobs
from kizuna.core.models import Team, User
from kizuna.core.services import ConcurrentEdit, authenticate_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer kzn_…`` with a personal token created in the UI."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = Field(default_factory=dict)


def error(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str,
          fields: dict[str, list[str]] | None = None) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or {}}, status=status
    )


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            loc = [str(part) for part in err.get("loc", []) if part not in {"body", "query",
                                                                            "path", "payload"}]
            fields.setdefault(".".join(loc) or "__all__", []).append(err.get("msg", ""))
        return error(api, request, 422, "validation_error", _("The input is not valid."), fields)

    @api.exception_handler(DjangoValidationError)
    def model_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        fields = ({k: [str(m) for m in v] for k, v in exc.message_dict.items()}
                  if hasattr(exc, "error_dict") else {"__all__": [str(m) for m in exc.messages]})
        return error(api, request, 422, "validation_error", _("The input is not valid."), fields)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error(api, request, 401, "unauthenticated",
                     _("A valid API token is required (Authorization: Bearer …)."))

    @api.exception_handler(NotFound)
    def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
        return error(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error(api, request, 403, "permission_denied",
                     str(exc) or _("You do not have permission to do this."))

    @api.exception_handler(ConcurrentEdit)
    def conflict(request: HttpRequest, exc: ConcurrentEdit) -> HttpResponse:
        return error(api, request, 409, "conflict", str(exc))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
                409: "conflict", 429: "throttled"}.get(exc.status_code, "error")
        return error(api, request, exc.status_code, code, str(exc))


class Page(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1)
        page_size: int = Field(50, ge=1, le=200)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int
        pages: int

    def paginate_queryset(self, queryset: QuerySet, pagination: Input, request: HttpRequest,
                          **params: Any) -> dict[str, Any]:
        count = self._items_count(queryset)
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "items": list(queryset[offset:offset + pagination.page_size]),
            "count": count,
            "page": pagination.page,
            "page_size": pagination.page_size,
            "pages": max(1, math.ceil(count / pagination.page_size)),
        }


# --- helpers every router uses ----------------------------------------------------------------

ERRORS: dict[int, Any] = {401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody,
                          422: ErrorBody}


def _local_iso(value: datetime) -> str:
    # Stored in UTC, answered in the site's time zone (Asia/Tokyo) with its offset.
    return timezone.localtime(value).isoformat()


def _aware(value: datetime) -> datetime:
    # A naive time from a client means the site's time zone, never "UTC by accident".
    return timezone.make_aware(value) if timezone.is_naive(value) else value


DateTimeOut = Annotated[datetime, PlainSerializer(_local_iso, return_type=str),
                        WithJsonSchema({"type": "string", "format": "date-time"})]
DateTimeIn = Annotated[datetime, AfterValidator(_aware)]


def choice(choices: type[TextChoices], *, blank: bool = False) -> Any:
    """A Literal of the choice values (and "" if ``blank``): the OpenAPI document lists them."""
    values = dict.fromkeys([*choices.values, *([""] if blank else [])])
    return Literal[tuple(values)]  # type: ignore[valid-type]


class RecordOut(Schema):
    id: int
    version: int = Field(..., description="Send it back with PATCH/DELETE (optimistic locking)")
    created_at: DateTimeOut
    updated_at: DateTimeOut


class OwnedOut(RecordOut):
    owner_id: int
    team_id: int | None


class OwnedIn(Schema):
    owner_id: int | None = Field(None, description="Defaults to you; only managers and "
                                                    "administrators assign someone else")
    team_id: int | None = Field(None, description="Share the record with one of your teams")


class VersionIn(Schema):
    version: int = Field(..., description="The version you read; a stale version is refused "
                                          "(409)")


Source = Callable[[User], QuerySet[Any]]


def active_users(_user: User) -> QuerySet[User]:
    return User.objects.filter(is_active=True)


def all_teams(_user: User) -> QuerySet[Team]:
    return Team.objects.all()


def everyone(model: type[Any]) -> Source:
    """For company-wide records such as masters: every user may see (and link to) them."""
    return lambda _user: model._default_manager.all()


OWNED: dict[str, Source] = {"owner_id": active_users, "team_id": all_teams}


def resolve(actor: User, data: dict[str, Any], sources: Mapping[str, Source]) -> dict[str, Any]:
    """Turn each ``<name>_id`` present in ``data`` into the object ``actor`` may see.

    ``sources`` maps the id field to the queryset of what the actor may see (``visible_*``);
    an id outside it answers 404, like ``access_*``. ``None`` clears the relation.
    """
    out = dict(data)
    for key, source in sources.items():
        if key not in out:
            continue
        pk = out.pop(key)
        name = key.removesuffix("_id")
        if pk is None:
            out[name] = None
            continue
        obj = source(actor).filter(pk=pk).first()
        if obj is None:
            raise NotFound
        out[name] = obj
    return out


def changes(payload: Schema) -> tuple[int, dict[str, Any]]:
    """(version, the fields the client sent) of a PATCH body."""
    data = payload.dict(exclude_unset=True)
    return data.pop("version"), data


def deleted(delete: Callable[[], object]) -> Any:
    """Run a service delete: 204, or 409 when other records still point to this one."""
    try:
        delete()
    except ProtectedError:
        return Status(409, {"code": "conflict", "fields": {}, "message": _(
            "This record cannot be deleted because other records (such as orders) still "
            "refer to it.")})
    return Status(204, None)



# --- platform endpoints --------------------------------------------------------------------------

router = Router(tags=["platform"])


class TeamOut(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str
    language: str
    teams: list[TeamOut]


@router.get("/me", response=MeOut, summary="The user behind the token")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.auth
    return {"id": user.pk, "username": user.username, "name": str(user), "email": user.email,
            "role": user.role, "language": user.language, "teams": list(user.teams.all())}


class JobOut(Schema):
    id: str
    kind: str
    title: str
    status: str
    progress: int
    total: int | None
    result: Any | None
    error: str


@router.get("/jobs/{job_id}", response={200: JobOut, 404: ErrorBody}, summary="One job's status")
def job(request: HttpRequest, job_id: str) -> Any:
    found = visible_jobs(request.auth).filter(pk=job_id).first() if _is_uuid(job_id) else None
    if found is None:
        raise NotFound
    return {**{f: getattr(found, f) for f in ("kind", "title", "status", "progress", "total",
                                              "result", "error")}, "id": str(found.pk)}


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
