"""The ``hub`` command line: the composition root that wires config, store, connectors, the
sync engine, the scheduler and the web app together."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from connectors.base import Connector
from connectors.registry import build_connector
from hub import auth
from hub.bus import create_bus
from hub.config import HubConfig, load_config
from hub.errors import HubError
from hub.feed import ChangeFilter, FeedFilterError
from hub.status import StreamStatus
from hub.store import Store
from hub.sync import CommitHook, RunReport, StreamStats, SyncEngine
from hub.webhooks import (
    DeliverySettings,
    Webhook,
    WebhookError,
    WebhookNotFoundError,
    Webhooks,
    WebhookWorker,
)

app = typer.Typer(
    help="Xietong Hub: cross-department approval data as one GraphQL graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# Wide enough for the sync table when output is not a terminal (CI logs, pipes).
console = Console(width=None if sys.stdout.isatty() else 140)
errors = Console(stderr=True)
T = TypeVar("T")

ConfigPath = Annotated[
    Path, typer.Option("--config", "-c", envvar="HUB_CONFIG", help="The hub.toml to use.")
]


def _load(path: Path) -> HubConfig:
    try:
        return load_config(path)
    except HubError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def _store(config: HubConfig) -> Store:
    return Store(config.resolve_url(config.store.url), echo=config.store.echo)


def _connectors(config: HubConfig, names: Sequence[str] = ()) -> list[Connector]:
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


_COUNTS = (
    "read", "inserted", "updated", "unchanged", "deleted", "rejected", "orphans", "conflicts",
)  # fmt: skip


def _report_table(reports: Sequence[RunReport]) -> Table:
    table = Table(title="sync")
    table.add_column("connector")
    table.add_column("stream")
    for column in (*_COUNTS, "seconds"):
        table.add_column(column, justify="right")
    table.add_column("state")
    for report in reports:
        state = "[green]ok[/green]" if report.state == "succeeded" else f"[red]{report.state}[/red]"
        for s in report.streams:
            counts = (f"{getattr(s, n):,}" for n in _COUNTS)
            table.add_row(report.connector, s.stream, *counts, f"{s.seconds:.2f}", state)
        if not report.streams:
            blanks = [""] * len(_COUNTS)
            table.add_row(report.connector, "-", *blanks, f"{report.seconds:.2f}", state)
    return table


async def sync_all(
    config: HubConfig,
    store: Store,
    names: Sequence[str] = (),
    *,
    full: bool = False,
    reconcile: bool = False,
    force: bool = False,
    show_progress: bool = True,
    on_commit: CommitHook | None = None,
) -> list[RunReport]:
    """Sync the named connectors (all enabled ones by default) in config order; with
    ``reconcile``, scan their keys for deletes instead."""
    engine = SyncEngine(store, config, on_commit=on_commit)
    reports: list[RunReport] = []
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.fields[rows]:>10,} rows"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not show_progress,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def advance(stats: StreamStats) -> None:
            label = f"{stats.connector}/{stats.stream}"
            if label not in tasks:
                tasks[label] = progress.add_task(label, total=None, rows=0)
            progress.update(tasks[label], rows=stats.read)

        for connector in _connectors(config, names):
            try:
                if reconcile:
                    run = engine.reconcile(connector, force=force, progress=advance)
                else:
                    run = engine.sync(connector, full=full, progress=advance)
                reports.append(await run)
            finally:
                await connector.close()
    for report in reports:
        if report.error:
            errors.print(f"[red]{report.connector} failed:[/red] {report.error}")
    return reports


@app.command()
def migrate(config: ConfigPath = Path("hub.toml")) -> None:
    """Apply the store's schema migrations (also done on every start)."""
    settings = _load(config)

    async def run() -> None:
        store = _store(settings)
        try:
            await store.migrate()
        finally:
            await store.dispose()

    asyncio.run(run())
    console.print("store is at the latest schema")


