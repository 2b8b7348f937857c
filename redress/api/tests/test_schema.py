import datetime as dt
import json
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from redress.lifecycle import HUMAN_ACTIONS as ACTIONS
from redress.lifecycle.params import examples_of

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


# What an endpoint's code (the view and the helpers of its module it calls) raises, as the status answered.
RAISES = [
    (r"\bforbidden\(|\bActionForbidden\b", {403}),
    (r"\bHttp404\b|\bget_visible_case\(|\bget_object_or_404\(", {404}),
    (r"\bConflict\(|\bIllegalTransition\b|\bConcurrentChange\b", {409}),
    (r"\bFieldErrors\(|\bregister_case\(", {422}),
    # The lifecycle refuses with 403 (not yours), 409 (state, version) and 422 (parameters, guards).
    (r"\bperform\(", {403, 409, 422}),
]


def _raised(function, seen: set | None = None) -> set[int]:
    """The statuses `function` raises, following the calls it makes to functions of its own module."""
    import inspect
    import re

    seen = set() if seen is None else seen
    if function in seen:
        return set()
    seen.add(function)
    source = inspect.getsource(function)
    statuses = {int(code) for code in re.findall(r"\bApiError\(\s*(\d{3})", source)}
    for pattern, codes in RAISES:
        if re.search(pattern, source):
            statuses |= codes
    for name in set(re.findall(r"\b([A-Za-z_]\w*)\(", source)):
        called = function.__globals__.get(name)
        if inspect.isfunction(called) and called.__module__ == function.__module__:
            statuses |= _raised(called, seen)
    return statuses


def _operations() -> dict[str, object]:
    """The API's operations by operationId, as ninja names them in the schema."""
    from redress.api.main import api

    return {
        operation.operation_id or api.get_openapi_operation_id(operation): operation
        for router in api._get_bound_routers()
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    }


# Not documented yet, in redress/api/cases.py (its `response=` entries are being reworked with its input
# validation, in parallel): each needs `401: ErrorOut`. Drop an entry here once it is documented.
AWAITING: dict[str, list[int]] = {}


def test_every_operation_documents_every_status_it_can_answer():
    """401 where the token is checked, 422 where parameters or a body are validated, and each refusal its
    code raises (403, 404, 409, 422), with the API's error shape."""
    schema = json.loads(Client().get("/api/v1/openapi.json").content)
    operations = _operations()
    missing: dict[str, list[int]] = {}
    for path, methods in schema["paths"].items():
        for method, documented in methods.items():
            expected = _raised(operations[documented["operationId"]].view_func)
            if documented.get("security"):
                expected.add(401)
            if "requestBody" in documented:
                # A body that is not JSON (or a form Django cannot parse), one too large (api/guard.py).
                expected |= {400, 413, 422}
            if any(p["in"] in ("query", "header", "path") for p in documented.get("parameters", [])):
                # Parameters are parsed by type, and a NUL anywhere in the path or query is refused.
                expected.add(422)
            answers = documented["responses"]
            absent = sorted(code for code in expected if str(code) not in answers)
            if absent:
                missing[f"{method.upper()} {path}"] = absent
            for code in expected & {400, 401, 403, 404, 409, 413, 422}:
                if str(code) in answers:
                    _name, error = _component(
                        schema["components"]["schemas"],
                        answers[str(code)]["content"]["application/json"]["schema"],
                    )
                    assert {"detail", "errors"} <= set(error["properties"]), (path, method, code)
    assert missing == AWAITING, (
        "\n".join(
            f"{operation}: {codes}"
            for operation, codes in missing.items()
            if AWAITING.get(operation) != codes
        )
        or f"documented now, drop from AWAITING: {sorted(set(AWAITING) - set(missing))}"
    )


