"""`hub serve`, `worker`, `demo`, `schema` and `query`."""

from __future__ import annotations

import asyncio
import gc
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from hub.bus import create_bus
from hub.cli.common import (
    ConfigPath,
    app,
    console,
    errors,
    load_settings,
    on_store,
    open_store,
    run_reporting,
)
from hub.cli.syncing import report_table, sync_all
from hub.cli.workers import serve_workers
from hub.config import HubConfig
from hub.logs import LogFormat, configure_logging
from hub.runs import RunReport
from hub.runtime import migrate_store, open_runtime
from hub.secret_key import ENV as SECRET_KEY_ENV
from hub.secret_key import demo_key

LogFormatOption = Annotated[
    LogFormat,
    typer.Option(
        "--log-format",
        envvar="HUB_LOG_FORMAT",
        help="text, or json: one object a line, each with its request id.",
    ),
]


def run_server(application: Any, host: str, port: int, **options: Any) -> None:
    """Serve ``application`` with uvicorn until stopped. What exists now (modules, the schema,
    table metadata) lives as long as the process, so it is moved out of the cyclic garbage
    collector's reach: otherwise every full collection walks it again, which costs a GraphQL
    list page about a tenth of its time (bench/graphql_load.py)."""
    import uvicorn

    gc.collect()
    gc.freeze()
    uvicorn.run(application, host=host, port=port, **options)


def _serve(
    settings: HubConfig,
    host: str | None,
    port: int | None,
    *,
    scheduler: bool,
    log_format: LogFormat = "text",
    workers: int = 1,
    config_path: Path | None = None,
) -> None:
    from hub.http.app import create_app

    configure_logging(log_format)
    options: dict[str, Any] = {
        "log_level": "info",
        "log_config": None,  # hub.logs configured the loggers
        "ws_per_message_deflate": settings.server.websocket_compression,
        # Without it uvicorn waits on SIGTERM for every open request and websocket to end.
        "timeout_graceful_shutdown": settings.server.shutdown_timeout_seconds,
    }
    host, port = host or settings.server.host, port or settings.server.port
    if workers > 1 and config_path is not None:
        serve_workers(
            config_path,
            settings,
            host=host,
            port=port,
            workers=workers,
            scheduler=scheduler,
            log_format=log_format,
            **options,
        )
        return
    run_server(create_app(settings, run_scheduler=scheduler), host, port, **options)


@app.command()
def serve(
    config: ConfigPath = Path("hub.toml"),
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    scheduler: Annotated[
        bool, typer.Option(help="Also run scheduled syncs in this process.")
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes behind the one port (one of them runs the scheduled work).",
        ),
    ] = 1,
    log_format: LogFormatOption = "text",
) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql)."""
    settings = load_settings(config)
    _serve(
        settings,
        host,
        port,
        scheduler=scheduler,
        log_format=log_format,
        workers=workers,
        config_path=config,
    )


@app.command()
def worker(config: ConfigPath = Path("hub.toml"), log_format: LogFormatOption = "text") -> None:
    """Run scheduled syncs and webhook delivery without serving the API."""
    settings = load_settings(config)
    configure_logging(log_format)
    from jobs.scheduled import scheduled_jobs

    async def run() -> None:
        async with open_runtime(settings, serve_feed=False, jobs=scheduled_jobs(settings)):
            await asyncio.Event().wait()

    try:
        run_reporting(run())  # a connector's bad options, say, which only building it checks
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
    log_format: LogFormatOption = "text",
) -> None:
    """Build demo department databases, sync them into the store, and serve the API."""
    from hub.demo import build_demo
    from hub.demo.tokens import demo_tokens

    marker = directory / ".demo-build"
    wanted = f"scale={scale} seed={seed}\n"
    if rebuild or not marker.exists() or marker.read_text() != wanted:
        console.print(f"building demo department sources in {directory}/ (scale {scale}) ...")
        for stale in (directory / "hub.db", directory / "hub.db-wal", directory / "hub.db-shm"):
            stale.unlink(missing_ok=True)
        build_demo(directory, scale=scale, seed=seed)
        marker.write_text(wanted)
    settings = load_settings(directory / "hub.toml")
    if not os.environ.get(SECRET_KEY_ENV):
        # The demo only: a key of its own, so that webhooks work without set-up. Production
        # processes never make one (hub.secret_key).
        os.environ[SECRET_KEY_ENV] = demo_key(directory)
        console.print(
            f"{SECRET_KEY_ENV} is unset: webhook secrets are encrypted with the demo's own key "
            f"in {directory / 'secret.key'}"
        )

    async def run() -> tuple[list[RunReport], dict[str, str]]:
        store = open_store(settings)
        try:
            await migrate_store(store, settings)
            async with create_bus(settings.bus.url) as bus:
                reports = await sync_all(settings, store, on_commit=bus.publish)
            return reports, await demo_tokens(store, directory / "tokens.toml")
        finally:
            await store.dispose()

    reports, tokens = asyncio.run(run())
    console.print(report_table(reports))
    console.print(
        f"anonymous callers get the [bold]{settings.security.anonymous}[/bold] view; "
        f"a token per role and department is in {directory / 'tokens.toml'}:"
    )
    for key, token in tokens.items():
        typer.echo(f"  {key:<16} {token}")
    if serve_api:
        address = f"http://{host or settings.server.host}:{port or settings.server.port}/graphql"
        console.print(f"GraphiQL: [bold]{address}[/bold]")
        _serve(settings, host, port, scheduler=True, log_format=log_format)


@app.command()
def schema(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", envvar="HUB_CONFIG", help="A hub.toml to validate first."),
    ] = None,
) -> None:
    """Print the GraphQL schema (SDL)."""
    from schema import build_schema

    if config is not None:
        load_settings(config)

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
    token: Annotated[
        str | None,
        typer.Option(
            envvar="HUB_TOKEN",
            help="Read as this token's role (default: [security] cli, the supervisor).",
        ),
    ] = None,
    config: ConfigPath = Path("hub.toml"),
) -> None:
    """Run a GraphQL query against the store and print the result (errors on stderr), as the
    token's role reads it over HTTP."""
    from rich.markup import escape

    from hub.cli.query_file import error_lines, parse_variables, run_query, to_csv

    if output not in ("json", "csv"):
        errors.print(f"[red]error:[/red] --format {output!r}: use json or csv")
        raise typer.Exit(2)
    try:
        text = file.read_text(encoding="utf-8")
        variables = parse_variables(var or [], text)
    except (OSError, ValueError) as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    settings = load_settings(config)
    response = on_store(settings, lambda store: run_query(settings, store, text, variables, token))
    for line in error_lines(response.get("errors", [])):
        errors.print(f"[red]error:[/red] {escape(line)}", highlight=False)
    if output == "csv":
        typer.echo(to_csv(response["data"]), nl=False)
    else:
        typer.echo(json.dumps(response, ensure_ascii=False, indent=2))
    if response.get("errors"):
        raise typer.Exit(1)