@app.command()
def sync(
    connector: Annotated[
        list[str] | None, typer.Argument(help="Connectors to sync (default: all).")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Re-read everything, not just what changed.")
    ] = False,
    reconcile: Annotated[
        bool,
        typer.Option(
            "--reconcile", help="Scan the sources' keys and soft-delete rows gone from them."
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With --reconcile: delete past the safety cap.")
    ] = False,
    config: ConfigPath = Path("hub.toml"),
) -> None:
    """Sync department sources into the store now, and print what changed."""
    settings = _load(config)

    async def run() -> list[RunReport]:
        store = _store(settings)
        try:
            await store.migrate()
            # Wake subscribers and webhook workers of every hub process on the store.
            async with create_bus(settings.bus.url) as bus:
                return await sync_all(
                    settings,
                    store,
                    connector or (),
                    full=full,
                    reconcile=reconcile,
                    force=force,
                    on_commit=bus.publish,
                )
        finally:
            await store.dispose()

    reports = asyncio.run(run())
    console.print(_report_table(reports))
    if any(r.state != "succeeded" for r in reports):
        raise typer.Exit(1)


@app.command()
def status(config: ConfigPath = Path("hub.toml")) -> None:
    """Show each connector's last run, rows, rejects, cursor and lag behind its source."""
    from hub.status import connector_status

    settings = _load(config)

    async def run() -> list[StreamStatus]:
        store = _store(settings)
        connectors = _connectors(settings)
        try:
            await store.migrate()
            return await connector_status(store, connectors)
        finally:
            for connector in connectors:
                await connector.close()
            await store.dispose()

    table = Table(title=f"status {config}")
    numeric = {"read", "written", "rejects", "lag (rows)"}
    for column in ("connector", "stream", "last run (UTC)", "state", "read", "written",
                   "rejects", "cursor", "lag (rows)"):  # fmt: skip
        table.add_column(column, justify="right" if column in numeric else "left")
    previous = None
    for row in asyncio.run(run()):
        colour = {"succeeded": "green", "failed": "red", "running": "yellow"}.get(row.state, "dim")
        first = row.connector != previous  # run-level figures once per connector
        previous = row.connector
        table.add_row(
            row.connector if first else "",
            row.stream,
            f"{row.last_run_at:%Y-%m-%d %H:%M:%S}" if row.last_run_at and first else "",
            f"[{colour}]{row.state}[/{colour}]" if first else "",
            f"{row.rows_read:,}" if first else "",
            f"{row.rows_written:,}" if first else "",
            f"{row.rejects:,}",
            "-" if row.cursor is None else str(row.cursor),
            "?" if row.pending is None else f"{row.pending:,}",
        )
    console.print(table)


@app.command()
def check(config: ConfigPath = Path("hub.toml")) -> None:
    """Validate the config, reach every source and check each stream's mapping against it."""
    settings = _load(config)

    async def run() -> list[tuple[str, str, str, str]]:
        rows: list[tuple[str, str, str, str]] = []
        store = _store(settings)
        engine = SyncEngine(store, settings)
        try:
            try:
                await store.migrate()
                rows.append(("(store)", "", "ok", store.url.render_as_string(hide_password=True)))
            except Exception as exc:  # any driver error means: not reachable
                rows.append(("(store)", "", "unreachable", str(exc)))
            for connector in _connectors(settings):
                try:
                    description = await connector.check()
                    problems = await engine.verify(connector)
                    rows.append((connector.name, "", "ok", description))
                    for stream, problem in problems.items():
                        rows.append(
                            (
                                connector.name,
                                stream,
                                "ok" if problem is None else "mapping error",
                                problem or "",
                            )
                        )
                except HubError as exc:
                    state = "unreachable" if exc.transient else "error"
                    rows.append((connector.name, "", state, str(exc)))
                finally:
                    await connector.close()
        finally:
            await store.dispose()
        return rows

    rows = asyncio.run(run())
    table = Table(title=f"check {config}")
    for column in ("connector", "stream", "state", "detail"):
        table.add_column(column)
    for name, stream, state, detail in rows:
        colour = "green" if state == "ok" else "red"
        table.add_row(name, stream, f"[{colour}]{state}[/{colour}]", detail)
    console.print(table)
    if any(state != "ok" for _, _, state, _ in rows):
        raise typer.Exit(1)


def _serve(settings: HubConfig, host: str | None, port: int | None, *, scheduler: bool) -> None:
    import uvicorn

    from hub.app import create_app

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    application = create_app(settings, run_scheduler=scheduler)
    uvicorn.run(
        application,
        host=host or settings.server.host,
        port=port or settings.server.port,
        log_level="info",
    )


@app.command()
def serve(
    config: ConfigPath = Path("hub.toml"),
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    scheduler: Annotated[
        bool, typer.Option(help="Also run scheduled syncs in this process.")
    ] = True,
) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql)."""
    _serve(_load(config), host, port, scheduler=scheduler)


@app.command()
def worker(config: ConfigPath = Path("hub.toml")) -> None:
    """Run scheduled syncs and webhook delivery without serving the API."""
    settings = _load(config)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from jobs.sync_jobs import SyncJobs

    async def run() -> None:
        store = _store(settings)
        await store.migrate()
        async with (
            create_bus(settings.bus.url) as bus,
            WebhookWorker(store, bus, DeliverySettings.from_config(settings.webhooks)),
        ):
            engine = SyncEngine(store, settings, on_commit=bus.publish)
            jobs = SyncJobs(engine, _connectors(settings))
            jobs.start()
            try:
                await asyncio.Event().wait()
            finally:
                jobs.shutdown()
                for connector in jobs.connectors.values():
                    await connector.close()
                await store.dispose()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


@app.command()
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo sources, hub.toml and store go.")
    ] = Path("demo"),
    scale: Annotated[
        float, typer.Option(help="Multiply the seed's 1,780 projects and 7,550 filings.")
    ] = 1.0,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed builds the same data.")
    ] = 2014,
    rebuild: Annotated[
        bool, typer.Option(help="Rebuild the sources and store even if present.")
    ] = False,
    serve_api: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API afterwards.")
    ] = True,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Build demo department databases, sync them into the store, and serve the API."""
    from hub.demo import build_demo

    marker = directory / ".demo-build"
    wanted = f"scale={scale} seed={seed}\n"
    if rebuild or not marker.exists() or marker.read_text() != wanted:
        console.print(f"building demo department sources in {directory}/ (scale {scale}) ...")
        for stale in (directory / "hub.db", directory / "hub.db-wal", directory / "hub.db-shm"):
            stale.unlink(missing_ok=True)
        build_demo(directory, scale=scale, seed=seed)
        marker.write_text(wanted)
    settings = _load(directory / "hub.toml")

    async def run() -> list[RunReport]:
        store = _store(settings)
        try:
            await store.migrate()
            async with create_bus(settings.bus.url) as bus:
                return await sync_all(settings, store, on_commit=bus.publish)
        finally:
            await store.dispose()

    reports = asyncio.run(run())
    console.print(_report_table(reports))
    if serve_api:
        address = f"http://{host or settings.server.host}:{port or settings.server.port}/graphql"
        console.print(f"GraphiQL: [bold]{address}[/bold]")
        _serve(settings, host, port, scheduler=True)


