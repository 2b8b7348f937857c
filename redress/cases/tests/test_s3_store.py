"""Attachments in an S3-compatible object store, against a real one: moto's S3 server run as a separate
process on a free local port, spoken to over HTTP by django-storages exactly as in production (the storage is
built from the same REDRESS_* variables by settings.attachment_storage). Nothing of S3 is mocked."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from redress.api.tests.conftest import bearer_client, case_payload
from redress.cases.models import Attachment, Case, CaseEvent, CaseFlag, RegistrationKey
from redress.deadlines.models import Clock
from redress.lifecycle import registration
from redress.settings import attachment_storage
from redress.web.tests.test_pages import form_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TEXT = "客户来信：要求退还多收的手续费。\n".encode()
URL = "/api/v1/cases/with-attachments"
KEYS = {"REDRESS_S3_ACCESS_KEY_ID": "redress-test", "REDRESS_S3_SECRET_ACCESS_KEY": "redress-test-secret"}
ROWS = (Case, CaseEvent, CaseFlag, Clock, Attachment, RegistrationKey)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["REDRESS_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["REDRESS_S3_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10),
    )


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory) -> Iterator[str]:
    """moto's S3 server in its own process; its endpoint URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                s3_client(endpoint).list_buckets()
                break
            except (BotoCoreError, ClientError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto's S3 server did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def use_s3(settings, endpoint: str, bucket: str) -> None:
    """The attachments storage as production builds it from its environment (changing STORAGES resets it)."""
    environment = {
        "REDRESS_ATTACHMENT_STORAGE": "s3",
        "REDRESS_S3_BUCKET": bucket,
        "REDRESS_S3_ENDPOINT_URL": endpoint,
        "REDRESS_S3_REGION": "us-east-1",
        **KEYS,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": attachment_storage(environment, Path("/nonexistent")),
    }


@pytest.fixture
def bucket(settings, s3_server) -> str:
    """A fresh bucket of the server, and the attachments storage pointed at it."""
    name = f"redress-{uuid.uuid4().hex[:12]}"
    s3_client(s3_server).create_bucket(Bucket=name)
    use_s3(settings, s3_server, name)
    return name


def objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    client = s3_client(endpoint)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ROWS}


def uploads() -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile("letter.pdf", PDF), SimpleUploadedFile("letter.txt", TEXT)]


def no_local_files(settings) -> bool:
    root = Path(settings.ATTACHMENT_ROOT)
    return not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def test_attachments_registered_through_the_api_are_objects_in_the_bucket_and_download_back(
    bank, settings, s3_server, bucket
):
    client = bearer_client(bank.teller)
    response = client.post(URL, {"data": json.dumps(case_payload(bank)), "attachments": uploads()})
    assert response.status_code == 201, response.content
    files = {f["name"]: f for f in response.json()["attachments"]}
    assert set(files) == {"letter.pdf", "letter.txt"}

    stored = objects(s3_server, bucket)
    rows_by_name = {a.original_name: a for a in Attachment.objects.all()}
    assert set(stored) == {a.storage_name for a in rows_by_name.values()}
    assert stored[rows_by_name["letter.pdf"].storage_name] == PDF
    assert stored[rows_by_name["letter.txt"].storage_name] == TEXT
    # Labelled with the type judged from the bytes, private (no public-read grant).
    head = s3_client(s3_server).head_object(Bucket=bucket, Key=rows_by_name["letter.pdf"].storage_name)
    assert head["ContentType"] == "application/pdf"
    grants = s3_client(s3_server).get_object_acl(Bucket=bucket, Key=rows_by_name["letter.pdf"].storage_name)
    assert not [g for g in grants["Grants"] if g["Grantee"].get("URI", "").endswith("AllUsers")]
    assert no_local_files(settings)

    for name, body in [("letter.pdf", PDF), ("letter.txt", TEXT)]:
        download = client.get(files[name]["url"])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == body
        assert download["Content-Disposition"] == f'attachment; filename="{name}"'
    # Seen only by those who see the case.
    assert bearer_client(bank.outsider).get(files["letter.pdf"]["url"]).status_code == 404


