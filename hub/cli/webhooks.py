"""`hub webhook ...`: register and look after a department's webhooks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hub.bus import create_bus
from hub.cli.common import (
    ConfigPath,
    T,
    app,
    console,
    errors,
    load_settings,
    migrate_store,
    open_store,
)
from hub.config import HubConfig
from hub.feed import ChangeFilter, FeedFilterError
from hub.secret_key import SecretKeyError
from hub.webhooks import (
    Webhook,
    WebhookError,
    WebhookNotFoundError,
    Webhooks,
)
from hub.webhooks.targets import TargetPolicy

webhook_app = typer.Typer(
    help="Webhooks: signed POSTs of matching changes, in seq order.", no_args_is_help=True
)
app.add_typer(webhook_app, name="webhook")
Values = Annotated[list[str] | None, typer.Option()]


def _on_webhooks(settings: HubConfig, action: Callable[[Webhooks], Awaitable[T]]) -> T:
    """Run ``action`` on the store's webhooks, waking the delivery workers of every process."""

    async def run() -> T:
        store = open_store(settings)
        try:
            await migrate_store(store, settings)
            async with create_bus(settings.bus.url) as bus:
                policy = TargetPolicy.allowing(settings.webhooks.allow_cidrs)
                return await action(Webhooks(store, bus, policy=policy))
        finally:
            await store.dispose()

    try:
        return asyncio.run(run())
    except (WebhookError, WebhookNotFoundError, FeedFilterError, SecretKeyError) as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def _webhook_table(hooks: Sequence[Webhook]) -> Table:
    table = Table(title="webhooks")
    for column in ("name", "url", "department", "filter", "state", "delivered", "error", "next"):
        table.add_column(column)
    for hook in hooks:
        colour = {"active": "green", "failing": "red"}.get(hook.state, "yellow")
        table.add_row(
            hook.name,
            hook.url,
            hook.department or "",
            json.dumps(hook.filter.to_json(), ensure_ascii=False),
            f"[{colour}]{hook.state}[/{colour}]",
            str(hook.delivered_seq),
            hook.last_error or "",
            f"{hook.next_attempt_at:%Y-%m-%d %H:%M:%S}Z" if hook.next_attempt_at else "",
        )
    return table


@webhook_app.command("create")
def webhook_create(
    name: Annotated[str, typer.Argument(help="A unique name, e.g. zjj-permits.")],
    url: Annotated[str, typer.Argument(help="The receiver's http(s) URL.")],
    department: Annotated[str | None, typer.Option(help="The subscribing department.")] = None,
    entity: Values = None,
    field: Values = None,
    project: Values = None,
    source_department: Annotated[
        list[str] | None, typer.Option(help="Only changes reported by these departments.")
    ] = None,
    matter: Values = None,
    after: Annotated[
        int | None, typer.Option(help="Start after this seq (default: changes from now on).")
    ] = None,
    config: ConfigPath = Path("hub.toml"),
) -> None:
    """Register a webhook and print its signing secret (shown only once)."""
    settings = load_settings(config)

    async def create(hooks: Webhooks) -> Webhook:
        wanted = ChangeFilter.build(
            entities=entity,
            fields=field,
            project_codes=project,
            departments=source_department,
            matter_codes=matter,
        )
        return await hooks.register(name, url, wanted, department=department, after=after)

    hook = _on_webhooks(settings, create)
    console.print(_webhook_table([hook]))
    console.print(f"secret (verify signatures with it; shown only now): [bold]{hook.secret}[/bold]")


@webhook_app.command("list")
def webhook_list(config: ConfigPath = Path("hub.toml")) -> None:
    """Show every webhook and its delivery state."""
    console.print(_webhook_table(_on_webhooks(load_settings(config), lambda hooks: hooks.list())))


@webhook_app.command("redeliver")
def webhook_redeliver(
    name: str,
    from_seq: Annotated[int, typer.Option("--from", help="The first seq to deliver again.")],
    config: ConfigPath = Path("hub.toml"),
) -> None:
    """Deliver every matching change from a seq on again, in order."""
    hook = _on_webhooks(load_settings(config), lambda hooks: hooks.redeliver(name, from_seq))
    console.print(_webhook_table([hook]))


@webhook_app.command("pause")
def webhook_pause(name: str, config: ConfigPath = Path("hub.toml")) -> None:
    """Stop delivering to a webhook (its progress is kept)."""
    console.print(
        _webhook_table([_on_webhooks(load_settings(config), lambda hooks: hooks.pause(name))])
    )


@webhook_app.command("resume")
def webhook_resume(name: str, config: ConfigPath = Path("hub.toml")) -> None:
    """Deliver to a paused or failing webhook again now."""
    console.print(
        _webhook_table([_on_webhooks(load_settings(config), lambda hooks: hooks.resume(name))])
    )


@webhook_app.command("delete")
def webhook_delete(name: str, config: ConfigPath = Path("hub.toml")) -> None:
    """Remove a webhook."""
    _on_webhooks(load_settings(config), lambda hooks: hooks.delete(name))
    console.print(f"webhook {name!r} deleted")


@webhook_app.command("rekey")
def webhook_rekey(config: ConfigPath = Path("hub.toml")) -> None:
    """Encrypt every webhook secret with the first key of HUB_SECRET_KEY (after a rotation)."""
    count = _on_webhooks(load_settings(config), lambda hooks: hooks.rekey())
    console.print(f"{count} webhook secrets re-encrypted with the first key of HUB_SECRET_KEY")
