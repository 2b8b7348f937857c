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


def _component(components: dict, holder: dict) -> tuple[str, dict]:
    """The component a schema refers to (directly, in `allOf`, or as the items of an array)."""
    if "allOf" in holder:
        holder = holder["allOf"][0]
    if holder.get("type") == "array":
        holder = holder["items"]
    name = holder["$ref"].rsplit("/", 1)[1]
    return name, components[name]


def _models_of_the_api() -> set[type]:
    """Every pydantic model an operation of the API names (its parameters, body and answers) and every model
    those name in their fields, however deeply."""
    import typing

    from pydantic import BaseModel

    from redress.api.main import api

    found: set[type] = set()

    def visit(annotation) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation in found:
                return
            found.add(annotation)
            for field in annotation.model_fields.values():
                visit(field.annotation)
        for argument in typing.get_args(annotation):
            visit(argument)

    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.models, *operation.response_models.values()]:
                    visit(model)
    return found


def test_every_component_of_the_schema_is_produced_by_exactly_one_class():
    """Ninja files each schema under its class's bare name, the last one generated winning: two classes of
    one name would document one of them with the other's fields."""
    components = json.loads(Client().get("/api/v1/openapi.json").content)["components"]["schemas"]
    by_name: dict[str, set[str]] = {}
    for model in _models_of_the_api():
        if model.__name__ in components:
            by_name.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
    assert set(by_name) == set(components), set(components) ^ set(by_name)
    shared = {name: sorted(classes) for name, classes in by_name.items() if len(classes) > 1}
    assert not shared, shared


def test_the_case_detail_documents_its_deadlines_with_the_case_deadlines_fields():
    from redress.api.cases import DeadlineOut as CaseDeadlineOut

    schema = json.loads(Client().get("/api/v1/openapi.json").content)
    components = schema["components"]["schemas"]
    detail = schema["paths"]["/api/v1/cases/{number}"]["get"]["responses"]["200"]
    _name, case = _component(components, detail["content"]["application/json"]["schema"])
    _name, deadline = _component(components, case["properties"]["deadlines"])
    assert set(deadline["properties"]) == set(CaseDeadlineOut.model_fields)
    assert set(deadline["required"]) == {
        name for name, field in CaseDeadlineOut.model_fields.items() if field.is_required()
    }
