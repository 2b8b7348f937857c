"""Celery entry points (beat runs `redress.sweep` every minute in production)."""

from __future__ import annotations

from celery import shared_task

from .sweeper import sweep


@shared_task(name="redress.sweep", ignore_result=True)
def sweep_task() -> dict:
    return sweep().as_dict()
