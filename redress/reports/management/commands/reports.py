"""`redress reports rebuild` recounts every case's figures and the rollup; `redress reports verify` compares
the figures kept with a recount and names each difference (exit status 1 if there is one)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from redress.reports import figures


class Command(BaseCommand):
    help = (
        "rebuild: recount every case's figures and the daily rollup from the cases (after loading cases by "
        "other means, or after `verify` found a difference). verify: compare the figures kept with a "
        "recount from the cases and name each difference."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("what", choices=["rebuild", "verify"])

    def handle(self, *args, what: str, **options) -> None:
        started = time.monotonic()
        if what == "rebuild":
            done = figures.rebuild()
            self.stdout.write(f"Recounted {done:,} cases in {time.monotonic() - started:.1f} s.")
            return
        differences = figures.verify()
        for difference in differences:
            self.stdout.write(difference)
        if differences:
            raise CommandError(f"{len(differences)} differences between the figures kept and the cases.")
        self.stdout.write(f"The figures agree with the cases ({time.monotonic() - started:.1f} s).")
