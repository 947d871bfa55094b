"""The weekly report as HTML (charts inline as SVG, print CSS for A4), Markdown, CSV (one row
per number) or JSON; ``render(report, format)`` picks one by name."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from hub.errors import UnknownNameError
from schema.report.base import Number, SectionResult, Table, change
from schema.report.charts import bar_svg
from schema.report.weekly import WeeklyReport


def signed(value: Number | None) -> str:
    """A change as the report prints it: +3, −2, ±0, or an en dash when unknown."""
    if value is None:
        return "–"
    if value == 0:
        return "±0"
    text = f"{abs(value):g}" if isinstance(value, float) else str(abs(value))
    return ("+" if value > 0 else "−") + text


def shown(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def cell_change(table: Table, row: Any, key: str) -> Number | None:
    return change(row.get(key), row.get(f"{key}_previous"))


def link_of(table: Table, row: Any) -> str | None:
    return None if table.link is None else table.link.format(**row)


ENVIRONMENT = Environment(
    loader=PackageLoader("schema.report", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
ENVIRONMENT.filters.update(signed=signed, shown=shown)
ENVIRONMENT.globals.update(cell_change=cell_change, link_of=link_of)


def _svg(section: SectionResult) -> list[Markup]:
    # Our own SVG, drawn from numbers and names that matplotlib escapes as XML text.
    return [Markup(bar_svg(chart)) for chart in section.charts]  # noqa: S704


def to_html(report: WeeklyReport) -> str:
    charts = {section.key: _svg(section) for section in report.sections}
    return ENVIRONMENT.get_template("weekly.html.j2").render(report=report, charts=charts)


def to_markdown(report: WeeklyReport) -> str:
    return ENVIRONMENT.get_template("weekly.md.j2").render(report=report)


def _figure_rows(report: WeeklyReport) -> Iterator[list[Any]]:
    for section in report.sections:
        if not section.available:
            yield [section.key, "", "", "available", "no", "", ""]
        for figure in section.figures:
            yield [
                section.key,
                "figures",
                figure.key,
                figure.label,
                figure.value,
                figure.previous,
                figure.change,
            ]
        for table in section.tables:
            for i, row in enumerate(table.rows, start=1):
                for column in table.columns:
                    previous = row.get(f"{column.key}_previous") if column.compared else None
                    yield [
                        section.key,
                        table.key,
                        i,
                        column.key,
                        row.get(column.key),
                        previous,
                        cell_change(table, row, column.key) if column.compared else None,
                    ]


def to_csv(report: WeeklyReport) -> str:
    """One number per line: section, table (or ``figures``), row, column (or figure), value,
    the previous week's and the change."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"# {report.title}", f"as of {report.as_of}"])
    writer.writerow(["section", "table", "row", "column", "value", "previous", "change"])
    writer.writerows(_figure_rows(report))
    return out.getvalue()


def to_data(report: WeeklyReport) -> dict[str, Any]:
    """The report as plain data (what the JSON format prints)."""
    return {
        "week": str(report.week),
        "asOf": report.as_of.isoformat(),
        "previousWeek": str(report.previous_week),
        "generatedAt": report.generated_at.isoformat() + "Z",
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "available": section.available,
                "note": section.note,
                "figures": [
                    {
                        "key": f.key,
                        "label": f.label,
                        "value": f.value,
                        "previous": f.previous,
                        "change": f.change,
                    }
                    for f in section.figures
                ],
                "tables": [
                    {"key": t.key, "title": t.title, "rows": [dict(row) for row in t.rows]}
                    for t in section.tables
                ],
            }
            for section in report.sections
        ],
    }


def to_json(report: WeeklyReport) -> str:
    return json.dumps(to_data(report), ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True, slots=True)
class Format:
    render: Callable[[WeeklyReport], str]
    media_type: str


FORMATS = {
    "html": Format(to_html, "text/html; charset=utf-8"),
    "md": Format(to_markdown, "text/markdown; charset=utf-8"),
    "csv": Format(to_csv, "text/csv; charset=utf-8"),
    "json": Format(to_json, "application/json"),
}


def report_format(name: str) -> Format:
    """The format ``name`` (``UnknownNameError`` listing the known ones)."""
    try:
        return FORMATS[name]
    except KeyError:
        raise UnknownNameError("report format", name, FORMATS) from None
