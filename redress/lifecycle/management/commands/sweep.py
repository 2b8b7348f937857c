"""`redress sweep`: one pass of the sweeper, for cron (safe to run on several machines at once).

`--every SECONDS` keeps sweeping; `redress serve` starts it that way as a sidecar in the embedded setup,
where no Celery beat runs (it then also relearns the registration suggestions once a day), and
`--exit-with-parent` ends it when the server stops.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from redress.audit.chain import seal
from redress.common.sidecar import run_every
from redress.lifecycle.sweeper import sweep
from redress.matching.suggest import train_if_stale
from redress.notifications.services import retry_due


class Command(BaseCommand):
    help = "Act once on due warnings, breached clocks and breached supervision notices."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every SECONDS (0: once)")
        parser.add_argument("--exit-with-parent", action="store_true", help="stop with the parent process")

    def handle(self, *args, every=0, exit_with_parent=False, **options):
        def one_pass() -> None:
            result = sweep().as_dict()
            # Without a broker nothing else retries failed e-mail, SMS and webhook sends.
            result["retried"] = retry_due()
            # The rows written since the last pass take their places in the audit chain (beat's own task).
            result["sealed"] = seal()
            if every:
                # Nor relearns the registration suggestions (beat does it each night): once a day.
                result["suggestions_learned"] = train_if_stale() is not None
            self.stdout.write(json.dumps(result))

        run_every(one_pass, every=every, exit_with_parent=exit_with_parent, name="sweep", stderr=self.stderr)
