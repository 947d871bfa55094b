"""`hub token ...`: bearer tokens for pushes and reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hub import auth
from hub.cli.common import (
    ConfigPath,
    app,
    console,
    errors,
    load_settings,
    on_store,
)
from hub.errors import HubError
from hub.store import Store

token_app = typer.Typer(
    help="Bearer tokens for /ingest and the API; the store keeps only their hashes.",
    no_args_is_help=True,
)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="A unique name, e.g. zjj-push.")],
    scope: Annotated[
        list[str] | None,
        typer.Option(help="What it may do: read (the default), ingest:<connector>, ingest:*."),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            help="What it reads: public, department, supervisor, operator, auditor or a role "
            "of [roles] (default: the anonymous role)."
        ),
    ] = None,
    department: Annotated[str | None, typer.Option(help="The department it acts for.")] = None,
    config: ConfigPath = Path("hub.toml"),
) -> None:
    """Create a token and print it (shown only once)."""
    settings = load_settings(config)
    scopes = scope or ["read"]
    try:
        rules = settings.role(role) if role is not None else None
    except HubError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None

    async def create(store: Store) -> str:
        token = await auth.create_token(
            store,
            name,
            scopes=scopes,
            department=department,
            role=role,
            needs_department=rules is not None and rules.data == "department",
        )
        detail = {"name": name, "scopes": sorted(scopes), "role": role, "department": department}
        await auth.audit(store, "cli", "token.create", detail)
        return token

    token = on_store(settings, create)
    errors.print(f"token {name!r} created; store it now, it is not shown again:")
    typer.echo(token)


@token_app.command("revoke")
def token_revoke(name: str, config: ConfigPath = Path("hub.toml")) -> None:
    """Revoke a token: requests with it are refused from now on."""

    async def revoke(store: Store) -> None:
        await auth.revoke_token(store, name)
        await auth.audit(store, "cli", "token.revoke", {"name": name})

    on_store(load_settings(config), revoke)
    console.print(f"token {name!r} revoked")


@token_app.command("list")
def token_list(config: ConfigPath = Path("hub.toml")) -> None:
    """Show every token: department, scopes, and when it was created or revoked."""
    table = Table(title="tokens")
    for column in ("name", "role", "department", "scopes", "created", "revoked"):
        table.add_column(column)
    for info in on_store(load_settings(config), auth.list_tokens):
        table.add_row(
            info.name,
            info.role or "",
            info.department or "",
            " ".join(info.scopes),
            f"{info.created_at:%Y-%m-%d %H:%M:%S}Z",
            f"{info.revoked_at:%Y-%m-%d %H:%M:%S}Z" if info.revoked_at else "",
        )
    console.print(table)
