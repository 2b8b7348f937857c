import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from redress.settings import attachment_storage, env_bool, env_int, secret_key

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


def test_start_up_without_a_secret_key_outside_the_demo_is_refused_with_a_clear_message(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in {"REDRESS_SECRET_KEY", "REDRESS_DEMO"}}
    result = subprocess.run(
        [str(REDRESS), "check"],
        env={**environment, "REDRESS_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "REDRESS_SECRET_KEY is not set" in result.stderr
    # No key was made for this process to use on its own.
    assert not (tmp_path / "secret_key").exists()


def test_a_configured_secret_key_is_used_as_given(tmp_path):
    assert secret_key({"REDRESS_SECRET_KEY": "k" * 50}, tmp_path, demo=False) == "k" * 50


def test_the_demo_keeps_one_generated_key_in_its_data_directory_readable_by_its_owner_only(tmp_path):
    first = secret_key({}, tmp_path, demo=True)
    assert len(first) >= 50
    assert secret_key({}, tmp_path, demo=True) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_a_demo_that_cannot_write_its_key_is_refused_rather_than_making_one_per_process(tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    with pytest.raises(ImproperlyConfigured, match="REDRESS_SECRET_KEY"):
        secret_key({}, blocked / "data", demo=True)


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("Off", False), ("", True)])
def test_booleans_read_from_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("REDRESS_FLAG", raw)
    assert env_bool("REDRESS_FLAG", default=True) is expected


def test_a_bad_number_setting_is_refused(monkeypatch):
    monkeypatch.setenv("REDRESS_COUNT", "ten")
    with pytest.raises(ImproperlyConfigured, match="REDRESS_COUNT='ten' is not a whole number"):
        env_int("REDRESS_COUNT", 1)


def test_the_attachment_store_is_the_local_directory_unless_s3_is_named(tmp_path):
    assert attachment_storage({}, tmp_path) == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path)},
    }
    s3 = attachment_storage(
        {
            "REDRESS_ATTACHMENT_STORAGE": "S3",
            "REDRESS_S3_BUCKET": "redress-attachments",
            "REDRESS_S3_ENDPOINT_URL": "https://objects.bank.example",
            "REDRESS_S3_REGION": "cn-north-1",
            "REDRESS_S3_ACCESS_KEY_ID": "key",
            "REDRESS_S3_SECRET_ACCESS_KEY": "secret",
            "REDRESS_S3_PREFIX": "redress/",
            "REDRESS_S3_ADDRESSING_STYLE": "path",
        },
        tmp_path,
    )
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    options = s3["OPTIONS"]
    assert {k: options[k] for k in ("bucket_name", "endpoint_url", "region_name", "location")} == {
        "bucket_name": "redress-attachments",
        "endpoint_url": "https://objects.bank.example",
        "region_name": "cn-north-1",
        "location": "redress/",
    }
    assert (options["access_key"], options["secret_key"], options["default_acl"]) == ("key", "secret", None)
    assert options["client_config"].s3 == {"addressing_style": "path"}
    # Unset keys are left to boto3's own lookup (an instance role, AWS_* variables).
    bare = attachment_storage({"REDRESS_ATTACHMENT_STORAGE": "s3", "REDRESS_S3_BUCKET": "b"}, tmp_path)
    assert not {"access_key", "secret_key", "endpoint_url"} & set(bare["OPTIONS"])


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"REDRESS_ATTACHMENT_STORAGE": "nfs"}, "REDRESS_ATTACHMENT_STORAGE='nfs' is not one of: local, s3"),
        ({"REDRESS_ATTACHMENT_STORAGE": "s3"}, "REDRESS_ATTACHMENT_STORAGE=s3 needs REDRESS_S3_BUCKET"),
        (
            {
                "REDRESS_ATTACHMENT_STORAGE": "s3",
                "REDRESS_S3_BUCKET": "b",
                "REDRESS_S3_ADDRESSING_STYLE": "dns",
            },
            "REDRESS_S3_ADDRESSING_STYLE='dns' is not one of",
        ),
    ],
)
def test_a_bad_attachment_store_setting_stops_start_up_with_its_name(tmp_path, environment, message):
    result = run_redress(tmp_path, "check", **environment)
    assert result.returncode != 0
    assert message in result.stderr


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
