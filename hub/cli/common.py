"""What every `hub` command shares: the app, the consoles, loading the config, opening the
store and building connectors."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from connectors.base import Connector
from connectors.registry import build_connector
from hub.config import HubConfig, load_config
from hub.errors import HubError
from hub.runtime import migrate_store as migrate_store  # re-exported with open_store: every command
from hub.runtime import open_store as open_store  # opens and migrates one
from hub.store import Store

app = typer.Typer(
    help="Xietong Hub: cross-department approval data as one GraphQL graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _print_version(wanted: bool) -> None:
    if wanted:
        print(f"hub (xietong-hub) {version('xietong-hub')}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_print_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Xietong Hub: cross-department approval data as one GraphQL graph."""


# Wide enough for the sync table when output is not a terminal (CI logs, pipes).
console = Console(width=None if sys.stdout.isatty() else 140)
# Errors are never wrapped by us: a path or URL broken over lines cannot be copied or grepped.
errors = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")

ConfigPath = Annotated[
    Path, typer.Option("--config", "-c", envvar="HUB_CONFIG", help="The hub.toml to use.")
]


def load_settings(path: Path) -> HubConfig:
    try:
        return load_config(path)
    except HubError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def build_connectors(config: HubConfig, names: Sequence[str] = ()) -> list[Connector[Any]]:
    try:
        chosen = (
            [config.connector(n) for n in names]
            if names
            else [c for c in config.connectors if c.enabled]
        )
        return [build_connector(c, config) for c in chosen]
    except HubError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def run_reporting(main: Coroutine[object, object, T]) -> T:
    """``asyncio.run(main)``; a ``HubError`` is printed and exits with 2."""
    try:
        return asyncio.run(main)
    except HubError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def on_store(settings: HubConfig, action: Callable[[Store], Awaitable[T]]) -> T:
    """Run ``action`` on the migrated store; a ``HubError`` is printed and exits with 2."""

    async def run() -> T:
        store = open_store(settings)
        try:
            await migrate_store(store, settings)
            return await action(store)
        finally:
            await store.dispose()

    return run_reporting(run())
