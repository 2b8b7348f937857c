"""Celery entry point: beat seals the audit chain as often as it sweeps."""

from __future__ import annotations

from celery import shared_task

from .chain import seal


@shared_task(name="redress.audit.seal", ignore_result=True)
def seal_task() -> int:
    return seal()
