"""Parts of this suite run again in fresh Python processes, under another configuration.

Django's settings (the database, ``AUTH_USER_MODEL``) are fixed once per process, so
the PostgreSQL run and the custom-user-model runs each get their own process. They
are started together, the first time a test asks for one, and run side by side.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 300


class Run:
    """One ``pytest`` process over ``paths`` with ``env`` added to the environment."""

    def __init__(self, paths: list[str], env: dict[str, str]) -> None:
        self.env = env
        self.command = [
            sys.executable,
            *("-m", "pytest", "-q", "-p", "no:cacheprovider"),
            # tests/conftest.py (SQLAlchemy, the service) is not needed there.
            "--confcutdir=tests/django",
            *paths,
        ]
        # A file, not a pipe: an unread pipe would stall the process once it fills.
        self._output = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self._output,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait(self) -> str:
        """The run's output; ``AssertionError`` with that output if it failed."""
        try:
            code = self.process.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            code = -1
        self._output.seek(0)
        output = self._output.read()
        self._output.close()
        if code != 0:
            raise AssertionError(
                f"{' '.join(self.command[3:])} with {self.env} failed ({code}):\n{output[-8000:]}"
            )
        return output

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if not self._output.closed:
            self._output.close()
