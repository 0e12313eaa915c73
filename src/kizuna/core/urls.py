from django.contrib.auth import views as auth_views
from django.urls import path

from kizuna.core import import_views, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/tokens/", views.token_list, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/retry/", views.job_retry, name="job_retry"),
    path("imports/new/", import_views.import_start, name="import_start"),
    path("imports/run/", import_views.import_run, name="import_run"),
    path("imports/<uuid:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("imports/<uuid:pk>/report.csv", import_views.import_report, name="import_report"),
    path("audit/", views.ledger, name="ledger"),
    path("audit/verify/", views.ledger_verify, name="ledger_verify"),
    path("audit/<str:model>/<str:object_id>/", views.record_history, name="record_history"),
]
