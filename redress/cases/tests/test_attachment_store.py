"""The attachment store full or failing (R12): a registration whose files cannot be stored is refused whole —
no case, event, clock or attachment row, and no file left in the store — through the service, the API (503 in
its error shape) and the form (a field error beside the attachments, the rest kept). A transaction that fails
after the files were written takes them with it. Here on the local directory; test_s3_store does the same
against an S3 server."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, OperationalError, connections
from django.urls import reverse

from redress.api.tests.conftest import bearer_client, case_payload
from redress.cases.attachments import StoreFailed
from redress.cases.models import Attachment, Case, CaseEvent, CaseFlag, RegistrationKey
from redress.deadlines.models import Clock
from redress.lifecycle import registration
from redress.lifecycle.registration import register_case
from redress.web.tests.test_pages import form_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
URL = "/api/v1/cases/with-attachments"
ROWS = (Case, CaseEvent, CaseFlag, Clock, Attachment, RegistrationKey)


class FullAfterOneFile(FileSystemStorage):
    """A disk that fills up during the second file: part of it is written, then ENOSPC."""

    def __init__(self, **options):
        super().__init__(**options)
        self.files_written = 0

    def _save(self, name, content):
        if self.files_written >= 1:
            path = Path(self.path(name))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.read(10))
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        self.files_written += 1
        return super()._save(name, content)


class UnreadableDisk(FileSystemStorage):
    def _open(self, name, mode="rb"):
        raise OSError(errno.EIO, "Input/output error", name)


def use_store(settings, backend: str, location: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {"BACKEND": backend, "OPTIONS": {"location": str(location)}},
    }


@pytest.fixture
def full_disk(settings) -> Path:
    use_store(settings, f"{__name__}.FullAfterOneFile", settings.ATTACHMENT_ROOT)
    return settings.ATTACHMENT_ROOT


def uploads() -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile("letter.pdf", PDF), SimpleUploadedFile("photo.png", PNG)]


def rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ROWS}


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_disk_that_fills_up_refuses_the_registration_and_keeps_no_file(bank, full_disk):
    before = rows()
    with pytest.raises(StoreFailed) as refused:
        register_case(bank.teller, bank.registration(), files=uploads(), idempotency_key="call-1")
    assert list(refused.value.errors) == ["attachments"]
    assert "photo.png" in refused.value.errors["attachments"][0]
    assert rows() == before
    # The first file was written whole, the second in part: neither is left.
    assert files_in(full_disk) == []


def test_the_api_answers_503_naming_the_attachments_and_a_retry_later_registers(bank, settings, full_disk):
    before = rows()
    data = {"data": json.dumps(case_payload(bank)), "attachments": uploads()}
    client = bearer_client(bank.teller, **{"Idempotency-Key": "call-7", "Accept-Language": "en"})
    response = client.post(URL, data)
    assert response.status_code == 503
    body = response.json()
    assert body["detail"] == "The attachments could not be stored; nothing was registered."
    assert body["errors"] == {
        "attachments": [
            "photo.png could not be stored: the attachment store failed. Nothing was registered; "
            "try again later."
        ]
    }
    assert rows() == before
    assert files_in(full_disk) == []
    # In the bank's language by default.
    chinese = bearer_client(bank.teller).post(URL, {**data, "attachments": uploads()})
    assert chinese.status_code == 503 and "附件" in chinese.json()["detail"]

    # Space again: the same request with the same key registers the case once.
    use_store(settings, "django.core.files.storage.FileSystemStorage", full_disk)
    again = client.post(URL, {**data, "attachments": uploads()})
    assert again.status_code == 201
    assert Case.objects.count() == before["Case"] + 1
    assert len(files_in(full_disk)) == 2


def test_a_real_os_error_is_refused_the_same_way(bank, settings, tmp_path):
    # The store's directory lies under a plain file: creating it fails in the operating system itself (a
    # read-only directory would not: the tests may run as root).
    (tmp_path / "not-a-directory").write_text("")
    use_store(settings, "django.core.files.storage.FileSystemStorage", tmp_path / "not-a-directory" / "store")
    before = rows()
    response = bearer_client(bank.teller).post(
        URL, {"data": json.dumps(case_payload(bank)), "attachments": uploads()}
    )
    assert response.status_code == 503
    assert list(response.json()["errors"]) == ["attachments"]
    assert rows() == before


def test_the_form_shows_the_failure_beside_the_attachments_and_keeps_the_rest(client, bank, full_disk):
    client.force_login(bank.teller)
    before = rows()
    data = form_data(bank, complainant_name="王五", matter="存款被多扣手续费。")
    response = client.post(reverse("web:new_case"), {**data, "attachments": uploads()})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["attachments"]
    assert "photo.png" in form.errors["attachments"][0]
    html = response.content.decode()
    assert 'value="王五"' in html and "存款被多扣手续费。" in html
    # The same one-time key is offered again, so the retry cannot register twice.
    assert f'value="{data["idempotency_key"]}"' in html
    assert rows() == before
    assert files_in(full_disk) == []


def test_a_transaction_that_fails_after_the_files_were_written_takes_them_with_it(
    bank, settings, monkeypatch
):
    def triggers_fail(case, flags):
        # The files are in the store by now.
        assert len(files_in(settings.ATTACHMENT_ROOT)) == 2
        raise DatabaseError("the database went away mid-registration")

    monkeypatch.setattr(registration, "apply_triggers", triggers_fail)
    before = rows()
    with pytest.raises(DatabaseError):
        register_case(bank.teller, bank.registration(), files=uploads())
    assert rows() == before
    assert files_in(settings.ATTACHMENT_ROOT) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("committed", [True, False], ids=["committed", "rolled-back"])
def test_after_a_failed_commit_the_rows_decide_whether_the_files_stay(bank, settings, monkeypatch, committed):
    """A connection lost at COMMIT leaves the outcome unknown to the client: the files stay exactly when the
    database holds their rows."""
    connection = connections["default"]
    real_commit = connection.commit

    def commit_then_lose_the_connection():
        if committed:
            real_commit()
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "commit", commit_then_lose_the_connection)
    with pytest.raises(OperationalError):
        register_case(bank.teller, bank.registration(), files=uploads())
    monkeypatch.undo()
    stored = files_in(settings.ATTACHMENT_ROOT)
    if committed:
        names = set(Attachment.objects.values_list("storage_name", flat=True))
        assert len(names) == 2
        assert {p.relative_to(settings.ATTACHMENT_ROOT).as_posix() for p in stored} == names
    else:
        assert Case.objects.count() == 0 and Attachment.objects.count() == 0
        assert stored == []


def test_a_store_that_cannot_be_read_answers_503_and_a_lost_file_404(client, bank, settings):
    case = register_case(bank.teller, bank.registration(), files=[SimpleUploadedFile("letter.pdf", PDF)]).case
    item = case.attachments.get()
    api_url = f"/api/v1/cases/{case.number}/attachments/{item.id}"
    page_url = reverse("web:attachment", args=[case.number, item.id])
    client.force_login(bank.teller)

    use_store(settings, f"{__name__}.UnreadableDisk", settings.ATTACHMENT_ROOT)
    response = bearer_client(bank.teller).get(api_url)
    assert response.status_code == 503
    assert set(response.json()) == {"detail", "errors"}
    assert client.get(page_url).status_code == 503

    use_store(settings, "django.core.files.storage.FileSystemStorage", settings.ATTACHMENT_ROOT)
    (settings.ATTACHMENT_ROOT / item.storage_name).unlink()
    assert bearer_client(bank.teller).get(api_url).status_code == 404
    assert client.get(page_url).status_code == 404