def test_the_form_registers_into_the_bucket_and_the_case_page_downloads_it(
    client, bank, settings, s3_server, bucket
):
    # A scanned letter of 9 MB: past the upload's memory limit (a temporary file) and the multipart threshold.
    scan = PDF + bytes(range(256)) * (9 * 4096)
    client.force_login(bank.teller)
    response = client.post(
        reverse("web:new_case"), {**form_data(bank), "attachments": [SimpleUploadedFile("scan.pdf", scan)]}
    )
    assert response.status_code == 302
    item = Case.objects.get().attachments.get()
    assert item.size == len(scan)
    assert objects(s3_server, bucket) == {item.storage_name: scan}
    assert no_local_files(settings)
    url = reverse("web:attachment", args=[item.case.number, item.id])
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Length"] == str(len(scan))
    assert b"".join(download.streaming_content) == scan
    client.force_login(bank.outsider)
    assert client.get(url).status_code == 404


def test_a_missing_bucket_refuses_the_registration_whole(bank, settings, s3_server):
    use_s3(settings, s3_server, f"redress-missing-{uuid.uuid4().hex[:8]}")
    before = rows()
    response = bearer_client(bank.teller, **{"Accept-Language": "en"}).post(
        URL, {"data": json.dumps(case_payload(bank)), "attachments": uploads()}
    )
    assert response.status_code == 503
    assert response.json()["detail"] == "The attachments could not be stored; nothing was registered."
    assert list(response.json()["errors"]) == ["attachments"]
    assert rows() == before
    assert no_local_files(settings)


def test_a_store_that_does_not_answer_refuses_the_registration_and_the_form_keeps_the_rest(
    client, bank, settings
):
    # Nothing listens on this port: the object store is down.
    use_s3(settings, f"http://127.0.0.1:{free_port()}", "redress-attachments")
    before = rows()
    response = bearer_client(bank.teller).post(
        URL, {"data": json.dumps(case_payload(bank)), "attachments": uploads()}
    )
    assert response.status_code == 503
    assert list(response.json()["errors"]) == ["attachments"]

    client.force_login(bank.teller)
    page = client.post(
        reverse("web:new_case"),
        {**form_data(bank, complainant_name="王五"), "attachments": [SimpleUploadedFile("letter.pdf", PDF)]},
    )
    assert page.status_code == 200
    assert list(page.context["form"].errors) == ["attachments"]
    assert 'value="王五"' in page.content.decode()
    assert rows() == before


def test_a_registration_failing_after_the_upload_leaves_no_object(bank, s3_server, bucket, monkeypatch):
    def triggers_fail(case, flags):
        assert len(objects(s3_server, bucket)) == 2  # uploaded before the transaction
        raise RuntimeError("a rule failed mid-registration")

    monkeypatch.setattr(registration, "apply_triggers", triggers_fail)
    before = rows()
    with pytest.raises(RuntimeError):
        registration.register_case(bank.teller, bank.registration(), files=uploads())
    assert rows() == before
    assert objects(s3_server, bucket) == {}


def test_downloads_answer_503_while_the_store_is_down(bank, settings, s3_server, bucket):
    case = registration.register_case(
        bank.teller, bank.registration(), files=[SimpleUploadedFile("letter.pdf", PDF)]
    ).case
    url = f"/api/v1/cases/{case.number}/attachments/{case.attachments.get().id}"
    use_s3(settings, f"http://127.0.0.1:{free_port()}", bucket)
    response = bearer_client(bank.teller).get(url)
    assert response.status_code == 503
    assert set(response.json()) == {"detail", "errors"}
    # Back up: the same object is served again; a key the bucket lacks is a 404.
    use_s3(settings, s3_server, bucket)
    assert b"".join(bearer_client(bank.teller).get(url).streaming_content) == PDF
    s3_client(s3_server).delete_object(Bucket=bucket, Key=case.attachments.get().storage_name)
    assert bearer_client(bank.teller).get(url).status_code == 404
