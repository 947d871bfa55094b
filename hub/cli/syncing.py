"""`hub sync`, `status`, `check` and `migrate`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.bus import create_bus
from hub.changelog import CommitHook
from hub.cli.common import (
    ConfigPath,
    app,
    build_connectors,
    console,
    errors,
    load_settings,
    migrate_store,
    open_store,
)
from hub.config import HubConfig
from hub.errors import HubError, SyncLockedError
from hub.runs import RunReport, StreamStats
from hub.source_check import creation_warning
from hub.status import StreamStatus
from hub.store import Store
from hub.sync import SyncEngine

WARNING = "warning"  # a `hub check` finding that does not fail the check
_STATE_COLOURS = {"succeeded": "green", "failed": "red", "running": "yellow", "partial": "yellow"}
_COUNTS = (
    "read", "inserted", "updated", "unchanged", "deleted", "rejected", "warned", "orphans",
    "conflicts",
)  # fmt: skip


def report_table(reports: Sequence[RunReport]) -> Table:
    table = Table(title="sync")
    table.add_column("connector")
    table.add_column("stream")
    for column in (*_COUNTS, "seconds"):
        table.add_column(column, justify="right")
    table.add_column("state")
    for report in reports:
        colour = _STATE_COLOURS.get(report.state, "red")
        label = "ok" if report.state == "succeeded" else report.state
        state = f"[{colour}]{label}[/{colour}]"
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
    accept_drift: bool = False,
    wait: float = 0,
    show_progress: bool = True,
    on_commit: CommitHook | None = None,
) -> list[RunReport]:
    """Sync the named connectors (all enabled ones by default) in config order; with
    ``reconcile``, scan their keys for deletes instead. A connector whose lease another process
    holds (past ``wait`` seconds) ends in a ``locked`` report that says who holds it."""
    engine = SyncEngine(store, config, lease_wait=wait, on_commit=on_commit)
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

        for connector in build_connectors(config, names):
            try:
                if reconcile:
                    run = engine.reconcile(connector, force=force, progress=advance)
                else:
                    run = engine.sync(
                        connector, full=full, accept_drift=accept_drift, progress=advance
                    )
                reports.append(await run)
            except SyncLockedError as exc:
                locked = RunReport(connector=connector.name, mode="reconcile" if reconcile else "")
                locked.fail(exc)
                locked.state = "locked"
                reports.append(locked)
            finally:
                await connector.close()
    for report in reports:
        if report.error:
            errors.print(f"[red]{report.connector} {report.state}:[/red] {report.error}")
    return reports


@app.command()
def migrate(config: ConfigPath = Path("hub.toml")) -> None:
    """Apply the store's schema migrations (also done on every start)."""
    settings = load_settings(config)

    async def run() -> None:
        store = open_store(settings)
        try:
            await migrate_store(store, settings)
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
    accept_drift: Annotated[
        bool,
        typer.Option(
            "--accept-drift",
            help="Read sources whose mapped columns changed type or disappeared since the last "
            "run (once the mapping fits them); the new columns become the reference.",
        ),
    ] = False,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            metavar="SECONDS",
            min=0,
            help="When another process (hub serve) is syncing a connector, wait up to SECONDS "
            "for its lease instead of failing (600 outlasts a lease nobody renews).",
        ),
    ] = 0,
    config: ConfigPath = Path("hub.toml"),
) -> None:
    """Sync department sources into the store now, and print what changed."""
    settings = load_settings(config)

    async def run() -> list[RunReport]:
        store = open_store(settings)
        try:
            await migrate_store(store, settings)
            # Wake subscribers and webhook workers of every hub process on the store.
            async with create_bus(settings.bus.url) as bus:
                return await sync_all(
                    settings,
                    store,
                    connector or (),
                    full=full,
                    reconcile=reconcile,
                    force=force,
                    accept_drift=accept_drift,
                    wait=wait,
                    on_commit=bus.publish,
                )
        finally:
            await store.dispose()

    reports = asyncio.run(run())
    console.print(report_table(reports))
    if any(r.state != "succeeded" for r in reports):
        raise typer.Exit(1)


