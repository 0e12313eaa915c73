"""Platform pages: sign-in, home, language, password, API tokens, jobs, audit ledger."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.core import services
from kizuna.core.forms import ApiTokenForm, LanguageForm
from kizuna.core.jobs import NotRetryable, retry_job, start_job, visible_jobs
from kizuna.core.models import ApiToken, LedgerEntry


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        # Remember the language on this device too, so the sign-in page matches next time.
        if language := self.request.user.language:
            _set_language_cookie(response, language)
        return response


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE, secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language; remembered in a cookie and, when signed in, on the user."""
    form = LanguageForm(request.POST)
    response = redirect(_safe_next(request, reverse("core:home")))
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.set_language(actor=request.user, language=language)
    _set_language_cookie(response, language)
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"nav_active": "home"})


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.change_password(
            actor=request.user, user=request.user, new_password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password was changed."))
        return redirect("core:home")
    return render(request, "core/password_change.html", {"form": form})


# --- API tokens ----------------------------------------------------------------------------------


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, secret = services.create_api_token(
            actor=request.user, name=form.cleaned_data["name"]
        )
        # Shown once, on the page after the redirect: a reload must not create another token.
        request.session["new_api_token"] = secret
        return redirect("core:tokens")
    new_secret = request.session.pop("new_api_token", None)
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "core/tokens.html", {
        "form": form, "tokens": tokens, "new_secret": new_secret, "nav_active": "tokens",
    })


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_api_token(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("core:tokens")


# --- jobs ----------------------------------------------------------------------------------------


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(visible_jobs(request.user).select_related("created_by"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "core/job_list.html", {"page": page, "nav_active": "jobs"})


@login_required
def job_detail(request: HttpRequest, pk: str) -> HttpResponse:
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    template = "core/job_detail.html"
    if request.htmx and not request.htmx.boosted:
        template = "core/partials/job_status.html"
    return render(request, template, {"job": job, "nav_active": "jobs"})


@login_required
@require_POST
def job_retry(request: HttpRequest, pk: str) -> HttpResponse:
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    try:
        retry_job(actor=request.user, job=job)
    except NotRetryable as exc:
        messages.error(request, str(exc))
    return redirect("core:job_detail", pk=job.pk)


# --- audit ledger --------------------------------------------------------------------------------


def _require_admin(request: HttpRequest) -> None:
    if not request.user.is_administrator:
        raise PermissionDenied


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    entries = LedgerEntry.objects.select_related("actor").order_by("-seq")
    if model := request.GET.get("model"):
        entries = entries.filter(model=model)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/ledger.html", {"page": page, "nav_active": "ledger"})


@login_required
@require_POST
def ledger_verify(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    job = start_job(actor=request.user, kind="core.verify_ledger",
                    title=_("Verify the audit ledger"))
    return redirect("core:job_detail", pk=job.pk)


@login_required
def record_history(request: HttpRequest, model: str, object_id: str) -> HttpResponse:
    """The audit trail of one record (administrators)."""
    _require_admin(request)
    entries = LedgerEntry.objects.filter(model=model, object_id=object_id).select_related(
        "actor"
    ).order_by("-seq")
    try:
        model_name = apps.get_model(model)._meta.verbose_name
    except (LookupError, ValueError):
        # Entries about things without a table of their own (e.g. a demo data load).
        if not entries.exists():
            raise Http404 from None
        model_name = model
    return render(request, "core/record_history.html", {
        "entries": entries, "model_name": model_name,
        "object_id": object_id, "nav_active": "ledger",
    })
