"""Celery entry point: beat runs retention once a day (decision 0037)."""

from __future__ import annotations

from celery import shared_task

from .services import run_daily


@shared_task(name="redress.retention.run", ignore_result=True)
def retention_task() -> int:
    done = run_daily()
    return done.cases if done else 0
