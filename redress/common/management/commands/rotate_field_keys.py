"""`redress rotate-field-keys`: re-encrypt the personal data still under an older key (decision 0031).

Put the new key first in REDRESS_FIELD_KEYS (keep the old ones after it), restart every process, then run
this: it finds the values whose key id is not the current one with SQL, a batch at a time, and writes them
again under the current key. It may be interrupted and run again. When it reports nothing left, the old
keys may be removed from REDRESS_FIELD_KEYS.

`--reindex` also computes every blind index again: run it after changing REDRESS_FIELD_INDEX_KEY (lookups by
phone or ID number miss the rows not yet reindexed until it finishes: a maintenance window).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from redress.common.rotation import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt personal data under the current field key, in batches (and with --reindex, re-index it)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="rows per transaction (default 1000)"
        )
        parser.add_argument("--reindex", action="store_true", help="also recompute every blind index")

    def handle(self, *args, batch_size=1000, reindex=False, **options):
        for label, count in rotate_all(batch_size=batch_size, reindex=reindex).items():
            self.stdout.write(f"{label}: {count} rewritten")
