"""A serving process spares the garbage collector its start-up objects."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import gc, json
from hashless.service.app import _settle_garbage_collector
before = gc.get_threshold()[0]
_settle_garbage_collector()
frozen = gc.get_freeze_count()
later = [[] for _ in range(100)]  # objects of a later app
_settle_garbage_collector()
print(json.dumps([before, frozen, gc.get_freeze_count(), gc.get_threshold()[0]]))
"""


def test_start_up_objects_are_frozen_once_and_young_collections_are_rarer() -> None:
    """In a fresh interpreter: the first call freezes what exists (the modules, so
    thousands of objects) and raises the young generation's threshold from CPython's
    700 to 20 000; a second call (another app in the same process) freezes nothing
    more."""
    answer = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    )
    before, frozen, again, threshold = json.loads(answer.stdout)
    assert before == 700
    assert frozen > 10_000
    assert again == frozen
    assert threshold == 20_000
