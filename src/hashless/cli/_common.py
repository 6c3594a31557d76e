"""What every command shares: one-line errors with the fix."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import click

from hashless.errors import ConfigurationError, HashlessError

__all__ = ["Summary", "finish", "friendly_errors"]

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


class Summary(Protocol):
    def to_json(self) -> Any: ...

    def render(self) -> str: ...


def finish(summary: Summary, *, as_json: bool, failed: bool) -> None:
    """Print a command's summary as text or JSON; exit 1 when some of its work failed."""
    if as_json:
        click.echo(json.dumps(summary.to_json(), indent=2))
    else:
        click.echo(summary.render(), nl=False)
    if failed:
        sys.exit(1)
