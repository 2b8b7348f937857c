import pytest
from django.db import DatabaseError, connections

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(type(connections["default"]), "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] != "ok"


def test_healthz_is_never_cached(client):
    # A cached 200 in front of a dead database would hide the outage from the load balancer.
    assert "no-cache" in client.get("/healthz")["Cache-Control"]


def test_healthz_is_503_naming_the_attachment_store_when_it_cannot_take_files(client, settings, tmp_path):
    # A regular file where the store's directory should be: nothing can be written there.
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocked / "attachments")},
        },
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "attachments": "down"}


def _database_gone(monkeypatch, error):
    def refuse(*args, **kwargs):
        raise error("server closed the connection unexpectedly")

    _every_cursor_fails(monkeypatch, refuse)


def _every_cursor_fails(monkeypatch, failing):
    # Django's cursors, and the prepared ones (redress.common.driver: the API token's statement), which make
    # sure of the connection themselves.
    monkeypatch.setattr(type(connections["default"]), "cursor", failing)
    monkeypatch.setattr(type(connections["default"]), "ensure_connection", failing)


def test_an_api_request_while_the_database_is_away_is_503_in_the_api_shape_with_retry_after(monkeypatch):
    from django.db import OperationalError
    from django.test import Client

    _database_gone(monkeypatch, OperationalError)
    response = Client(raise_request_exception=False).get(
        "/api/v1/cases", HTTP_AUTHORIZATION="Bearer abc", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert set(body) == {"detail", "errors"} and "try again" in body["detail"]


def test_a_page_while_the_database_is_away_is_503_in_words_not_a_trace(monkeypatch):
    from django.db import InterfaceError
    from django.test import Client

    _database_gone(monkeypatch, InterfaceError)
    response = Client(raise_request_exception=False).post(
        "/login/", {"username": "teller", "password": "demo"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 503
    text = response.content.decode()
    assert "暂时无法使用" in text and "Traceback" not in text and "InterfaceError" not in text


def test_another_failure_is_500_in_the_api_shape(monkeypatch):
    from django.test import Client

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    _every_cursor_fails(monkeypatch, broken)
    response = Client(raise_request_exception=False).get("/api/v1/cases", HTTP_AUTHORIZATION="Bearer abc")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert set(response.json()) == {"detail", "errors"}
