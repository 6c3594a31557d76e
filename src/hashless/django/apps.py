"""The ``hashless.django`` app: connects the save and delete hooks and the system checks."""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["HashlessConfig"]


class HashlessConfig(AppConfig):
    name = "hashless.django"
    label = "hashless"
    verbose_name = "hashless"

    def ready(self) -> None:
        from hashless.django import checks, signals

        checks.register()
        signals.connect()