@app.command()
def schema() -> None:
    """Print the GraphQL schema (SDL)."""
    from schema import build_schema

    typer.echo(build_schema().as_str())


@app.command()
def query(
    file: Annotated[Path, typer.Argument(help="A .graphql file with one query.")],
    var: Annotated[
        list[str] | None, typer.Option("--var", help="A variable, NAME=VALUE (JSON or text).")
    ] = None,
    output: Annotated[
        str, typer.Option("--format", help="json, or csv: the rows of the first list.")
    ] = "json",
    config: ConfigPath = Path("hub.toml"),
) -> None:
    """Run a GraphQL query against the store and print the result (errors on stderr)."""
    from rich.markup import escape

    from hub.query_file import error_lines, parse_variables, run_query, to_csv

    if output not in ("json", "csv"):
        errors.print(f"[red]error:[/red] --format {output!r}: use json or csv")
        raise typer.Exit(2)
    try:
        text = file.read_text(encoding="utf-8")
        variables = parse_variables(var or [], text)
    except (OSError, ValueError) as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    settings = _load(config)
    response = _on_store(settings, lambda store: run_query(settings, store, text, variables))
    for line in error_lines(response.get("errors", [])):
        errors.print(f"[red]error:[/red] {escape(line)}", highlight=False)
    if output == "csv":
        typer.echo(to_csv(response["data"]), nl=False)
    else:
        typer.echo(json.dumps(response, ensure_ascii=False, indent=2))
    if response.get("errors"):
        raise typer.Exit(1)


webhook_app = typer.Typer(
    help="Webhooks: signed POSTs of matching changes, in seq order.", no_args_is_help=True
)
app.add_typer(webhook_app, name="webhook")
Values = Annotated[list[str] | None, typer.Option()]


