"""Load the demo bank (redress/core/demo.py); running it again changes nothing."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from redress.core.demo import DEFAULT_CASES, PASSWORD, DemoError, load_demo


class Command(BaseCommand):
    help = "Load the demo bank: units, demo users (password 'demo') and about 600 cases. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=DEFAULT_CASES, help="number of cases (default 600)")

    def handle(self, *args, cases, **options):
        started = time.monotonic()
        try:
            result = load_demo(cases=cases)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if result.created:
            self.stdout.write(
                f"Demo bank loaded: {result.units} units, {result.staff} demo users, {result.cases} cases "
                f"in {time.monotonic() - started:.1f}s."
            )
        else:
            self.stdout.write(
                f"Demo bank already loaded ({result.units} units, {result.staff} demo users, "
                f"{result.cases} cases); nothing changed."
            )
        note = f"Demo users (password '{PASSWORD}', see README.md) can log in only with REDRESS_DEMO=1"
        state = "on" if settings.DEMO_MODE else "off"
        self.stdout.write(f"{note}; demo mode is {state} in this environment.")
