"""List pages and form handling shared by every app (STYLE §4).

Keyset pages instead of OFFSET and COUNT, so that lists stay fast at a million rows; one URL
renders the full page or only its table for htmx; service errors land on form fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Model, Q, QuerySet, Value, When
from django.db.models.sql.where import WhereNode
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kizuna.core.access import NotFound, editable_q
from kizuna.core.forms import ListFilterForm, ServiceForm, apply_service_error
from kizuna.core.services import ConcurrentEdit

M = TypeVar("M", bound=Model)

# --- keyset lists -----------------------------------------------------------------------

PAGE_SIZE = 50
# Counting a million visible rows on every page view is what makes big lists slow; the first page
# counts at most this many (shown as "1,000+"), later pages do not count at all.
COUNT_LIMIT = 1000


@dataclass
class KeysetPage:
    """One page of a list, found by "the rows after this one" instead of an OFFSET."""

    rows: list[Any]
    next_after: int | None  # pk of the last row when there is a next page
    is_first: bool
    count: int | None = None  # only on the first page
    count_capped: bool = False


class PageFinder(Protocol):
    """A faster way to the first rows of one queryset than its plain query, e.g. a search in
    あいうえお order (kizuna.customers.search.OrderedSearch)."""

    def find(self, queryset: QuerySet[Any], order: tuple[str, ...], limit: int,
             count_limit: int | None) -> tuple[list[Any], int | None] | None:
        """The primary keys of the first ``limit`` rows of ``queryset`` in ``order`` and, if
        ``count_limit`` is given, the number of its rows (exact up to ``count_limit``, else
        ``count_limit + 1``); or None: then the plain query runs."""


_FINDER = "kizuna_page_finder"  # an attribute of the Query: it survives filter() and order_by()


def with_page_finder(queryset: QuerySet[M], finder: PageFinder) -> QuerySet[M]:
    """``queryset`` marked so that ``keyset_page`` asks ``finder`` for its rows."""
    queryset = queryset.all()
    setattr(queryset.query, _FINDER, finder)
    return queryset


def keyset_page(queryset: QuerySet[M], order: tuple[str, ...], after: str | None,
                size: int | None = None) -> KeysetPage:
    """Rows of ``queryset`` in ``order`` (which ends with a unique "pk"/"-pk") after the row
    whose pk is ``after``; fetches ``size + 1`` rows to know whether there is a next page."""
    size = size or PAGE_SIZE
    queryset = queryset.order_by(*order)
    is_first = True
    if after and after.isdigit():
        names = [o.lstrip("-") for o in order]
        anchor = queryset.model._default_manager.filter(pk=int(after)).values(*names).first()
        if anchor is not None:
            queryset = queryset.filter(_after(order, anchor))
            is_first = False
    finder: PageFinder | None = getattr(queryset.query, _FINDER, None)
    found = finder.find(queryset, order, size + 1, COUNT_LIMIT if is_first else None) \
        if finder else None
    count: int | None = None
    if found is None:
        rows = list(queryset[: size + 1])
    else:
        pks, count = found
        rows = _rows_with_pks(queryset, pks)
    has_next = len(rows) > size
    rows = rows[:size]
    page = KeysetPage(rows=rows, next_after=rows[-1].pk if has_next else None,
                      is_first=is_first)
    if is_first:
        if has_next:
            if count is None:
                count = queryset.order_by()[: COUNT_LIMIT + 1].count()
            page.count, page.count_capped = min(count, COUNT_LIMIT), count > COUNT_LIMIT
        else:
            page.count = len(rows)
    return page


def _rows_with_pks(queryset: QuerySet[M], pks: list[Any]) -> list[M]:
    """The rows of ``queryset`` with these primary keys, which a PageFinder took from it.

    Its conditions are left out: they hold for these rows already, and kept they may lead the
    planner astray. With `search_key LIKE '%やまだ%'` still there, PostgreSQL read all of the
    name's matches through the trigram index (estimated at 5, ~16,000 at a million customers)
    and kept the 51 it was given, instead of fetching those 51 by primary key. Joins and
    annotations stay: the rows come out as the queryset would give them."""
    fetch = queryset.all()
    fetch.query.where = WhereNode()
    return list(fetch.filter(pk__in=pks))


def _after(order: tuple[str, ...], anchor: dict[str, Any]) -> Q:
    """a >= x and ((a > x) or (a = x and b > y) or …), with < for descending fields.

    The first term repeats what the rest says: a database can start an index scan at it, while
    it can only filter by the OR."""
    condition, equal = Q(), {}
    for field in order:
        name = field.lstrip("-")
        lookup = "lt" if field.startswith("-") else "gt"
        condition |= Q(**equal, **{f"{name}__{lookup}": anchor[name]})
        equal[name] = anchor[name]
    first = order[0].lstrip("-")
    if len(order) > 1 and anchor[first] is not None:
        lookup = "lte" if order[0].startswith("-") else "gte"
        condition = Q(**{f"{first}__{lookup}": anchor[first]}) & condition
    return condition


def render_list(request: HttpRequest, *, queryset: QuerySet[Any], form: ListFilterForm,
                orders: dict[str, tuple[str, ...]], table: str, context: dict[str, Any]
                ) -> HttpResponse:
    """The full list page, or only its table for htmx (STYLE §4)."""
    sort = form.values().get("sort") or next(iter(orders))
    page = keyset_page(queryset, orders.get(sort, next(iter(orders.values()))),
                       request.GET.get("after"))
    context = {**context, "page": page, "filter_form": form, "table_template": table,
               "list_id": form.list_id,
               "q": form.values().get("q", "")}
    if request.htmx and not request.htmx.boosted:
        return render(request, table, context)
    return render(request, "core/list_page.html", context)



# --- shared form handling ------------------------------------------------------------------------


def save_form(request: HttpRequest, form: ServiceForm, save: Callable[[int | None, dict[str, Any]],
              Any]) -> Any:
    """Run ``save(version, data)`` for a valid form; service errors land on the form.

    Returns the saved record, or None when the form must be shown again.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    version, data = form.service_data()
    try:
        return save(version, data)
    except ConcurrentEdit as exc:
        form.add_error(None, str(exc))
    except ValidationError as exc:
        apply_service_error(form, exc)
    return None


def with_editable(queryset: QuerySet[M], user: Any, *, owner: str = "owner",
                  team: str = "team") -> QuerySet[M]:
    """Annotate ``editable`` from the access rules, so a list shows Edit links without a query
    per row. ``owner``/``team``: the paths to them, for records that follow another's rules
    (e.g. "account__owner")."""
    if user.is_administrator:
        return queryset.annotate(editable=Value(True, output_field=BooleanField()))
    return queryset.annotate(editable=Case(When(editable_q(user, owner=owner, team=team),
                                                then=Value(True)),
                                           default=Value(False), output_field=BooleanField()))


def get_or_404(fetch: Callable[..., M], request: HttpRequest, pk: object, **kwargs: Any) -> M:
    try:
        return fetch(request.user, pk, **kwargs)
    except NotFound:
        raise Http404 from None


