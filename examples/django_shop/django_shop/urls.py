"""The shop's URLs: Django's own auth views and admin, unchanged."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from shop import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/delete/", views.delete_account, name="delete_account"),
    path("admin/", admin.site.urls),
]

if settings.HAS_DRF:
    urlpatterns.append(path("api/me/", views.api_me, name="api_me"))
