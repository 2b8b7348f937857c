"""Form the topics of every case again and keep their matters' concepts (after an upgrade, or a change of
the concept list or of the similarity threshold)."""

from django.core.management.base import BaseCommand

from redress.escalation.triggers import current_settings
from redress.matching.similarity import remember_all


class Command(BaseCommand):
    help = (
        "Place every case's matter in its topic again, as registration would have, in the order the cases "
        "came (redress.matching.similarity)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000, help="Cases per transaction")

    def handle(self, *args, batch: int, **options):
        done = remember_all(float(current_settings().similarity_threshold), batch=batch)
        self.stdout.write(f"{done} cases")
