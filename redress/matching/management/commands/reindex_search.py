"""`redress reindex-search`: rebuild the search index of every case (existing data, a changed dictionary)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from redress.cases.models import Case
from redress.matching import search


class Command(BaseCommand):
    help = (
        "Index every case's matter, demand, result reports and replies again for the register's search, "
        "in batches. Run after loading cases by other means and after changing the bank's terms. Safe to run "
        "beside live work and to run twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=search.REINDEX_BATCH, help="Cases per transaction."
        )

    def handle(self, *args, batch_size: int, verbosity: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        total = Case.objects.count()
        done = 0
        for done in search.reindex(batch_size):
            if verbosity > 1:
                self.stdout.write(f"{done:,} / about {total:,}")
        self.stdout.write(f"Indexed {done:,} cases.")
