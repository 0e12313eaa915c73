from django.urls import path

from kizuna.pipeline import bottleneck_views, contract_views, feedback_views, views

app_name = "pipeline"

urlpatterns = [
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("pipeline/", views.funnel, name="funnel"),
    path("pipeline/bottleneck/", bottleneck_views.bottleneck, name="bottleneck"),
    path("pipeline/leads/", views.lead_list, name="lead_list"),
    path("pipeline/leads/new/", views.lead_create, name="lead_create"),
    path("pipeline/leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("pipeline/leads/<int:pk>/move/", views.lead_move, name="lead_move"),
    path("pipeline/leads/<int:pk>/feedback/", views.lead_feedback_add, name="lead_feedback"),
    path("pipeline/feedback/", feedback_views.feedback, name="feedback"),
    path("deals/", views.deal_list, name="deal_list"),
    path("deals/new/", views.deal_create, name="deal_create"),
    path("deals/board/", views.deal_board, name="deal_board"),
    path("deals/forecast/", views.deal_forecast_page, name="deal_forecast"),
    path("deals/<int:pk>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/delete/", views.deal_delete, name="deal_delete"),
    path("deals/<int:pk>/move/", views.deal_move, name="deal_move"),
    path("deals/<int:pk>/contacts/", views.deal_contact_add, name="deal_contact_add"),
    path("deals/<int:pk>/contacts/<int:contact_pk>/remove/", views.deal_contact_remove,
         name="deal_contact_remove"),
    path("contracts/", contract_views.contract_list, name="contract_list"),
    path("contracts/success/", contract_views.success_summary, name="success_summary"),
    path("contracts/<int:pk>/", contract_views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/move/", contract_views.contract_move, name="contract_move"),
    path("contracts/<int:pk>/renew/", contract_views.contract_renew, name="contract_renew"),
    path("contracts/<int:pk>/churn/", contract_views.contract_churn, name="contract_churn"),
]
