"""How the core waits and does heavy work, so that a caller on an event loop can say.

The core is synchronous. A worker thread may block in it; a login that the service
runs on the event loop itself (``hashless.service.on_loop``) may not: a sleep there, or
a legacy hash costing a core for 200 ms, would stall every other request of the
process. Whoever builds the engine and the credential store hands them the
``Blocking`` that fits the callers they will have; ``DIRECT`` suits threads only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, TypeVar

__all__ = ["DIRECT", "Blocking"]

T = TypeVar("T")


class Blocking(Protocol):
    def pause(self, seconds: float) -> None:
        """Wait ``seconds`` without holding up anyone else."""

    def offload(self, work: Callable[[], T]) -> T:
        """``work()``, CPU-heavy or waiting on a lock, off the caller's event loop."""


class _Direct:
    """Blocks the calling thread, which is all a worker thread has to give up."""

    def pause(self, seconds: float) -> None:
        time.sleep(seconds)

    def offload(self, work: Callable[[], T]) -> T:
        return work()


DIRECT: Blocking = _Direct()
