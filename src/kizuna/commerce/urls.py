from django.urls import path

from kizuna.commerce import views

app_name = "commerce"

urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("orders/", views.order_list, name="order_list"),
]
