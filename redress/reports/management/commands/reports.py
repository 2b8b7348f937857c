"""`redress reports rebuild` recounts every case's figures and the rollup; `redress reports verify` compares
the figures kept with a recount and names each difference (exit status 1 if there is one);
`redress reports send-daily` sends the daily classified reports: of `--date`, or yesterday's once the
morning's time has come; with `--every SECONDS` it keeps doing so (the embedded setup's sidecar, started by
`redress serve` with `--exit-with-parent`)."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from redress.common.sidecar import run_every
from redress.reports import daily_report, figures


class Command(BaseCommand):
    help = (
        "rebuild: recount every case's figures and the daily rollup from the cases (after loading cases by "
        "other means, or after `verify` found a difference). verify: compare the figures kept with a "
        "recount from the cases and name each difference. send-daily: send the daily classified reports."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("what", choices=["rebuild", "verify", "send-daily"])
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
        elif date is not None:
            self.stdout.write(f"Sent {daily_report.send_reports(date)} daily reports of {date}.")
        else:
            self._send_due(every, exit_with_parent)

    def _send_due(self, every: float, exit_with_parent: bool) -> None:
        def one_pass() -> None:
            sent = daily_report.send_due()
            if sent or not every:
                self.stdout.write(f"Sent {sent} daily reports.")

        run_every(
            one_pass, every=every, exit_with_parent=exit_with_parent, name="daily reports", stderr=self.stderr
        )
