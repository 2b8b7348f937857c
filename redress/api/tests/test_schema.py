import json

import pytest
from django.test import Client

from redress.lifecycle import HUMAN_ACTIONS as ACTIONS

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
        "/api/v1/cases/mine",
        "/api/v1/cases/awaiting-instruction",
        "/api/v1/cases/due",
    ):
        assert path in paths
    assert schema["components"]["securitySchemes"]["StaffToken"]["scheme"] == "bearer"


def test_docs_page_is_served_from_local_static_files():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in response.content


def test_every_action_is_one_documented_operation_with_its_body_and_refusals():
    schema = json.loads(Client().get("/api/v1/openapi.json").content)
    components = schema["components"]["schemas"]

    def resolve(ref_holder: dict) -> dict:
        if "allOf" in ref_holder:
            ref_holder = ref_holder["allOf"][0]
        return components[ref_holder["$ref"].rsplit("/", 1)[1]]

    operation_ids = set()
    for action in ACTIONS:
        operation = schema["paths"][f"/api/v1/cases/{{number}}/{action}"]["post"]
        operation_ids.add(operation["operationId"])
        assert operation["summary"] and operation["description"]
        body = resolve(operation["requestBody"]["content"]["application/json"]["schema"])
        assert body["additionalProperties"] is False
        assert "expected_version" in body["properties"]
        for name, field in body["properties"].items():
            assert field.get("description"), (action, name)
        responses = operation["responses"]
        assert {"200", "403", "404", "409", "422"} <= set(responses)
        conflict = resolve(responses["409"]["content"]["application/json"]["schema"])
        assert {"detail", "state", "allowed_actions"} <= set(conflict["properties"])
        invalid = resolve(responses["422"]["content"]["application/json"]["schema"])
        assert {"detail", "errors"} <= set(invalid["properties"])
        assert any(p["name"] == "If-Match" and p["in"] == "header" for p in operation["parameters"])
    assert len(operation_ids) == len(ACTIONS)
    # The bodies name exactly what the rules read, e.g.:
    report = components["ReportIn"]
    assert set(report["required"]) == {
        "findings",
        "staff_handling",
        "lessons",
        "rectification",
        "customer_satisfaction",
        "handler_name",
        "handler_phone",
    }
    assert components["CloseIn"]["properties"]["responsibility"]["enum"] == [
        "at_fault",
        "not_at_fault",
        "shared",
    ]
    assert set(components["TransferIn"]["properties"]) == {"expected_version", "to_unit", "note", "handler"}
    assert "required" not in components["TransferIn"]
