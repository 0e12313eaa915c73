"""Identity resolution (名寄せ) pages under /identity/."""

from django.urls import path

from kizuna.customers import identity_views

app_name = "identity"

urlpatterns = [
    path("", identity_views.queue, name="queue"),
    path("scan/", identity_views.scan, name="scan"),
    path("groups/<int:pk>/", identity_views.review, name="review"),
    path("merges/<int:pk>/undo/", identity_views.undo, name="undo"),
]
