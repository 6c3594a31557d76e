"""allauth's views under /accounts/, the admin, the shop's home page."""

from django.contrib import admin
from django.urls import include, path
from shop import views as shop_views

urlpatterns = [
    path("", shop_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    # The shop's home page links to Django's own views by name.
    path("django/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
