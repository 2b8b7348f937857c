"""Load an edition of the regulatory classification from a CSV file (see redress/cases/classification.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from redress.cases.classification import ClassificationFileError, load_version
from redress.cases.models import ClassificationItem, ClassificationVersion


class Command(BaseCommand):
    help = "Load a classification edition (CSV: dimension,label,label_en,code) and make it the active one."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--name", required=True, help="edition name, e.g. 'JR/T 0169-2025'")
        parser.add_argument("--effective-from", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--inactive", action="store_true", help="load without making it active")

    def handle(self, file, name, effective_from, inactive, **options):
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
            version = load_version(
                ClassificationVersion,
                ClassificationItem,
                name=name,
                effective_from=effective_from,
                text=text,
                activate=not inactive,
            )
        except (OSError, ClassificationFileError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"loaded {version.items.count()} classes as {version.name}")
