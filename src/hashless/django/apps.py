"""The ``hashless`` app: hashless' ``check_password``, the save and delete hooks, the checks."""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["HashlessConfig"]


class HashlessConfig(AppConfig):
    name = "hashless.django"
    label = "hashless"
    verbose_name = "hashless"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from hashless.django import checking, checks, signals

        checking.install(get_user_model())
        checks.register()
        signals.connect()
