"""Action-engine pages: /inbox/, /alerts/<id>/, /criteria/."""

from django.urls import path

from kizuna.actions import effectiveness_views, scorecard_views, views, whitespace_views

app_name = "actions"

urlpatterns = [
    path("inbox/", views.inbox_page, name="inbox"),
    path("inbox/badge/", views.inbox_badge, name="inbox_badge"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/done/", views.alert_done, name="alert_done"),
    path("alerts/<int:pk>/snooze/", views.alert_snooze, name="alert_snooze"),
    path("alerts/<int:pk>/reassign/", views.alert_reassign, name="alert_reassign"),
    path("criteria/", views.criterion_list, name="criterion_list"),
    path("criteria/new/", views.criterion_create, name="criterion_create"),
    path("criteria/run/", views.criteria_run_all, name="criteria_run_all"),
    path("criteria/install-examples/", views.criteria_install, name="criteria_install"),
    path("criteria/effectiveness/", effectiveness_views.effectiveness, name="effectiveness"),
    path("criteria/<int:pk>/", views.criterion_detail, name="criterion_detail"),
    path("criteria/<int:pk>/effectiveness/", effectiveness_views.criterion_effectiveness,
         name="criterion_effectiveness"),
    path("criteria/<int:pk>/edit/", views.criterion_edit, name="criterion_edit"),
    path("criteria/<int:pk>/preview/", views.criterion_preview, name="criterion_preview"),
    path("criteria/<int:pk>/toggle/", views.criterion_toggle, name="criterion_toggle"),
    path("criteria/<int:pk>/run/", views.criterion_run, name="criterion_run"),
    # scorecards and whitespace (docs/decisions/0202)
    path("scorecards/", scorecard_views.scorecard_list, name="scorecard_list"),
    path("scorecards/new/", scorecard_views.scorecard_create, name="scorecard_create"),
    path("scorecards/gaps/", scorecard_views.scorecard_gaps, name="scorecard_gaps"),
    path("scorecards/accounts/<int:record_id>/", scorecard_views.account_scores,
         name="account_scores"),
    path("scorecards/<int:pk>/", scorecard_views.scorecard_detail, name="scorecard_detail"),
    path("scorecards/<int:pk>/edit/", scorecard_views.scorecard_edit, name="scorecard_edit"),
    path("scorecards/<int:pk>/records/<int:record_id>/", scorecard_views.scorecard_rate,
         name="scorecard_rate"),
    path("scorecards/<int:pk>/records/<int:record_id>/correct/<int:rating_id>/",
         scorecard_views.scorecard_correct, name="scorecard_correct"),
    path("whitespace/", whitespace_views.whitespace_summary, name="whitespace_summary"),
    path("whitespace/accounts/<int:pk>/", whitespace_views.whitespace_matrix,
         name="whitespace_matrix"),
    path("whitespace/accounts/<int:pk>/set/", whitespace_views.whitespace_set,
         name="whitespace_set"),
    path("whitespace/accounts/<int:pk>/history/", whitespace_views.whitespace_history,
         name="whitespace_history"),
]
