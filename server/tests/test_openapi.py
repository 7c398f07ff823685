"""The committed docs/openapi.yml is exactly what the server serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from expacti_server.api.openapi_doc import openapi_document, render

COMMITTED = Path(__file__).parents[2] / "docs" / "openapi.yml"


def test_committed_openapi_matches_the_served_document() -> None:
    assert COMMITTED.read_text() == render(), "run `make openapi` and commit docs/openapi.yml"


def test_every_issue_route_is_in_the_document() -> None:
    paths = yaml.safe_load(COMMITTED.read_text())["paths"]
    expected = {
        ("/api/v1/commands", "post"),
        ("/api/v1/commands", "get"),
        ("/api/v1/commands/{command_id}", "get"),
        ("/api/v1/commands/{command_id}/approve", "post"),
        ("/api/v1/commands/{command_id}/deny", "post"),
        ("/api/v1/commands/{command_id}/cancel", "post"),
        ("/api/v1/whitelist", "get"),
        ("/api/v1/whitelist", "post"),
        ("/api/v1/whitelist/{rule_id}", "get"),
        ("/api/v1/whitelist/{rule_id}", "patch"),
        ("/api/v1/whitelist/{rule_id}", "delete"),
        ("/api/v1/whitelist/preview", "post"),
        ("/api/v1/whitelist/{rule_id}/expire", "post"),
        ("/api/v1/commands/{command_id}/audit", "get"),
        ("/api/v1/session", "post"),
        ("/api/v1/session", "get"),
        ("/api/v1/session", "delete"),
        ("/api/v1/keys", "post"),
        ("/api/v1/keys", "get"),
        ("/api/v1/keys/{key_id}", "delete"),
        ("/api/v1/oversight", "get"),
        ("/api/v1/suggestions", "get"),
        ("/api/v1/suggestions/{suggestion_id}/accept", "post"),
        ("/api/v1/suggestions/{suggestion_id}/dismiss", "post"),
        ("/api/v1/sessions", "get"),
        ("/api/v1/sessions/{session_id}", "get"),
        ("/api/v1/policies", "get"),
        ("/api/v1/policies", "post"),
        ("/api/v1/reviewers/{reviewer_id}", "patch"),
        ("/api/v1/agents/{agent_id}", "patch"),
        ("/api/v1/anomalies", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
    }
    present = {(path, method) for path, item in paths.items() for method in item}
    assert expected <= present


def test_errors_are_documented_with_the_one_error_shape() -> None:
    document = openapi_document()
    approve = document["paths"]["/api/v1/commands/{command_id}/approve"]["post"]
    assert approve["responses"]["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }


def _refs(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                found.add(value.rsplit("/", 1)[-1])
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def test_response_schemas_list_every_field_the_server_always_sends_as_required() -> None:
    """The web client's types come from this document (openapi-typescript with
    --default-non-nullable false): a response field with a default that is not
    "required" would be typed optional although the server always sends it."""
    document = yaml.safe_load(COMMITTED.read_text())
    schemas = document["components"]["schemas"]

    def closure(names: set[str]) -> set[str]:
        seen, stack = set(names), list(names)
        while stack:
            for name in _refs(schemas.get(stack.pop(), {}), set()) - seen:
                seen.add(name)
                stack.append(name)
        return seen

    operations = [op for item in document["paths"].values() for op in item.values()]
    requests = closure(_refs([op.get("requestBody", {}) for op in operations], set()))
    responses = closure(_refs([op.get("responses", {}) for op in operations], set()))
    loose = {
        name: [
            field
            for field, spec in schemas[name].get("properties", {}).items()
            if "default" in spec and field not in schemas[name].get("required", [])
        ]
        for name in responses - requests
    }
    assert {name: fields for name, fields in loose.items() if fields} == {}
