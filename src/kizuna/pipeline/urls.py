from django.urls import path

from kizuna.pipeline import bottleneck_views, views

app_name = "pipeline"

urlpatterns = [
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("pipeline/", views.funnel, name="funnel"),
    path("pipeline/bottleneck/", bottleneck_views.bottleneck, name="bottleneck"),
    path("pipeline/leads/", views.lead_list, name="lead_list"),
    path("pipeline/leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("pipeline/leads/<int:pk>/move/", views.lead_move, name="lead_move"),
]
