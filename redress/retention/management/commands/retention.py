"""`redress retention run [--dry-run]` anonymises the closed cases past their retention period (R10.5,
decision 0037), or with `--dry-run` lists them and changes nothing; either way the run is recorded.
`redress retention daily --every SECONDS --exit-with-parent` is the embedded setup's sidecar (started by
`redress serve`): one run a day."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from redress.common.sidecar import run_every
from redress.retention import services


class Command(BaseCommand):
    help = (
        "run: anonymise the closed cases past their retention period (personal data and free text removed, "
        "figures kept; cases on legal hold left whole); --dry-run lists them. daily: the daily job."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("what", choices=["run", "daily"])
        parser.add_argument("--dry-run", action="store_true", help="run: list the cases, change nothing")
        parser.add_argument("--every", type=float, default=0, help="daily: check every SECONDS")
        parser.add_argument("--exit-with-parent", action="store_true", help="stop with the parent process")

    def handle(self, *args, what: str, dry_run=False, every=0, exit_with_parent=False, **options) -> None:
        if what == "run":
            record = services.run(dry_run=dry_run, started_by="command")
            for item in record.items.all():
                self.stdout.write(
                    f"{item.number}\tclosed {item.closed_at:%Y-%m-%d}\tkept until {item.kept_until:%Y-%m-%d}"
                )
            verb = "would be anonymised (dry run)" if dry_run else "anonymised"
            self.stdout.write(f"{record.cases} cases {verb}; run {record.pk}.")
            return

        def one_pass() -> None:
            record = services.run_daily()
            if record is not None:
                self.stdout.write(f"{record.cases} cases anonymised; run {record.pk}.")

        run_every(
            one_pass, every=every, exit_with_parent=exit_with_parent, name="retention", stderr=self.stderr
        )
