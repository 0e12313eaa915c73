"""Platform pages: sign-in and throttling, language, password, tokens, jobs, ledger, headers."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from kizuna.core.jobs import start_job
from kizuna.core.models import ApiToken, Job, JobStatus, LedgerEntry, Role
from kizuna.customers.services import create_account
from tests.conftest import PASSWORD


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_login_page_is_japanese_by_default(db) -> None:  # type: ignore[no-untyped-def]
    body = Client().get("/login/").content.decode()
    assert '<html lang="ja">' in body
    assert "ログイン" in body


def test_login_and_logout(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(username="hanako")
    client = Client()
    response = client.post("/login/", {"username": "hanako", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302
    assert user.is_authenticated


def test_login_is_throttled_after_repeated_failures(make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(username="target")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "target", "password": "wrong-password"})
    locked = client.post("/login/", {"username": "target", "password": PASSWORD})
    assert locked.status_code == 429
    assert "15" in locked.content.decode()
    # Another user from the same address is not locked out.
    make_user(username="bystander")
    ok = Client().post("/login/", {"username": "bystander", "password": PASSWORD})
    assert ok.status_code == 302


def test_language_switch_is_remembered_on_the_user(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = logged_in(user)
    response = client.post("/language/", {"language": "en", "next": "/accounts/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    user.refresh_from_db()
    assert user.language == "en"
    # A new device without the cookie still gets English once signed in.
    assert '<html lang="en">' in logged_in(user).get("/").content.decode()


def test_language_switch_refuses_foreign_redirects(db) -> None:  # type: ignore[no-untyped-def]
    response = Client().post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_password_change(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = logged_in(user)
    assert client.get("/account/password/").status_code == 200
    response = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": "a-brand-new-passphrase",
        "new_password2": "a-brand-new-passphrase",
    })
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")
    assert client.get("/").status_code == 200  # the session survives the change
    assert LedgerEntry.objects.filter(action="password_change", object_id=str(user.pk)).exists()


def test_token_page_shows_secret_once(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = logged_in(user)
    response = client.post("/account/tokens/", {"name": "Excel連携"})
    assert response.status_code == 302  # post/redirect/get: a reload cannot create another
    created = client.get(response["Location"]).content.decode()
    assert 'data-testid="new-token-value"' in created
    listing = client.get("/account/tokens/").content.decode()
    assert "Excel連携" in listing and 'data-testid="new-token-value"' not in listing
    token = ApiToken.objects.get()
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_cannot_revoke_someone_elses_token(make_user) -> None:  # type: ignore[no-untyped-def]
    owner, other = make_user(), make_user()
    logged_in(owner).post("/account/tokens/", {"name": "mine"})
    token = ApiToken.objects.get()
    assert logged_in(other).post(f"/account/tokens/{token.pk}/revoke/").status_code == 404


def test_ledger_pages_are_for_administrators(make_user, admin_user) -> None:  # type: ignore[no-untyped-def]
    rep = make_user()
    account = create_account(actor=rep, name="監査対象")
    assert logged_in(rep).get("/audit/").status_code == 403
    assert logged_in(rep).get(f"/audit/customers.account/{account.pk}/").status_code == 403
    admin = logged_in(admin_user)
    page = admin.get("/audit/").content.decode()
    assert "監査対象" in page
    # Field names and actions in the user's language, not column names.
    assert "<dt>会社名</dt>" in page and "<td>作成</td>" in page
    history = admin.get(f"/audit/customers.account/{account.pk}/")
    assert history.content.decode().count('data-testid="ledger-row"') == 1
    assert admin.get("/audit/nope.model/1/").status_code == 404


def test_ledger_verify_runs_as_a_job(admin_user, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(admin_user)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/audit/verify/")
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == "core.verify_ledger" and job.status == JobStatus.QUEUED
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page  # still running: the status polls
    fragment = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'data-testid="job-status"' in fragment
    assert "Verify" in client.get("/jobs/").content.decode() or "検証" in client.get(
        "/jobs/").content.decode()


def test_jobs_are_private_to_their_starter(make_user, admin_user) -> None:  # type: ignore[no-untyped-def]
    job = start_job(actor=admin_user, kind="core.verify_ledger", title="x")
    assert logged_in(make_user()).get(f"/jobs/{job.pk}/").status_code == 404


def test_security_headers_and_csp(db) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/login/")
    csp = response["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'"]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.content.decode()  # no inline scripts anywhere


def test_every_form_has_csrf_and_assets_are_local(make_user) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(make_user(Role.MANAGER))
    for url in ("/", "/accounts/", "/accounts/new/", "/account/tokens/", "/account/password/"):
        body = client.get(url).content.decode()
        assert body.count("<form") == body.count("csrfmiddlewaretoken") + body.count(
            'method="get"'), url
        assert "http://" not in body.replace("http://127.0.0.1", "") and "https://" not in body


@pytest.mark.parametrize("path", [
    "/static/django_htmx/htmx-2.min.js", "/static/plotly/plotly.min.js",
    "/static/kizuna/app.js", "/static/kizuna/app.css",
])
def test_static_assets_are_served_locally(db, path: str) -> None:  # type: ignore[no-untyped-def]
    response = Client().get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)


def test_history_of_an_entry_without_a_model(admin_user) -> None:  # type: ignore[no-untyped-def]
    from django.db import transaction

    from kizuna.core.ledger import record_change
    from kizuna.core.models import Team

    marker = Team(pk=999, name="x")
    with transaction.atomic():
        entry = record_change(admin_user, "demo_load", marker, {"rows": [0, 10]})
    LedgerEntry.objects.filter(pk=entry.pk).update(model="demo.dataset", object_id="seed-1")
    client = logged_in(admin_user)
    page = client.get("/audit/demo.dataset/seed-1/")
    assert page.status_code == 200 and "demo.dataset" in page.content.decode()
    assert client.get("/audit/demo.dataset/seed-2/").status_code == 404
