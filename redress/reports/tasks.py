"""Celery entry points: beat sends yesterday's daily reports each morning (REPORTS_DAILY_TIME), and folds
the rollup's changes every few seconds (REPORTS_FOLD_INTERVAL)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .daily_report import send_reports
from .figures import BEIJING, fold


@shared_task(name="redress.send_daily_reports", ignore_result=True)
def send_daily_reports_task() -> int:
    return send_reports(timezone.now().astimezone(BEIJING).date() - dt.timedelta(days=1))


@shared_task(name="redress.reports.fold", ignore_result=True)
def fold_task() -> int:
    return fold()
