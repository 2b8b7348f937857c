"""The loop of a sidecar command (`redress sweep --every`, `redress reports send-daily --every`): the embedded
setup's stand-in for Celery beat, started by `redress serve` and ended with it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TextIO

from django.db import close_old_connections


def run_every(
    one_pass: Callable[[], str | None], *, every: float, exit_with_parent: bool, name: str, stderr: TextIO
) -> None:
    """Run `one_pass` now and, with `every`, again each `every` seconds (a pass's answer is written by the
    pass itself). A failed pass is retried next time, not the end of the sidecar; run once (no `every`), it
    raises. `exit_with_parent`: stop when the process that started this one is gone."""
    parent = os.getppid()
    while True:
        close_old_connections()
        try:
            one_pass()
        except Exception as exc:
            stderr.write(f"{name} failed: {exc!r}")
            if not every:
                raise
        if not every:
            return
        deadline = time.monotonic() + every
        while time.monotonic() < deadline:
            if exit_with_parent and os.getppid() != parent:
                return
            time.sleep(1)