def _on_webhooks(settings: HubConfig, action: Callable[[Webhooks], Awaitable[T]]) -> T:
    """Run ``action`` on the store's webhooks, waking the delivery workers of every process."""

    async def run() -> T:
        store = _store(settings)
        try:
            await store.migrate()
            async with create_bus(settings.bus.url) as bus:
                return await action(Webhooks(store, bus))
        finally:
            await store.dispose()

    try:
        return asyncio.run(run())
    except (WebhookError, WebhookNotFoundError, FeedFilterError) as exc:
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
    settings = _load(config)

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
    console.print(_webhook_table(_on_webhooks(_load(config), lambda hooks: hooks.list())))


@webhook_app.command("redeliver")
def webhook_redeliver(
    name: str,
    from_seq: Annotated[int, typer.Option("--from", help="The first seq to deliver again.")],
    config: ConfigPath = Path("hub.toml"),
) -> None:
    """Deliver every matching change from a seq on again, in order."""
    hook = _on_webhooks(_load(config), lambda hooks: hooks.redeliver(name, from_seq))
    console.print(_webhook_table([hook]))


@webhook_app.command("pause")
def webhook_pause(name: str, config: ConfigPath = Path("hub.toml")) -> None:
    """Stop delivering to a webhook (its progress is kept)."""
    console.print(_webhook_table([_on_webhooks(_load(config), lambda hooks: hooks.pause(name))]))


@webhook_app.command("resume")
def webhook_resume(name: str, config: ConfigPath = Path("hub.toml")) -> None:
    """Deliver to a paused or failing webhook again now."""
    console.print(_webhook_table([_on_webhooks(_load(config), lambda hooks: hooks.resume(name))]))


@webhook_app.command("delete")
def webhook_delete(name: str, config: ConfigPath = Path("hub.toml")) -> None:
    """Remove a webhook."""
    _on_webhooks(_load(config), lambda hooks: hooks.delete(name))
    console.print(f"webhook {name!r} deleted")


token_app = typer.Typer(
    help="Bearer tokens for /ingest and the API; the store keeps only their hashes.",
    no_args_is_help=True,
)
app.add_typer(token_app, name="token")


def _on_store(settings: HubConfig, action: Callable[[Store], Awaitable[T]]) -> T:
    """Run ``action`` on the migrated store; a ``HubError`` is printed and exits with 2."""

    async def run() -> T:
        store = _store(settings)
        try:
            await store.migrate()
            return await action(store)
        finally:
            await store.dispose()

    try:
        return asyncio.run(run())
    except HubError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="A unique name, e.g. zjj-push.")],
    scope: Annotated[
        list[str], typer.Option(help="What it may do: read, ingest:<connector>, ingest:*.")
    ],
    department: Annotated[str | None, typer.Option(help="The department it acts for.")] = None,
    config: ConfigPath = Path("hub.toml"),
) -> None:
    """Create a token and print it (shown only once)."""

    async def create(store: Store) -> str:
        token = await auth.create_token(store, name, scopes=scope, department=department)
        await auth.audit(store, "cli", "token.create", {"name": name, "scopes": sorted(scope)})
        return token

    token = _on_store(_load(config), create)
    errors.print(f"token {name!r} created; store it now, it is not shown again:")
    typer.echo(token)


@token_app.command("revoke")
def token_revoke(name: str, config: ConfigPath = Path("hub.toml")) -> None:
    """Revoke a token: requests with it are refused from now on."""

    async def revoke(store: Store) -> None:
        await auth.revoke_token(store, name)
        await auth.audit(store, "cli", "token.revoke", {"name": name})

    _on_store(_load(config), revoke)
    console.print(f"token {name!r} revoked")


@token_app.command("list")
def token_list(config: ConfigPath = Path("hub.toml")) -> None:
    """Show every token: department, scopes, and when it was created or revoked."""
    table = Table(title="tokens")
    for column in ("name", "department", "scopes", "created", "revoked"):
        table.add_column(column)
    for info in _on_store(_load(config), auth.list_tokens):
        table.add_row(
            info.name,
            info.department or "",
            " ".join(info.scopes),
            f"{info.created_at:%Y-%m-%d %H:%M:%S}Z",
            f"{info.revoked_at:%Y-%m-%d %H:%M:%S}Z" if info.revoked_at else "",
        )
    console.print(table)


def main() -> None:
    app()
