"""`redress train-suggestions`: learn the registration suggestions from the closed cases; how good they are.

`--evaluate FILE` also scores the new model on a labelled CSV (`category,business_category,reason,matter`)
it never learned from.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from redress.matching.suggest import (
    MIN_CASES,
    TARGETS,
    Labelled,
    current_model,
    evaluate,
    forget_model,
    train,
)


def _lines(figures: dict) -> list[str]:
    return [
        f"  {target}: top-1 {f['top1']:.1%}, top-3 {f['top3']:.1%} ({f['cases']} cases)"
        for target, f in figures.items()
    ]


def read_labelled(path: Path) -> list[Labelled]:
    with path.open(encoding="utf-8") as handle:
        return [Labelled(r["matter"], {t: r.get(t, "") for t in TARGETS}) for r in csv.DictReader(handle)]


class Command(BaseCommand):
    help = "Learn the category, business category and reason suggestions from the bank's closed cases."

    def add_arguments(self, parser):
        parser.add_argument("--evaluate", type=Path, help="a labelled CSV to score the new model on")

    def handle(self, *args, evaluate: Path | None = None, **options):
        model = train()
        if model is None:
            raise CommandError(f"Fewer than {MIN_CASES} closed cases with a class: nothing to learn yet.")
        self.stdout.write(f"learned from {model.cases} closed cases; {model.held_out} held out to measure:")
        self.stdout.write("\n".join(_lines(model.evaluation)))
        if evaluate:
            rows = read_labelled(evaluate)
            forget_model()
            self.stdout.write(f"on {evaluate.name} ({len(rows)} matters it never learned from):")
            self.stdout.write("\n".join(_lines(evaluate_with_current(rows))))


def evaluate_with_current(rows: list[Labelled]) -> dict:
    predictor = current_model()
    return evaluate(predictor, rows) if predictor else {}
