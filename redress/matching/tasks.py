"""Celery entry points of the matching app (beat relearns the suggestions each night in production)."""

from __future__ import annotations

from celery import shared_task

from .suggest import train


@shared_task(name="redress.train_suggestions", ignore_result=True)
def train_suggestions_task() -> int | None:
    model = train()
    return model.pk if model else None
