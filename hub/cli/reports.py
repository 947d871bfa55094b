"""`hub report weekly`: the weekly supervision report (周报) of an ISO week, printed or written
to a file, and kept in the reports directory with ``--keep``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import ConfigPath, app, console, errors, load_settings, on_store
from hub.errors import HubError
from hub.sla import Supervision
from hub.store import Store
from schema.report.archive import ReportArchive
from schema.report.render import report_format
from schema.report.weekly import last_complete_week, weekly_report

report = typer.Typer(help="Reports: the weekly supervision report (周报).", no_args_is_help=True)
app.add_typer(report, name="report")


@report.command()
def weekly(
    week: Annotated[
        str | None,
        typer.Option(help="The ISO week, e.g. 2014-W52 (default: the last complete week)."),
    ] = None,
    format: Annotated[str, typer.Option("--format", help="html, md, csv or json.")] = "html",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of printing.")
    ] = None,
    keep: Annotated[
        bool, typer.Option(help="Also keep it in the reports directory, in every format.")
    ] = False,
    config: ConfigPath = Path("hub.toml"),
) -> None:
    """Build the weekly report of a week, as of its last day, compared with the week before."""
    try:
        chosen = report_format(format)
    except HubError as exc:
        errors.print(f"[red]error:[/red] --format: {exc}")
        raise typer.Exit(2) from None
    settings = load_settings(config)

    async def build(store: Store) -> str:
        today = Supervision.configured(store, settings).business_day()
        built = await weekly_report(store, settings, week or last_complete_week(today))
        if keep:
            kept = ReportArchive(settings.reports_directory()).keep(built)
            errors.print(f"kept in {kept.parent}/")
        return chosen.render(built)

    text = on_store(settings, build)
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        errors.print(f"[red]error:[/red] --out {out}: {exc.strerror}")
        raise typer.Exit(2) from None
    console.print(f"wrote {out}")
