"""What every command shares: one-line errors with the fix."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from hashless.errors import ConfigurationError, HashlessError

__all__ = ["friendly_errors"]

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(command: F) -> F:
    """Every configuration problem ends the command with one line saying the fix."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ConfigurationError as exc:
            click.echo(f"hashless: {exc}", err=True)
            sys.exit(2)
        except HashlessError as exc:
            click.echo(f"hashless: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]
