"""``manage.py hashless_status``: how far the migration has come.

Counts the users of ``AUTH_USER_MODEL`` by where their password lives, reading
``User.password`` only (no Cognito call), and lists the legacy hashes by algorithm.
``--ping`` also asks Cognito to check a password for a user that cannot exist, which
proves the pool, app client, auth flow and credentials are right. ``--json`` prints one
JSON object.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth import hashers as django_hashers
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import router

from hashless.django.conf import hashless_settings, in_scope
from hashless.django.engine import get_store
from hashless.django.records import credential_state
from hashless.errors import ConfigurationError, HashlessError, InvalidCredentials
from hashless.migration.records import CredentialState


def _algorithm(encoded: str) -> str:
    try:
        return str(django_hashers.identify_hasher(encoded).algorithm)
    except ValueError:
        return "unknown"


class Command(BaseCommand):
    help = "Show how many users' passwords live in Cognito and how many still wait to move."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--ping", action="store_true", help="also check that Cognito answers as configured"
        )
        parser.add_argument("--database", default=None, help="the database alias to read")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            hashless_settings()
        except ConfigurationError as exc:
            raise CommandError(str(exc)) from None
        model = get_user_model()
        using = options["database"] or router.db_for_read(model)
        counts: Counter[str] = Counter()
        legacy_formats: Counter[str] = Counter()
        for user in model._base_manager.using(using).iterator(chunk_size=2000):
            counts["total"] += 1
            state = credential_state(user)
            if state is CredentialState.COGNITO:
                counts["cognito"] += 1
            elif state is CredentialState.NONE:
                counts["none"] += 1
            elif in_scope(user):
                counts["legacy"] += 1
                legacy_formats[_algorithm(user.password)] += 1
            else:
                counts["local"] += 1
        status: dict[str, Any] = {
            "user_model": model._meta.label,
            "total": counts["total"],
            "cognito": counts["cognito"],
            "legacy": counts["legacy"],
            "local": counts["local"],
            "none": counts["none"],
            "legacy_formats": dict(sorted(legacy_formats.items())),
        }
        if options["ping"]:
            status["ping"] = self._ping()
        if options["json"]:
            self.stdout.write(json.dumps(status))
            return
        self._print(status)

    def _ping(self) -> str:
        try:
            get_store().check(f"hashless-ping-{secrets.token_hex(8)}", secrets.token_urlsafe(24))
        except InvalidCredentials:
            return "ok"
        except HashlessError as exc:
            return f"failed: {exc}"
        return "failed: Cognito accepted a password for a user that does not exist"

    def _print(self, status: dict[str, Any]) -> None:
        total = status["total"] or 1
        write = self.stdout.write
        write(f"hashless migration status for {status['user_model']}")
        write(f"  users                      {status['total']:>8}")
        rows = [
            ("cognito", "in Cognito"),
            ("legacy", "legacy hash, moves at login"),
            ("local", "local hash, out of scope"),
            ("none", "no usable password"),
        ]
        for key, label in rows:
            share = 100 * status[key] / total
            write(f"  {label:<27}{status[key]:>8}  {share:5.1f}%")
        for name, count in status["legacy_formats"].items():
            write(f"    {name:<25}{count:>8}")
        if "ping" in status:
            line = f"  Cognito ping: {status['ping']}"
            write(self.style.SUCCESS(line) if status["ping"] == "ok" else self.style.ERROR(line))
