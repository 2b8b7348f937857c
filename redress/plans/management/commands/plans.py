"""`redress plans load FILE`: declare an emergency plan from a YAML file (redress/plans/loader.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from redress.common.errors import FieldErrors
from redress.plans import loader, services


class Command(BaseCommand):
    help = "Emergency plans: load FILE declares a plan from a YAML file (all of it or nothing)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        load = sub.add_parser("load", help="Declare a plan from a YAML file")
        load.add_argument("file", type=Path)

    def handle(self, *args, what: str, file: Path, **options):
        try:
            plan = loader.load(file.read_text(encoding="utf-8"))
        except OSError as e:
            raise CommandError(f"{file}: {e.strerror}") from None
        except FieldErrors as e:
            lines = [f"  {key}: {' '.join(map(str, messages))}" for key, messages in e.errors.items()]
            raise CommandError(f"{file}: plan refused, nothing written\n" + "\n".join(lines)) from None
        except services.PlanRefused as e:
            raise CommandError(f"{file}: {e}; nothing written") from None
        self.stdout.write(f"plan {plan.pk} “{plan.name}”: {plan.state}")
