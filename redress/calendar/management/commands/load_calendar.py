"""Load a year's official holiday arrangement from a YAML file (format: docs/calendar.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from redress.calendar.services import CalendarError, load_year, read_arrangement
from redress.calendar.workdays import DEFAULT_JURISDICTION


class Command(BaseCommand):
    help = (
        "Load a year's holiday arrangement (YAML: year, source, holidays with make-up days) and confirm it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--year", type=int, required=True, help="the year the file arranges, e.g. 2027")
        parser.add_argument("--jurisdiction", default=DEFAULT_JURISDICTION, help="calendar code (default CN)")

    def handle(self, file, year, jurisdiction, **options):
        try:
            arrangement = read_arrangement(Path(file).read_text(encoding="utf-8-sig"), year)
            load_year(arrangement, jurisdiction=jurisdiction)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except CalendarError as exc:
            lines = [f"{field}: {message}" for field, messages in exc.errors.items() for message in messages]
            raise CommandError("\n".join(["nothing was loaded:", *lines])) from exc
        blocks, days = len(arrangement.holidays), len(arrangement.days())
        self.stdout.write(f"loaded {jurisdiction} {year}: {blocks} holiday blocks, {days} days; confirmed")
