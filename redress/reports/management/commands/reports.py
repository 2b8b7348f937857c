"""`redress reports rebuild` recounts every case's figures and the rollup; `redress reports verify` compares
the figures kept with a recount and names each difference (exit status 1 if there is one);
`redress reports fold` adds the changes registrations and transitions wrote to the rollup (beat does it every
few seconds; every read of the rollup does it first); `redress reports send-daily` sends the daily classified
reports: of `--date`, or yesterday's once the morning's time has come; with `--every SECONDS` it keeps doing
so, and folds each time (the embedded setup's sidecar, started by `redress serve` with
`--exit-with-parent`)."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from redress.common.sidecar import run_every
from redress.reports import daily_report, figures

# How often the sidecar looks whether the morning's reports are due (it may pass more often, to fold).
DAILY_CHECK_SECONDS = 60


class Command(BaseCommand):
    help = (
        "rebuild: recount every case's figures and the daily rollup from the cases (after loading cases by "
        "other means, or after `verify` found a difference). verify: compare the figures kept with a "
        "recount from the cases and name each difference. fold: add the changes written since the last "
        "fold to the rollup. send-daily: send the daily classified reports."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("what", choices=["rebuild", "verify", "fold", "send-daily"])
        parser.add_argument("--date", type=dt.date.fromisoformat, help="send-daily: this day's (YYYY-MM-DD)")
        parser.add_argument("--every", type=float, default=0, help="send-daily: repeat every SECONDS")
        parser.add_argument("--exit-with-parent", action="store_true", help="stop with the parent process")

    def handle(self, *args, what: str, date=None, every=0, exit_with_parent=False, **options) -> None:
        started = time.monotonic()
        if what == "rebuild":
            done = figures.rebuild()
            self.stdout.write(f"Recounted {done:,} cases in {time.monotonic() - started:.1f} s.")
        elif what == "verify":
            differences = figures.verify()
            for difference in differences:
                self.stdout.write(difference)
            if differences:
                raise CommandError(f"{len(differences)} differences between the figures kept and the cases.")
            self.stdout.write(f"The figures agree with the cases ({time.monotonic() - started:.1f} s).")
        elif what == "fold":
            self.stdout.write(f"Folded {figures.fold():,} changes into the rollup.")
        elif date is not None:
            self.stdout.write(f"Sent {daily_report.send_reports(date)} daily reports of {date}.")
        else:
            self._send_due(every, exit_with_parent)

    def _send_due(self, every: float, exit_with_parent: bool) -> None:
        checked = [-float("inf")]

        def one_pass() -> None:
            if every:
                # No beat in the embedded setup: the rollup's changes are folded here, each pass (readers fold
                # what is left), and the morning's reports looked for once a minute.
                figures.fold()
                if time.monotonic() - checked[0] < DAILY_CHECK_SECONDS:
                    return
                checked[0] = time.monotonic()
            sent = daily_report.send_due()
            if sent or not every:
                self.stdout.write(f"Sent {sent} daily reports.")

        run_every(
            one_pass, every=every, exit_with_parent=exit_with_parent, name="daily reports", stderr=self.stderr
        )
