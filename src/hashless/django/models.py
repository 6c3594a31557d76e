"""hashless' one table in a Django project: fences after password writes of unknown outcome."""

from __future__ import annotations

from django.db import models

__all__ = ["WriteFence"]


class WriteFence(models.Model):
    """Until when a Cognito password write for ``username`` may still land.

    Written (committed) before a password write is sent, as its claim, and kept when
    the write failed in a way Cognito may still apply (a read timeout, a server error,
    a process killed mid-send); every later write for the user waits for it to pass
    (see ``hashless.migration.engine``, rule 6). ``until`` is a POSIX timestamp, so it
    means the same whatever ``USE_TZ`` says.
    """

    username: models.CharField[str, str] = models.CharField(max_length=150, primary_key=True)
    until: models.FloatField[float, float] = models.FloatField()

    class Meta:
        app_label = "hashless"
        db_table = "hashless_write_fence"

    def __str__(self) -> str:
        return f"write fence for {self.username}"
