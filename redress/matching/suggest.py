"""Suggestions at registration: the category, business category and reason most likely for a matter (R6.1,
JR/T 0169-2018), learned from the bank's own closed cases, for the clerk to confirm (issue 13 item 5).

Training (`train`, run by `redress train-suggestions`, by beat each night and by the embedded sidecar when the
model is a day old) fits one TF-IDF × logistic-regression classifier per target on the segmented words of
matter and demand, after measuring it on a held-out fifth. Only the arrays are stored (`SuggestionModel`);
suggesting is a sparse dot product in numpy, so a web node needs no scikit-learn objects and nothing pickled.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language

from redress.access.confidential import searchable_by
from redress.access.visibility import visible_to
from redress.cases.choices import Category, State
from redress.cases.models import Case
from redress.cases.services import active_classification
from redress.common.reference import VersionedCache
from redress.text.segment import words

from . import similarity
from .models import SuggestionModel

TARGETS = ("category", "business_category", "reason")
TOP = 3
MIN_CASES = 30  # below this a model would suggest noise
MIN_DF = 2  # a word must appear in two cases: names and numbers typed once never enter the vocabulary
HELD_OUT_SHARE = 0.2
SEED = 20261204


@dataclass(frozen=True)
class Labelled:
    text: str
    labels: dict[str, str]  # target → class value ("" when the case has none)


@dataclass(frozen=True)
class Suggestion:
    value: str
    label: str
    score: float


@dataclass
class Predictor:
    vocabulary: dict[str, int]
    idf: np.ndarray
    targets: dict[str, tuple[list[str], np.ndarray, np.ndarray]]  # classes, coef (k × v), intercept (k)
    trained_at: dt.datetime | None = None

    def vector(self, text: str | list[str]) -> np.ndarray:
        """The TF-IDF vector of a text, or of its words already segmented."""
        x = np.zeros(len(self.vocabulary))
        for word in words(text) if isinstance(text, str) else text:
            i = self.vocabulary.get(word)
            if i is not None:
                x[i] += 1.0
        x *= self.idf
        norm = np.linalg.norm(x)
        return x / norm if norm else x

    def ranked(self, text: str | list[str], top: int = TOP) -> dict[str, list[tuple[str, float]]]:
        x = self.vector(text)
        if not x.any():
            return {target: [] for target in self.targets}
        out = {}
        for target, (classes, coef, intercept) in self.targets.items():
            probs = _probabilities(coef @ x + intercept)
            order = np.argsort(-probs)[:top]
            out[target] = [(classes[i], float(probs[i])) for i in order]
        return out


def _probabilities(decision: np.ndarray) -> np.ndarray:
    if decision.shape[0] == 1:  # scikit-learn keeps one row for two classes: the second class's odds
        p = 1.0 / (1.0 + np.exp(-decision[0]))
        return np.array([1.0 - p, p])
    shifted = np.exp(decision - decision.max())
    return shifted / shifted.sum()


# ---- training ----------------------------------------------------------------------------------------


def _case_text(matter: str, demand: str) -> str:
    return f"{matter}\n{demand}"


def closed_cases() -> list[Labelled]:
    """The closed cases with at least one label, newest first (at most 200,000: enough to learn from). Classes
    are kept by label path, the value registration takes."""
    rows = (
        Case.objects.filter(state=State.CLOSED)
        .exclude(category="", business_category=None, reason=None)
        .order_by("-closed_at")
        .values_list("matter", "demand", "category", "business_category__label", "reason__label")[:200_000]
    )
    return [
        Labelled(
            _case_text(matter, demand),
            {"category": category, "business_category": business or "", "reason": reason or ""},
        )
        for matter, demand, category, business, reason in rows
    ]


def _fit(rows: Sequence[Labelled]) -> Predictor:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=words, min_df=MIN_DF if len(rows) >= 50 else 1)
    matrix = vectorizer.fit_transform([r.text for r in rows])
    targets = {}
    for target in TARGETS:
        keep = [i for i, r in enumerate(rows) if r.labels.get(target)]
        labels = [rows[i].labels[target] for i in keep]
        if len(set(labels)) < 2:
            continue
        model = LogisticRegression(C=10.0, max_iter=2000)
        model.fit(matrix[keep], labels)
        targets[target] = (
            [str(c) for c in model.classes_],
            np.asarray(model.coef_, dtype=np.float64),
            np.asarray(model.intercept_, dtype=np.float64),
        )
    vocabulary = {word: int(i) for word, i in vectorizer.vocabulary_.items()}
    return Predictor(vocabulary, np.asarray(vectorizer.idf_, dtype=np.float64), targets)


def evaluate(predictor: Predictor, rows: Iterable[Labelled]) -> dict[str, dict[str, float]]:
    """Top-1 and top-3 accuracy per target over the rows that carry the label."""
    hits: dict[str, list[int]] = {t: [0, 0, 0] for t in predictor.targets}
    for row in rows:
        ranked = predictor.ranked(row.text)
        for target, found in ranked.items():
            truth = row.labels.get(target)
            if not truth:
                continue
            values = [value for value, _score in found]
            hits[target][0] += 1
            hits[target][1] += values[:1] == [truth]
            hits[target][2] += truth in values
    return {
        target: {"cases": n, "top1": round(top1 / n, 3), "top3": round(top3 / n, 3)}
        for target, (n, top1, top3) in hits.items()
        if n
    }


def _pack(predictor: Predictor) -> bytes:
    arrays = {"idf": predictor.idf}
    for target, (_classes, coef, intercept) in predictor.targets.items():
        arrays[f"{target}.coef"] = coef
        arrays[f"{target}.intercept"] = intercept
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _unpack(model: SuggestionModel) -> Predictor:
    with np.load(io.BytesIO(bytes(model.weights)), allow_pickle=False) as arrays:
        targets = {
            target: (list(classes), arrays[f"{target}.coef"], arrays[f"{target}.intercept"])
            for target, classes in model.classes.items()
        }
        idf = arrays["idf"]
    vocabulary = {word: i for i, word in enumerate(model.vocabulary)}
    return Predictor(vocabulary, idf, targets, trained_at=model.trained_at)


def train(rows: Sequence[Labelled] | None = None) -> SuggestionModel | None:
    """Measure on a held-out fifth, fit on everything, store. None when there are too few cases to learn."""
    rows = list(closed_cases() if rows is None else rows)
    if len(rows) < MIN_CASES:
        return None
    shuffled = rows[:]
    # Seeded, so the held-out cases are the same for the same cases: not for secrets (bandit: B311).
    random.Random(SEED).shuffle(shuffled)  # nosec B311
    cut = max(1, int(len(shuffled) * HELD_OUT_SHARE))
    held_out, learn = shuffled[:cut], shuffled[cut:]
    evaluation = evaluate(_fit(learn), held_out)
    predictor = _fit(rows)
    vocabulary = [""] * len(predictor.vocabulary)
    for word, i in predictor.vocabulary.items():
        vocabulary[i] = word
    with transaction.atomic():
        return SuggestionModel.objects.create(
            cases=len(rows),
            held_out=len(held_out),
            evaluation=evaluation,
            classes={target: classes for target, (classes, _c, _i) in predictor.targets.items()},
            vocabulary=vocabulary,
            weights=_pack(predictor),
        )


def train_if_stale(max_age: dt.timedelta = dt.timedelta(days=1)) -> SuggestionModel | None:
    """Retrain when the newest model is older than `max_age` (or there is none); for the embedded sidecar."""
    newest = SuggestionModel.objects.order_by("-trained_at").values_list("trained_at", flat=True).first()
    if newest is not None and timezone.now() - newest < max_age:
        return None
    return train()


# ---- suggesting --------------------------------------------------------------------------------------

# Each process keeps the newest model's arrays while the table's token is unchanged (a new training on any
# node replaces it everywhere at the next suggestion).
_models: VersionedCache[None, Predictor | None] = VersionedCache("suggestions")


def _load(_: None) -> Predictor | None:
    newest = SuggestionModel.objects.order_by("-trained_at", "-pk").first()
    return _unpack(newest) if newest is not None else None


def current_model() -> Predictor | None:
    return _models.get(None, _load)


def forget_model() -> None:
    _models.clear()


def _labels(target: str, values: list[str]) -> dict[str, str]:
    """Each value's name in the user's language; values no longer in force are left out."""
    if target == "category":
        return {v: str(Category(v).label) for v in values if v in Category.values}
    english = (get_language() or "").startswith("en")
    return {
        item.label: (item.label_en if english and item.label_en else item.label)
        for item in active_classification()
        if item.dimension == target and item.label in values
    }


def trained_at() -> dt.datetime | None:
    """When the model in use was learned; None before the first training."""
    predictor = current_model()
    return predictor.trained_at if predictor else None


def suggest(matter: str, demand: str = "") -> dict[str, list[Suggestion]]:
    """The most likely classes of each target for the matter, best first (empty lists without a model, or
    when none of the matter's words was ever seen but those every complaint has); classes no longer in force
    are left out."""
    predictor = current_model()
    found_words = words(_case_text(matter, demand))
    # A matter of nothing but words every complaint has (客户, 要求…) says nothing to learn a class from.
    common = similarity.common_words()
    if predictor is None or not any(w in predictor.vocabulary and w not in common for w in found_words):
        return {target: [] for target in TARGETS}
    ranked = predictor.ranked(found_words)
    out: dict[str, list[Suggestion]] = {}
    for target in TARGETS:
        found = ranked.get(target, [])
        labels = _labels(target, [value for value, _score in found])
        out[target] = [
            Suggestion(value, labels[value], round(score, 3)) for value, score in found if value in labels
        ]
    return out


# ---- "this looks like case TS…" ---------------------------------------------------------------------

ALIKE_SHOWN = 3


def alike_cases(
    user, matter: str, *, threshold: float, now: dt.datetime | None = None
) -> list[tuple[Case, float]]:
    """The cases the user may see whose matters are at least `threshold` alike to this one not yet
    registered (the trigger rules' threshold, from the caller), best first: so the clerk can link a repeat or
    a group before saving."""
    draft = Case(matter=matter, received_at=now or timezone.now())
    return visible_alike(user, draft, threshold=threshold, limit=ALIKE_SHOWN)


def visible_alike(user, case: Case, *, threshold: float, limit: int) -> list[tuple[Case, float]]:
    """The cases the user may see whose matters are at least `threshold` alike to `case`'s, best first, at
    most `limit`, each with its unit: the form's "looks like", the case page's similar cases and
    GET /api/v1/cases/{number}/similar. Not those whose matters the user may not read (confidential, R10.1):
    a match would tell what they say."""
    candidates = searchable_by(visible_to(user), user).select_related("unit")
    return similarity.most_alike(case, candidates, threshold=threshold, limit=limit)
