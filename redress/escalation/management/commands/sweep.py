"""`redress sweep`: one pass of the sweeper, for cron (it is safe to run on several machines at once)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from redress.escalation.services import sweep


class Command(BaseCommand):
    help = "Act once on due warnings, breached clocks and breached supervision notices."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(sweep().as_dict()))
