import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from redress.settings import env_bool, env_int

REDRESS = Path(sys.executable).with_name("redress")


def run_redress(tmp_path, *args, **env):
    environment = {**os.environ, "REDRESS_DATA_DIR": str(tmp_path), **env}
    return subprocess.run(
        [str(REDRESS), *args], env=environment, capture_output=True, text=True, timeout=60, check=False
    )


def test_redress_command_runs_django_checks(tmp_path):
    result = run_redress(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_bad_boolean_setting_stops_start_up_with_its_name(tmp_path):
    result = run_redress(tmp_path, "check", REDRESS_DEBUG="maybe")
    assert result.returncode != 0
    assert "REDRESS_DEBUG='maybe' is not a boolean" in result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("Off", False), ("", True)])
def test_booleans_read_from_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("REDRESS_FLAG", raw)
    assert env_bool("REDRESS_FLAG", default=True) is expected


def test_a_bad_number_setting_is_refused(monkeypatch):
    monkeypatch.setenv("REDRESS_COUNT", "ten")
    with pytest.raises(ImproperlyConfigured, match="REDRESS_COUNT='ten' is not a whole number"):
        env_int("REDRESS_COUNT", 1)


def test_a_claim_no_longer_than_a_send_timeout_is_refused(tmp_path):
    """A sender still waiting on a slow receiver would lose its claim to the retry sweep: sent twice."""
    result = run_redress(
        tmp_path, "check", REDRESS_NOTIFICATION_CLAIM_SECONDS="10", REDRESS_WEBHOOK_TIMEOUT="10"
    )
    assert result.returncode != 0
    assert "REDRESS_NOTIFICATION_CLAIM_SECONDS=10 must be longer" in result.stderr


def test_the_sweep_interval_must_be_positive(tmp_path):
    result = run_redress(tmp_path, "check", REDRESS_SWEEP_INTERVAL="0")
    assert result.returncode != 0
    assert "REDRESS_SWEEP_INTERVAL=0 must be 1 or more" in result.stderr


@pytest.mark.postgres
def test_a_kept_connection_the_server_dropped_is_replaced_before_a_request_uses_it(transactional_db):
    """A database restart ends every session: each web worker's kept connection (CONN_MAX_AGE) is dead, and
    without a health check the next request on each of them answered 500 (the cluster test saw four)."""
    from django.db import close_old_connections, connection

    from redress.notifications.testing import drop_session

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    drop_session(pid)

    close_old_connections()  # what every request starts with (request_started)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.connection.info.backend_pid != pid
