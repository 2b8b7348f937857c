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
