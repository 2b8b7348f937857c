"""Store the similarity bands of every case (after an upgrade, or a change of the concept list)."""

from django.core.management.base import BaseCommand

from redress.cases.models import Case
from redress.matching.similarity import remember_all


class Command(BaseCommand):
    help = "Store the similarity bands of every case, replacing those it has (redress.matching.similarity)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000, help="Cases per transaction")

    def handle(self, *args, batch: int, **options):
        done = remember_all(Case.objects.all(), batch=batch)
        self.stdout.write(f"{done} cases")
