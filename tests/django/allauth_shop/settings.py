"""What a django-allauth project adds to the sample shop's settings."""

from __future__ import annotations

from typing import Any


def allauth_settings(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "INSTALLED_APPS": [*values["INSTALLED_APPS"], "allauth", "allauth.account"],
        "MIDDLEWARE": [*values["MIDDLEWARE"], "allauth.account.middleware.AccountMiddleware"],
        "ROOT_URLCONF": "tests.django.allauth_shop.urls",
        # allauth's documented pair: ModelBackend keeps the admin's username login.
        "AUTHENTICATION_BACKENDS": [
            "django.contrib.auth.backends.ModelBackend",
            "allauth.account.auth_backends.AuthenticationBackend",
        ],
        "ACCOUNT_LOGIN_METHODS": {"email"},
        "ACCOUNT_SIGNUP_FIELDS": ["email*", "password1*", "password2*"],
        "ACCOUNT_EMAIL_VERIFICATION": "none",
        # The timing test makes hundreds of failed logins from one address.
        "ACCOUNT_RATE_LIMITS": False,
    }
