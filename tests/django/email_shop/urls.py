"""The email shop: its own login and sign-up, Django's password views, the admin."""

from django.contrib import admin
from django.urls import include, path
from shop import views as shop_views

from tests.django.email_shop import views

urlpatterns = [
    path("", shop_views.home, name="home"),
    path("accounts/login/", views.EmailLoginView.as_view(), name="email_login"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
