"""Action-engine pages: /inbox/, /alerts/<id>/, /criteria/."""

from django.urls import path

from kizuna.actions import views

app_name = "actions"

urlpatterns = [
    path("inbox/", views.inbox_page, name="inbox"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/done/", views.alert_done, name="alert_done"),
    path("alerts/<int:pk>/snooze/", views.alert_snooze, name="alert_snooze"),
    path("alerts/<int:pk>/reassign/", views.alert_reassign, name="alert_reassign"),
    path("criteria/", views.criterion_list, name="criterion_list"),
    path("criteria/new/", views.criterion_create, name="criterion_create"),
    path("criteria/run/", views.criteria_run_all, name="criteria_run_all"),
    path("criteria/install-examples/", views.criteria_install, name="criteria_install"),
    path("criteria/<int:pk>/", views.criterion_detail, name="criterion_detail"),
    path("criteria/<int:pk>/edit/", views.criterion_edit, name="criterion_edit"),
    path("criteria/<int:pk>/preview/", views.criterion_preview, name="criterion_preview"),
    path("criteria/<int:pk>/toggle/", views.criterion_toggle, name="criterion_toggle"),
    path("criteria/<int:pk>/run/", views.criterion_run, name="criterion_run"),
]
