"""``expacti-server serve | eval | migrate | token … | apikey create | audit … | recording …``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from expacti_server import __version__
from expacti_server.app import create_app
from expacti_server.cli.audit import audit_app
from expacti_server.cli.common import err, load_settings, run_with_database
from expacti_server.cli.recording import recording_app
from expacti_server.db.engine import Database
from expacti_server.identity.demo import DEMO_AGENT_TOKEN, DEMO_REVIEWER_TOKEN
from expacti_server.identity.roles import ReviewerRole
from expacti_server.identity.secrets import CredentialKind
from expacti_server.identity.service import IssuedCredential, issue_credential, revoke_credential
from expacti_server.logs import configure
from expacti_server.settings import Settings
from expacti_server.webapp.routes import DIST as WEB_DIST

app = typer.Typer(help="expacti server: the approval gate.", no_args_is_help=True)
token_app = typer.Typer(help="Agent and reviewer tokens.", no_args_is_help=True)
apikey_app = typer.Typer(help="Reviewer API keys (expacti_<32 hex>).", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(apikey_app, name="apikey")
app.add_typer(audit_app, name="audit")
app.add_typer(recording_app, name="recording")
console = Console()


class TokenRole(StrEnum):
    """Whom a token is for."""

    agent = "agent"
    reviewer = "reviewer"


def _serve(settings: Settings) -> None:
    configure(level=settings.log_level, fmt=settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        ws_max_size=settings.max_frame_bytes,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=5,
    )


@app.command()
def serve() -> None:
    """Run the server with the configured settings."""
    _serve(load_settings())


@app.command("eval")
def eval_stack() -> None:
    """Run with the embedded defaults: SQLite, the demo org and the demo tokens."""
    settings = load_settings(eval_mode=True)
    base = settings.effective_public_url
    ws_base = base.replace("http", "ws", 1)
    console.print(f"[bold]expacti {__version__}[/bold] — evaluation stack (SQLite, demo tokens)")
    console.print(f"  Reviewer app:           {base}/app/", soft_wrap=True)
    if not (WEB_DIST / "index.html").is_file():
        console.print("  [yellow]The web app is not built: run `make web`.[/yellow]")
    console.print(f"  API description:        {base}/api/openapi.json", soft_wrap=True)
    console.print(f"  API base:               {base}/api/v1")
    console.print(f"  Agent WebSocket:        {ws_base}/shell/ws")
    console.print(f"  Data:                   {settings.effective_database_url}")
    console.print(f"  Agent token:            {DEMO_AGENT_TOKEN}")
    console.print(f"  Reviewer token:         {DEMO_REVIEWER_TOKEN}  (sign in to the app with it)")
    auth = f"-H 'Authorization: Bearer {DEMO_REVIEWER_TOKEN}'"
    console.print(
        f"  Pending, from a shell:  curl {auth} '{base}/api/v1/commands?status=pending'",
        soft_wrap=True,
    )
    _serve(settings)


@app.command()
def migrate() -> None:
    """Apply database migrations (the server also does this at startup)."""
    settings = load_settings()

    async def noop(_: Database) -> None:
        return None

    run_with_database(settings, noop)
    console.print("database is at the newest schema")


def _issue(
    kind: CredentialKind,
    org: str,
    name: str,
    label: str | None,
    reviewer_role: ReviewerRole | None = None,
) -> IssuedCredential:
    async def work(database: Database) -> IssuedCredential:
        async with database.write() as conn:
            return await issue_credential(
                conn,
                org_name=org,
                kind=kind,
                principal_name=name,
                credential_name=label,
                reviewer_role=reviewer_role,
            )

    return run_with_database(load_settings(), work)


def _print_secret(issued: IssuedCredential) -> None:
    err.print(
        f"created {issued.kind.value} {issued.id} for {issued.principal_name} "
        f"in org {issued.org_name}; it is shown once:"
    )
    console.print(issued.secret, highlight=False, soft_wrap=True)


@token_app.command("create")
def token_create(
    role: Annotated[TokenRole, typer.Option(help="agent (submits) or reviewer (decides).")],
    name: Annotated[str, typer.Option(help="The agent's or reviewer's name.")],
    org: Annotated[str, typer.Option(help="Organisation (created if missing).")] = "default",
    label: Annotated[str | None, typer.Option(help="A label for the token.")] = None,
    reviewer_role: Annotated[
        ReviewerRole | None,
        typer.Option(
            help="A reviewer's role: admin, senior, reviewer or auditor (read-only). "
            "Default: admin for an org's first reviewer, reviewer for later ones; an existing "
            "reviewer keeps theirs."
        ),
    ] = None,
) -> None:
    """Create a token; prints it once on standard output."""
    if role is TokenRole.agent and reviewer_role is not None:
        err.print("[red]error:[/red] --reviewer-role is for reviewer tokens")
        raise typer.Exit(2)
    kind = CredentialKind.AGENT_TOKEN if role is TokenRole.agent else CredentialKind.REVIEWER_TOKEN
    _print_secret(_issue(kind, org, name, label, reviewer_role))


@token_app.command("revoke")
def token_revoke(
    credential_ids: Annotated[list[str], typer.Argument(help="Credential ids (cred_…).")],
) -> None:
    """Revoke tokens or API keys by id."""

    async def work(database: Database) -> list[bool]:
        async with database.write() as conn:
            return [await revoke_credential(conn, credential_id=c) for c in credential_ids]

    results = run_with_database(load_settings(), work)
    for credential_id, revoked in zip(credential_ids, results, strict=True):
        console.print(
            f"{credential_id}: {'revoked' if revoked else 'not found or already revoked'}"
        )
    if not all(results):
        raise typer.Exit(1)


@apikey_app.command("create")
def apikey_create(
    reviewer: Annotated[str, typer.Option(help="The reviewer the key acts as.")],
    org: Annotated[str, typer.Option(help="Organisation (created if missing).")] = "default",
    label: Annotated[str | None, typer.Option(help="A label for the key.")] = None,
) -> None:
    """Create a reviewer API key (expacti_<32 hex>); prints it once."""
    _print_secret(_issue(CredentialKind.API_KEY, org, reviewer, label))


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)