def test_every_operation_that_documents_a_token_answers_401_without_one(db):
    """The schema's `security` is the truth: each operation that names the token refuses a request without
    one with 401 (before looking at anything else), and none that does not name it does."""
    import re

    schema = json.loads(Client().get("/api/v1/openapi.json").content)
    for path, methods in schema["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method, documented in methods.items():
            if method == "get":
                response = Client().get(url)
            else:
                response = getattr(Client(), method)(url, "{}", content_type="application/json")
            if documented.get("security"):
                assert response.status_code == 401, (method, path, response.status_code)
                assert set(response.json()) >= {"detail", "errors"}
            else:
                # The open operations: logging in (401 there is a wrong password, not a missing token), and
                # the public's reports of wrongdoing (no account: a receipt).
                assert path == "/api/v1/auth/token" or path.startswith("/api/v1/public/"), path


# ---- examples -------------------------------------------------------------------------------------------

# Parameters documented without an example, and why.
NO_EXAMPLE = {
    # The calendar's calculator takes exactly one of three amounts: `working_days` carries the example, and an
    # example of each would make the example request give all three (a 422).
    ("/api/v1/calendar/deadline", "calendar_days"),
    ("/api/v1/calendar/deadline", "hours"),
}


def _schema() -> dict:
    return json.loads(Client().get("/api/v1/openapi.json").content)


def _resolved(schema: dict, holder: dict) -> tuple[str | None, dict]:
    """The body schema itself (a component it refers to, directly or as an optional body's `allOf`, or the
    inline one ninja builds for a form)."""
    if len(holder.get("allOf", [])) == 1:
        holder = holder["allOf"][0]
    if "$ref" in holder:
        name = holder["$ref"].rsplit("/", 1)[1]
        return name, schema["components"]["schemas"][name]
    return None, holder


def _body_examples(media: dict, body: dict) -> list:
    """The examples a request body documents: on its media type, on its schema, or (a form) one made of the
    examples of its fields when every required field has one."""
    found = [*media.get("examples", {}).values()] if isinstance(media.get("examples"), dict) else []
    found = [e["value"] if isinstance(e, dict) and "value" in e else e for e in found]
    if "example" in media:
        found.append(media["example"])
    found += body.get("examples", [])
    if "example" in body:
        found.append(body["example"])
    fields = body.get("properties", {})
    if not found and fields and all("example" in fields[name] for name in body.get("required", [])):
        found.append({name: field["example"] for name, field in fields.items() if "example" in field})
    return found


def _request_bodies(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for content_type, media in operation.get("requestBody", {}).get("content", {}).items():
                name, body = _resolved(schema, media["schema"])
                yield f"{method.upper()} {path} ({content_type})", name, media, body


def _validator(schema: dict, subschema: dict):
    """A JSON Schema (2020-12, OpenAPI 3.1's dialect) validator of `subschema`, its `$ref`s resolved in the
    whole OpenAPI document."""
    import jsonschema

    return jsonschema.Draft202012Validator({**subschema, "components": schema["components"]})


def test_every_request_body_carries_an_example():
    schema = _schema()
    missing = [
        where for where, _name, media, body in _request_bodies(schema) if not _body_examples(media, body)
    ]
    assert not missing, missing


def test_every_request_example_is_valid_against_its_own_schema_and_model(db):
    """Each body example satisfies the documented JSON Schema and is read by the very pydantic model the
    endpoint reads (the API's checks of type, choice, length, phone number, time not in the future)."""
    from redress.api.cases import CaseIn

    schema = _schema()
    models = {model.__name__: model for model in _models_of_the_api()}
    checked = 0
    bodies = list(_request_bodies(schema))
    for where, name, media, body in bodies:
        for example in _body_examples(media, body):
            errors = [e.message for e in _validator(schema, body).iter_errors(example)]
            assert not errors, (where, example, errors)
            if name is not None:
                models[name].model_validate(example)
            elif "data" in example:  # multipart registration: the `data` field holds the JSON registration
                CaseIn.model_validate_json(example["data"])
            checked += 1
    # Every action's body, and registration (JSON and form), token, unit, staff, calendar year, the
    # suggestions for a matter, documents added to a case (form), and the public's report and its additions
    # (forms), a problem recorded from a hotspot and a change to it, a daily check and a media item found by
    # monitoring, and the emergency plans' (a plan, its extension, a statement, a duty log entry).
    assert checked >= len(bodies) == len(ACTIONS) + 18, checked


@pytest.mark.parametrize("ahead", [0, 40, 800], ids=["today", "in 40 days", "in 800 days"])
def test_every_action_body_example_stays_a_valid_request_as_the_calendar_moves(ahead):
    """A deadline's example is made when the schema is read (params.Upcoming): the fixed dates it had were
    refused once they passed (a deadline is still to come, and within a year), and with them the requests the
    API documents and CI's example checks, from 9 December 2026 on."""
    later = timezone.now() + dt.timedelta(days=ahead)
    with mock.patch("django.utils.timezone.now", return_value=later):
        components = _schema()["components"]["schemas"]
        for name, action in ACTIONS.items():
            body_name = "".join(part.title() for part in name.split("_")) + "In"
            (example,) = components[body_name]["examples"]
            action.params.model_validate(example)


def test_every_action_body_example_is_made_of_its_fields_examples():
    """Declared once: each human action's parameters carry their examples beside their descriptions, and the
    `<Action>In` body's example is assembled from them (redress.lifecycle.params.example_of)."""
    components = _schema()["components"]["schemas"]
    for name, action in ACTIONS.items():
        fields = action.params.model_fields
        assert all(examples_of(info) for info in fields.values()), name
        body_name = "".join(part.title() for part in name.split("_")) + "In"
        (example,) = components[body_name]["examples"]
        assert example == {field: examples_of(info)[0] for field, info in fields.items()}, name
        # Every field's own example is documented on its property as well.
        for field, info in fields.items():
            assert components[body_name]["properties"][field]["examples"] == examples_of(info), (name, field)


def test_every_parameter_has_an_example_valid_against_its_schema():
    schema = _schema()
    missing = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "header":
                    continue  # If-Match: a client sends the version it read, nothing to exemplify
                if "example" not in parameter:
                    if (path, parameter["name"]) not in NO_EXAMPLE:
                        missing.append(f"{method.upper()} {path} {parameter['name']}")
                    continue
                errors = list(_validator(schema, parameter["schema"]).iter_errors(parameter["example"]))
                assert not errors, (path, parameter["name"], [e.message for e in errors])
                # A parameter's `examples` is a map of Example Objects in OpenAPI, not pydantic's list.
                assert "examples" not in parameter, (path, parameter["name"])
    assert not missing, missing


def test_the_examples_name_units_and_people_of_the_demo_bank(db, settings):
    """The examples are requests a client of `make run` can send as they are: the units and usernames they
    name exist in the demo bank (redress load-demo), and the calendar example is a year the calendar loads."""
    from redress.calendar.services import parse_arrangement
    from redress.core.demo import load_demo
    from redress.lifecycle.params import reference_of
    from redress.organisation.models import Staff, Unit

    load_demo(cases=0)
    schema = _schema()
    components = schema["components"]["schemas"]
    registration = components["CaseIn"]["examples"][0]
    units = {registration["subject_unit"], components["StaffIn"]["examples"][0]["unit"]}
    units.add(components["UnitIn"]["examples"][0]["parent"])
    people = {registration["subject_staff"], components["Credentials"]["examples"][0]["username"]}
    for action in ACTIONS.values():
        for info in action.params.model_fields.values():
            reference = reference_of(info)
            if reference is not None and reference.model == "unit":
                units.add(info.examples[0])
            elif reference is not None and reference.model == "staff":
                people.add(info.examples[0])
    for methods in schema["paths"].values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in {"unit", "parent"} and "example" in parameter:
                    units.add(parameter["example"])
    assert units <= set(Unit.objects.values_list("code", flat=True)), units
    assert people <= set(Staff.objects.values_list("username", flat=True)), people
    assert not Unit.objects.filter(code=components["UnitIn"]["examples"][0]["code"]).exists()
    assert not Staff.objects.filter(username=components["StaffIn"]["examples"][0]["username"]).exists()
    year = schema["paths"]["/api/v1/calendar/years/{year}"]["put"]["parameters"][0]["example"]
    assert parse_arrangement({"year": year, **components["ArrangementIn"]["examples"][0]}, year).days()


def test_the_token_endpoints_document_their_refusals_and_examples():
    schema = json.loads(Client().get("/api/v1/openapi.json").content)
    paths = schema["paths"]
    issue = paths["/api/v1/auth/token"]["post"]
    assert {"200", "401", "422", "429"} <= set(issue["responses"])
    assert "Retry-After" in issue["description"]
    assert {"200", "401", "403", "422"} <= set(paths["/api/v1/auth/tokens"]["get"]["responses"])
    revoke = paths["/api/v1/auth/tokens/{key}"]["delete"]
    assert {"200", "401", "404", "422"} <= set(revoke["responses"])
    assert revoke["parameters"][0]["example"]
    listed = schema["components"]["schemas"]["TokenOut"]["properties"]
    assert {"key", "expires_at", "last_used_at", "revoked", "current"} <= set(listed)
    assert "token" not in listed and "digest" not in listed
