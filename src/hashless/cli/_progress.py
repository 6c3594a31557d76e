"""A progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import click

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(length: Callable[[], int | None], label: str) -> Iterator[Callable[[int], None]]:
    """Yields ``update(done)``, to be called with the units done so far.

    ``length`` is asked at the first update: a database source knows its size only
    once it is being read. Pipes, files and CI logs get no bar, only the summary.
    """
    if not sys.stderr.isatty():
        yield lambda done: None
        return
    with ExitStack() as stack:
        advance: Callable[[int], None] | None = None
        shown = 0

        def update(done: int) -> None:
            nonlocal advance, shown
            if advance is None:
                bar = click.progressbar(length=length() or 0, label=label, file=sys.stderr)
                advance = stack.enter_context(bar).update
            advance(done - shown)
            shown = done

        yield update
