from django.contrib import admin
from django.urls import include, path

from kizuna.api import api

admin.site.site_header = "Kizuna 絆"
admin.site.site_title = "Kizuna"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # customers: /accounts/, /contacts/, /customers/ (prefixes in the app's urls.py)
    path("", include("kizuna.customers.urls")),
    path("identity/", include("kizuna.customers.identity_urls")),
    path("", include("kizuna.commerce.urls")),
    path("", include("kizuna.pipeline.urls")),
    path("", include("kizuna.actions.urls")),  # /inbox/, /alerts/, /criteria/
    path("", include("kizuna.core.urls")),
]
