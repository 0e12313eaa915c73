"""Customer-data pages: accounts (/accounts/) and their departments (/departments/), contacts
(/contacts/), customers (/customers/).

Mounted at the site root so that the three lists share the ``customers:`` namespace.
"""

from django.urls import path

from kizuna.customers import value_views, views

app_name = "customers"

urlpatterns = [
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/export/", views.account_export, name="account_export"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<int:pk>/delete/", views.account_delete, name="account_delete"),
    path("accounts/<int:account_pk>/departments/new/", views.department_create,
         name="department_create"),
    path("departments/<int:pk>/", views.department_detail, name="department_detail"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("departments/<int:pk>/delete/", views.department_delete, name="department_delete"),
    path("postal-code/", views.postal_lookup, name="postal_lookup"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/export/", views.contact_export, name="contact_export"),
    path("contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/export/", views.customer_export, name="customer_export"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("customers/<int:pk>/delete/", views.customer_delete, name="customer_delete"),
]

# Customer value analytics (kizuna.customers.value_views): managers and administrators.

urlpatterns += [
    path("analytics/rfm/", value_views.rfm_page, name="value_rfm"),
    path("analytics/rfm/export/", value_views.rfm_export, name="value_rfm_export"),
    path("analytics/rfm/segment/", value_views.segment_customers, name="value_segment"),
    path("analytics/cohorts/", value_views.cohort_page, name="value_cohorts"),
    path("analytics/cohorts/export/", value_views.cohort_export, name="value_cohorts_export"),
]