@app.command()
def status(
    files: Annotated[
        bool,
        typer.Option("--files", help="List every drop file and its state, not only failed ones."),
    ] = False,
    config: ConfigPath = Path("hub.toml"),
) -> None:
    """Show each connector's last run, rows, rejects, cursor and lag behind its source, and the
    drop files that failed (with --files: every drop file)."""
    from hub.status import FileStatus, connector_status, file_status

    settings = load_settings(config)

    async def run() -> tuple[list[StreamStatus], list[FileStatus]]:
        store = open_store(settings)
        connectors = build_connectors(settings)
        try:
            await migrate_store(store, settings)
            streams = await connector_status(store, connectors)
            return streams, await file_status(store, state=None if files else "failed")
        finally:
            for connector in connectors:
                await connector.close()
            await store.dispose()

    streams, file_rows = asyncio.run(run())
    table = Table(title=f"status {config}")
    numeric = {"read", "written", "rejects", "lag (rows)"}
    for column in ("connector", "stream", "last run (UTC)", "state", "read", "written",
                   "rejects", "cursor", "lag (rows)"):  # fmt: skip
        table.add_column(column, justify="right" if column in numeric else "left")
    previous = None
    for row in streams:
        colour = _STATE_COLOURS.get(row.state, "dim")
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
    if file_rows:
        listing = Table(title="drop files" if files else "failed drop files")
        for column in ("connector", "file", "state", "rows", "processed (UTC)", "error"):
            listing.add_column(column, justify="right" if column == "rows" else "left")
        for item in file_rows:
            colour = "green" if item.state == "applied" else "red"
            listing.add_row(
                item.connector,
                item.file,
                f"[{colour}]{item.state}[/{colour}]",
                f"{item.rows:,}",
                f"{item.processed_at:%Y-%m-%d %H:%M:%S}",
                item.error or "",
            )
        console.print(listing)


def persisted_queries_row(settings: HubConfig) -> tuple[str, str, str, str]:
    """The allow-list of persisted queries, loaded and checked against the schema as the
    server will at start."""
    from schema import build_schema
    from schema.persisted import PersistedQueries

    given = settings.graphql.persisted_queries
    assert given is not None
    try:
        listed = PersistedQueries.load(settings.resolve_path(given))
        build_schema(settings.server, graphql=settings.graphql, persisted=listed)
    except HubError as exc:
        return ("(graphql)", "", "error", str(exc))
    return ("(graphql)", "", "ok", f"{len(listed.documents)} persisted queries in {given}")


@app.command()
def check(
    files: Annotated[
        bool,
        typer.Option(
            "--files",
            help="Also pre-read the drop files a sync would read next, and report those that "
            "would fail (nothing is recorded).",
        ),
    ] = False,
    config: ConfigPath = Path("hub.toml"),
) -> None:
    """Validate the config, reach every source and check each stream's mapping against it."""
    from connectors.files import FileDropConnector

    settings = load_settings(config)

    async def run() -> list[tuple[str, str, str, str]]:
        rows: list[tuple[str, str, str, str]] = []
        store = open_store(settings)
        engine = SyncEngine(store, settings)
        try:
            try:
                await migrate_store(store, settings)
                rows.append(("(store)", "", "ok", store.url.render_as_string(hide_password=True)))
            except Exception as exc:  # any driver error means: not reachable
                rows.append(("(store)", "", "unreachable", str(exc)))
            if settings.graphql.persisted_queries is not None:
                rows.append(persisted_queries_row(settings))
            for connector in build_connectors(settings):
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
                    for configured in connector.config.streams:
                        warning = creation_warning(settings, configured)
                        if warning is not None:
                            rows.append((connector.name, configured.stream_name, WARNING, warning))
                        if files and isinstance(connector, FileDropConnector):
                            failing = await connector.check_pending(configured)
                            rows.extend(
                                (connector.name, configured.stream_name, "file error", problem)
                                for problem in failing.values()
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
        colour = {"ok": "green", WARNING: "yellow"}.get(state, "red")
        table.add_row(name, stream, f"[{colour}]{state}[/{colour}]", detail)
    console.print(table)
    if any(state not in ("ok", WARNING) for _, _, state, _ in rows):
        raise typer.Exit(1)
