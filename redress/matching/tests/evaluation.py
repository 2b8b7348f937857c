"""The evaluation set of the similarity of matters: labelled pairs drawn from `data/matters.txt`."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, pairwise
from pathlib import Path

MATTERS = Path(__file__).parent / "data" / "matters.txt"


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    same: bool
    kind: str  # "other_words", "similar_words" or "same_customer_other_matter"


def blocks(path: Path = MATTERS) -> list[tuple[list[str], list[str]]]:
    """Each block's (same-matter lines, similar-words lines)."""
    found: list[tuple[list[str], list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            found.append(([], []))
        elif line.startswith("= "):
            found[-1][0].append(line[2:].strip())
        elif line.startswith("~ "):
            found[-1][1].append(line[2:].strip())
    return found


def pairs(path: Path = MATTERS) -> list[Pair]:
    found = blocks(path)
    out: list[Pair] = []
    for same, near in found:
        out += [Pair(a, b, True, "other_words") for a, b in combinations(same, 2)]
        out += [Pair(a, b, False, "similar_words") for a in same for b in near]
    for (this, _), (following, _) in pairwise(found):
        out.append(Pair(this[0], following[0], False, "same_customer_other_matter"))
    return out


def precision_recall(scored: list[tuple[float, bool]], threshold: float) -> tuple[float, float]:
    predicted = [same for score, same in scored if score >= threshold]
    true_positives = sum(predicted)
    positives = sum(same for _score, same in scored)
    precision = true_positives / len(predicted) if predicted else 1.0
    return precision, true_positives / positives
