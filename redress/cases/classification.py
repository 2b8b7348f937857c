"""Loading the regulatory classification (JR/T 0169-2018 and successors) as versioned reference data.

The file is a CSV with columns `dimension,label,label_en,code`; a label path joins classes with `/`
(`银行卡/信用卡`), and a parent path must come before its children. Loading a new edition keeps the old
one: cases keep the items they were classified under.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from django.db import transaction

SHIPPED_FILE = Path(__file__).parent / "data" / "jrt0169-2018.csv"
SHIPPED_NAME = "JR/T 0169-2018"
SHIPPED_EFFECTIVE = dt.date(2018, 9, 27)
DIMENSIONS = ("channel", "business_category", "reason")


class ClassificationFileError(ValueError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


def parse_rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"dimension", "label"} - set(reader.fieldnames or [])
    if missing:
        raise ClassificationFileError([f"missing columns: {', '.join(sorted(missing))}"])
    rows, errors, seen = [], [], set()
    for line, row in enumerate(reader, start=2):
        dimension = (row.get("dimension") or "").strip()
        label = (row.get("label") or "").strip().strip("/")
        if dimension not in DIMENSIONS:
            errors.append(f"line {line}: dimension must be one of {', '.join(DIMENSIONS)}")
            continue
        if not label:
            errors.append(f"line {line}: label is empty")
            continue
        if (dimension, label) in seen:
            errors.append(f"line {line}: {dimension} {label} appears twice")
            continue
        parent = label.rsplit("/", 1)[0] if "/" in label else None
        if parent and (dimension, parent) not in seen:
            errors.append(f"line {line}: parent class {parent} must come first")
            continue
        seen.add((dimension, label))
        rows.append(
            {
                "dimension": dimension,
                "label": label,
                "label_en": (row.get("label_en") or "").strip(),
                "code": (row.get("code") or "").strip(),
                "parent": parent,
            }
        )
    if errors:
        raise ClassificationFileError(errors)
    return rows


def load_version(version_model, item_model, *, name: str, effective_from: dt.date, text: str, activate: bool):
    """Create one classification version from CSV text. Model classes are passed in so that a data
    migration can call this with its historical models."""
    rows = parse_rows(text)
    with transaction.atomic():
        if version_model.objects.filter(name=name).exists():
            raise ClassificationFileError([f"a classification named {name} is already loaded"])
        version = version_model.objects.create(name=name, effective_from=effective_from, active=False)
        by_key = {}
        for row in rows:
            item = item_model.objects.create(
                version=version,
                dimension=row["dimension"],
                label=row["label"],
                label_en=row["label_en"],
                code=row["code"],
                parent=by_key.get((row["dimension"], row["parent"])) if row["parent"] else None,
            )
            by_key[(row["dimension"], row["label"])] = item
        if activate:
            version_model.objects.exclude(pk=version.pk).update(active=False)
            version.active = True
            version.save(update_fields=["active"])
    return version
