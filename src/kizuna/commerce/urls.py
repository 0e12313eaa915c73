from django.urls import path

from kizuna.commerce import views

app_name = "commerce"

urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/export/", views.product_export, name="product_export"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/export/", views.order_export, name="order_export"),
    path("installed/", views.installed_list, name="installed_list"),
    path("accounts/<int:account_pk>/installed/", views.installed_for_account,
         name="installed_for_account"),
    path("accounts/<int:account_pk>/installed/new/", views.installed_create,
         name="installed_create"),
    path("installed/<int:pk>/edit/", views.installed_edit, name="installed_edit"),
    path("installed/<int:pk>/delete/", views.installed_delete, name="installed_delete"),
]
