"""The committed docs/openapi.yml is exactly what the server serves."""

from __future__ import annotations

from pathlib import Path

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
