"""One exception tree, one error shape."""

from __future__ import annotations

import inspect

from expacti_server import errors
from expacti_server.api.errors import render


def _classes() -> list[type[errors.ExpactiError]]:
    return [
        obj
        for _, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, errors.ExpactiError)
    ]


def test_every_error_renders_as_code_message_details() -> None:
    response = render(errors.AlreadyDecided(command_id="cmd_1"))
    assert response.status_code == 409
    assert response.body == (
        b'{"error":{"code":"already_decided","message":"the command has already been decided",'
        b'"details":{"command_id":"cmd_1"}}}'
    )


def test_codes_are_unique_and_every_class_is_documented_in_the_tree() -> None:
    classes = _classes()
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes))
    for cls in classes:
        assert cls.__doc__, cls
        assert cls.__name__ in (errors.__doc__ or ""), f"{cls.__name__} missing from the tree"


def test_unauthenticated_errors_ask_for_a_bearer_token() -> None:
    assert render(errors.AuthenticationFailed()).headers["WWW-Authenticate"] == "Bearer"


async def test_an_unexpected_failure_is_a_500_in_the_one_shape_without_a_trace() -> None:
    import httpx

    from expacti_server.app import create_app
    from expacti_server.settings import Settings

    app = create_app(Settings(database_url="sqlite+aiosqlite://"))

    async def explode() -> None:
        raise RuntimeError("secret internals: /etc/expacti/key line 42")

    app.add_api_route("/boom", explode)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "internal_error", "message": "internal error", "details": {}}
    }
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
