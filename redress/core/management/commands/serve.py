"""Serve Redress with gunicorn (a production-grade WSGI server), on 127.0.0.1:$PORT by default."""

from __future__ import annotations

import os
import subprocess  # nosec B404
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Redress with gunicorn on 127.0.0.1:$PORT (default 8000)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=None, help="host:port (default 127.0.0.1:$PORT)")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("REDRESS_WEB_WORKERS", "3")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("REDRESS_WEB_THREADS", "1")))

    def handle(self, *args, bind=None, workers=3, threads=1, **options):
        bind = bind or f"{os.environ.get('REDRESS_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        argv = [
            "gunicorn",
            "redress.wsgi:application",
            "--bind", bind,
            "--workers", str(workers),
            "--threads", str(threads),
            "--access-logfile", "-",
            # The public's requests are logged without address, headers or receipt (decision 0030).
            "--logger-class", "redress.core.gunicorn_logging.PublicRequestsLogger",
            "--graceful-timeout", "20",
            "--timeout", "60",
            "--max-requests", "5000",
            "--max-requests-jitter", "500",
            # The API refuses an over-long address itself, in its JSON shape (api/guard.py, 8,000 characters);
            # gunicorn's own refusal (over 4,094 bytes, at most 8,190) is an HTML page. The reverse proxy in
            # front keeps its own limit (README, production).
            "--limit-request-line", "0",
        ]  # fmt: skip
        self.stdout.write(f"Redress serving on http://{bind}/ with {workers} workers")
        embedded = not getattr(settings, "CELERY_BROKER_URL", "")
        if embedded and os.environ.get("REDRESS_SWEEPER", "on") != "off":
            # No Celery beat in the embedded setup: a sidecar sweeps every minute and ends with the server
            # (this process becomes gunicorn's master through exec, keeping its pid).
            # Our own `redress sweep`, by absolute path, with a fixed argument list and no shell.
            subprocess.Popen(  # nosec B603
                [os.path.join(os.path.dirname(sys.executable), "redress"), "sweep",
                 "--every", str(settings.SWEEP_INTERVAL), "--exit-with-parent"],
                start_new_session=False,
            )  # fmt: skip
            self.stdout.write(f"sweeper sidecar started (every {settings.SWEEP_INTERVAL} s)")
            # And the rollup's changes folded (beat's `fold-figures`) and the morning's daily reports
            # (`daily-reports`), checked every minute.
            subprocess.Popen(  # nosec B603
                [os.path.join(os.path.dirname(sys.executable), "redress"), "reports", "send-daily",
                 "--every", str(settings.REPORTS_FOLD_INTERVAL), "--exit-with-parent"],
                start_new_session=False,
            )  # fmt: skip
            self.stdout.write(f"reports sidecar started (folds every {settings.REPORTS_FOLD_INTERVAL} s)")
            # And retention (beat's `retention` in production): asked every hour, runs once a day.
            subprocess.Popen(  # nosec B603
                [os.path.join(os.path.dirname(sys.executable), "redress"), "retention", "daily",
                 "--every", "3600", "--exit-with-parent"],
                start_new_session=False,
            )  # fmt: skip
            self.stdout.write("retention sidecar started")
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        # gunicorn beside this Python, with our own argument list (bandit: B606).
        os.execv(gunicorn, argv)  # nosec B606
