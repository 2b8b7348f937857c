import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_valid_json_listing_every_endpoint():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Redress API"
    paths = schema["paths"]
    assert {"post"} <= set(paths["/api/v1/auth/token"])
    assert {"get", "post"} <= set(paths["/api/v1/cases"])
    assert {"get", "post"} <= set(paths["/api/v1/units"])
    assert {"get", "post"} <= set(paths["/api/v1/staff"])
    for path in (
        "/api/v1/cases/with-attachments",
        "/api/v1/cases/{number}",
        "/api/v1/cases/{number}/events",
        "/api/v1/cases/{number}/attachments/{attachment_id}",
    ):
        assert path in paths
    assert schema["components"]["securitySchemes"]["StaffToken"]["scheme"] == "bearer"


def test_docs_page_is_served_from_local_static_files():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in response.content
